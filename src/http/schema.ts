/** Schemas shared by several resources. Request schemas validate; response schemas document (OpenAPI). */
import { z } from 'zod';
import { pageSizeDefault, pageSizeMax, subjectTextLengthMax } from '../core/constants.ts';

export const errorBody = z
  .object({
    error: z.object({
      code: z.string().describe('stable machine code, e.g. invalid_resident_id, outside_remit'),
      message: z.string().describe('what is wrong and what to fix'),
      field: z.string().optional().describe('the request field concerned'),
    }),
  })
  .meta({ id: 'Error' });

/** The error responses a route may give, for OpenAPI. */
export function errors(...statuses: readonly (400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429)[]) {
  return Object.fromEntries(statuses.map((s) => [s, errorBody]));
}

export const subjectText = z
  .string()
  .min(1)
  .max(subjectTextLengthMax)
  .describe('a resident ID (18 characters), a Unified Social Credit Code (18) or passport:CCC:NUMBER');

export const isoInstant = z.string().describe('ISO 8601 instant, e.g. 2026-03-01T08:00:00Z');

export const localized = z.object({ 'zh-CN': z.string(), en: z.string() });

export const pageLimit = z.coerce
  .number()
  .int()
  .min(1)
  .max(pageSizeMax)
  .default(pageSizeDefault)
  .describe(`page size, 1 to ${pageSizeMax}`);
