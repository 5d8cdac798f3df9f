/** Texts of the public pages. */
import { defineMessages } from './define.ts';

export const publicMessages = defineMessages({ 'public.title': 'public' }, { 'public.title': 'public' });
