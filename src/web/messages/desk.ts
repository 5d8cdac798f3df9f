/** Texts of the desk pages. */
import { defineMessages } from './define.ts';

export const deskMessages = defineMessages({ 'desk.title': 'desk' }, { 'desk.title': 'desk' });
