/** Every area's dictionary, merged: keys carry their area as a prefix, so they never collide. */
import { adminMessages } from './admin.ts';
import { agencyMessages } from './agency.ts';
import { commonMessages } from './common.ts';
import { deskMessages } from './desk.ts';
import { portalMessages } from './portal.ts';
import { publicMessages } from './public.ts';
import { reviewMessages } from './review.ts';

const areas = [
  commonMessages,
  publicMessages,
  portalMessages,
  agencyMessages,
  deskMessages,
  reviewMessages,
  adminMessages,
];

type En = typeof commonMessages.en &
  typeof publicMessages.en &
  typeof portalMessages.en &
  typeof agencyMessages.en &
  typeof deskMessages.en &
  typeof reviewMessages.en &
  typeof adminMessages.en;
export type MessageKey = keyof En & string;

export const messages: { readonly en: Record<MessageKey, string>; readonly 'zh-CN': Record<MessageKey, string> } = {
  en: Object.assign({}, ...areas.map((a) => a.en)) as Record<MessageKey, string>,
  'zh-CN': Object.assign({}, ...areas.map((a) => a['zh-CN'])) as Record<MessageKey, string>,
};
