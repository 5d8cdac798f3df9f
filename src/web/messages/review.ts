/** Texts of the review pages. */
import { defineMessages } from './define.ts';

export const reviewMessages = defineMessages({ 'review.title': 'review' }, { 'review.title': 'review' });
