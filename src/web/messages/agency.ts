/** Texts of the agency pages. */
import { defineMessages } from './define.ts';

export const agencyMessages = defineMessages({ 'agency.title': 'agency' }, { 'agency.title': 'agency' });
