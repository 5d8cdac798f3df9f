/** Texts of the admin pages. */
import { defineMessages } from './define.ts';

export const adminMessages = defineMessages({ 'admin.title': 'admin' }, { 'admin.title': 'admin' });
