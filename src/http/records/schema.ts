import { z } from 'zod';
import {
  agencyRefLengthMax,
  caseRefLengthMax,
  evidenceLengthMax,
  identifierLengthMax,
  reasonLengthMax,
  recordsPerBatchMax,
} from '../../core/constants.ts';
import { isoInstant, pageLimit, subjectText } from '../schema.ts';

/** A record's shape; what it means (identifier check characters, remit, rule in force) is checked per item. */
export const recordInput = z.object({
  agencyRef: z.string().min(1).max(agencyRefLengthMax).describe('the agency’s own reference: the idempotency key'),
  subject: subjectText,
  code: z.string().min(1).max(identifierLengthMax).describe('a rule code in the agency’s remit'),
  effectiveAt: isoInstant.describe('when the fact became final; never in the future'),
  evidence: z.string().min(1).max(evidenceLengthMax).describe('a reference to the evidence (decision number, ticket)'),
  amount: z.number().min(0).optional().describe('yuan, for rules scored by amount'),
  caseRef: z
    .string()
    .min(1)
    .max(caseRefLengthMax)
    .optional()
    .describe('ties listings, extensions and performance of one case'),
});

export const submitBody = z.object({
  records: z.array(recordInput).min(1).max(recordsPerBatchMax).describe(`1 to ${recordsPerBatchMax} records`),
});

const itemError = z.object({ code: z.string(), message: z.string(), field: z.string().optional() });

export const submitResult = z.object({
  accepted: z.number().int(),
  duplicates: z.number().int(),
  rejected: z.number().int(),
  results: z.array(
    z.object({
      index: z.number().int(),
      status: z.enum(['accepted', 'duplicate', 'rejected']),
      recordId: z.number().int().optional().describe('the stored record; for a duplicate, the original'),
      error: itemError.optional(),
    }),
  ),
});

export const record = z
  .object({
    id: z.number().int(),
    agency: z.string(),
    agencyRef: z.string(),
    subject: z.string(),
    code: z.string(),
    effectiveAt: isoInstant,
    recordedAt: isoInstant,
    evidence: z.string(),
    amount: z.number().optional(),
    caseRef: z.string().optional(),
    retracts: z.number().int().optional(),
  })
  .meta({ id: 'Record' });

export const listQuery = z.object({
  limit: pageLimit,
  before: z.coerce.number().int().positive().optional().describe('page: records with a smaller id'),
});

export const listResult = z.object({ records: z.array(record), next: z.number().int().optional() });

export const retractParams = z.object({ agencyRef: z.string().min(1).max(agencyRefLengthMax) });
export const retractBody = z.object({
  agencyRef: z.string().min(1).max(agencyRefLengthMax).describe('the retraction’s own reference'),
  reason: z.string().trim().min(1).max(reasonLengthMax),
});
export const retractResult = z.object({
  status: z.enum(['retracted', 'duplicate']),
  recordId: z.number().int(),
  retracts: z.number().int(),
});
