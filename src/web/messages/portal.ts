/** Texts of the portal pages. */
import { defineMessages } from './define.ts';

export const portalMessages = defineMessages({ 'portal.title': 'portal' }, { 'portal.title': 'portal' });
