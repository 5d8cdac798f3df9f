import { z } from 'zod';
import { decisionsPerBatchMax, identifierLengthMax } from '../../core/constants.ts';
import { isoInstant, localized, subjectText } from '../schema.ts';

export const action = z.string().min(1).max(identifierLengthMax).describe('an action code, e.g. travel.flight');

export const decisionQuery = z.object({ subject: subjectText, action });

export const batchBody = z.object({
  action,
  subjects: z.array(subjectText).min(1).max(decisionsPerBatchMax).describe(`1 to ${decisionsPerBatchMax} subjects`),
});

const reason = z
  .object({
    measure: z.string(),
    kind: z.enum(['sanction', 'incentive']),
    title: localized,
    scheme: z.string(),
    version: z.number().int(),
    legalBasis: z.string(),
    because: z.union([
      z.object({
        list: z.string(),
        recordId: z.number().int(),
        code: z.string(),
        ruleVersion: z.number().int(),
        untilDelisted: z.boolean(),
      }),
      z.object({ grade: z.string() }),
    ]),
    until: isoInstant.optional().describe('when the measure stops applying if nothing new is recorded'),
    via: z
      .object({ organisation: z.string(), role: z.enum(['legal_representative', 'responsible_manager']) })
      .optional(),
  })
  .meta({ id: 'DecisionReason' });

export const decision = z
  .object({
    decisionId: z.string().describe('cite this id to object to the decision'),
    subject: z.string(),
    action: z.string(),
    at: isoInstant,
    outcome: z.enum(['allow', 'deny']),
    reasons: z.array(reason),
    catalogVersions: z.array(z.object({ scheme: z.string(), version: z.number().int() })),
  })
  .meta({ id: 'Decision' });

export const batchResult = z.object({
  action: z.string(),
  at: isoInstant,
  batchId: z.string(),
  results: z.array(
    z.union([
      z.object({
        subject: z.string(),
        decisionId: z.string(),
        outcome: z.enum(['allow', 'deny']),
        reasons: z.array(reason),
      }),
      z.object({ subject: z.string(), error: z.object({ code: z.string(), message: z.string() }) }),
    ]),
  ),
});
