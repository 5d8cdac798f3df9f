/** Repair applications: staff apply for the subject (until the portal exists); reviewers decide. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { applyRepair, decideRepair } from '../../app/repairs.ts';
import { repairConditions } from '../../core/catalog.ts';
import { pageSizeMax, reasonLengthMax } from '../../core/constants.ts';
import { isoFromMs } from '../../core/time.ts';
import type { Repair } from '../../store/ports.ts';
import { principalOf, staff, staffOrSelf } from '../auth.ts';
import { HttpError } from '../errors.ts';
import { errors, isoInstant, pageLimit, subjectText } from '../schema.ts';
import type { Service } from '../service.ts';
import { readSubject } from '../subjects/reads.ts';

const repair = z
  .object({
    id: z.number().int(),
    subject: z.string(),
    recordId: z.number().int(),
    list: z.string().optional(),
    appliedAt: isoInstant,
    conditions: z.array(z.string()),
    statement: z.string(),
    reviewDueAt: isoInstant,
    overdue: z.boolean(),
    status: z.enum(['open', 'approved', 'refused']),
    decidedAt: isoInstant.optional(),
    decidedBy: z.string().optional(),
    decisionReasons: z.string().optional(),
    repairRecordId: z.number().int().optional(),
  })
  .meta({ id: 'Repair' });

const statusOf: Record<string, number> = {
  record_not_found: 404,
  repair_not_found: 404,
  repair_pending: 409,
  repair_decided: 409,
  repair_too_early: 422,
  repair_conditions_unmet: 422,
  nothing_to_repair: 422,
  no_repair_policy: 422,
};

function present(r: Repair, nowMs: number) {
  return {
    id: r.id,
    subject: r.subject,
    recordId: r.recordId,
    ...(r.list === undefined ? {} : { list: r.list }),
    appliedAt: isoFromMs(r.appliedAtMs),
    conditions: [...r.conditions],
    statement: r.statement,
    reviewDueAt: isoFromMs(r.reviewDueAtMs),
    overdue: r.status === 'open' && nowMs >= r.reviewDueAtMs,
    status: r.status,
    ...(r.decidedAtMs === undefined ? {} : { decidedAt: isoFromMs(r.decidedAtMs) }),
    ...(r.decidedBy === undefined ? {} : { decidedBy: r.decidedBy }),
    ...(r.decisionReasons === undefined ? {} : { decisionReasons: r.decisionReasons }),
    ...(r.repairRecordId === undefined ? {} : { repairRecordId: r.repairRecordId }),
  };
}

export function repairRoutes(app: FastifyInstance, service: Service): void {
  const { context, clock } = service;
  const api = app.withTypeProvider<ZodTypeProvider>();
  const refuse = (p: { code: string; message: string; field?: string }) =>
    new HttpError(statusOf[p.code] ?? 400, p.code, p.message, p.field);

  api.post(
    '/v1/subjects/:subject/repairs',
    {
      config: { access: staffOrSelf },
      schema: {
        summary: 'Apply to end a listing or a direct grade early (credit repair), for the subject',
        tags: ['repairs'],
        params: z.object({ subject: subjectText }),
        body: z.object({
          recordId: z.number().int().positive(),
          list: z.string().min(1).max(64).optional().describe('for a listing; omit for a direct grade'),
          conditions: z
            .array(z.enum(repairConditions))
            .max(repairConditions.length)
            .describe('the conditions the applicant affirms'),
          statement: z.string().min(1).max(reasonLengthMax),
        }),
        response: { 201: repair, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const applied = await applyRepair(
        context,
        { subject: request.params.subject, ...request.body },
        { nowMs: clock(), actor: principalOf(request).name },
      );
      if (!applied.ok) throw refuse(applied.problem);
      reply.code(201);
      return present(applied.value, clock());
    },
  );

  api.get(
    '/v1/subjects/:subject/repairs',
    {
      config: { access: staffOrSelf },
      schema: {
        summary: 'The subject’s repair applications, oldest first, with their status, review deadline and decision',
        tags: ['repairs'],
        params: z.object({ subject: subjectText }),
        response: { 200: z.object({ repairs: z.array(repair) }), ...errors(400, 401, 403) },
      },
    },
    // A read of the subject's data, in its access log like the others.
    async (request) =>
      readSubject(service, request, request.params.subject, async (subject, nowMs) => ({
        repairs: (await context.store.repairsOf(subject.key)).map((r) => present(r, nowMs)),
      })),
  );

  api.get(
    '/v1/repairs',
    {
      config: { access: staff },
      schema: {
        summary: 'Repair applications by review deadline; overdue ones flagged and counted',
        tags: ['repairs'],
        querystring: z.object({
          status: z.enum(['open', 'approved', 'refused']).optional(),
          overdue: z.enum(['true', 'false']).optional(),
          limit: pageLimit,
        }),
        response: { 200: z.object({ repairs: z.array(repair), overdue: z.number().int() }), ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const nowMs = clock();
      const list = await context.store.repairs({
        ...(request.query.overdue === 'true'
          ? { status: 'open' as const, dueBeforeMs: nowMs }
          : request.query.status
            ? { status: request.query.status }
            : {}),
        limit: request.query.limit,
      });
      const overdue = (await context.store.repairs({ status: 'open', dueBeforeMs: nowMs, limit: pageSizeMax })).length;
      return { repairs: list.map((r) => present(r, nowMs)), overdue };
    },
  );

  api.post(
    '/v1/repairs/:id/decision',
    {
      config: { access: ['reviewer'] },
      schema: {
        summary: 'Decide a repair application: approved (ends early) or refused',
        tags: ['repairs'],
        params: z.object({ id: z.coerce.number().int().positive() }),
        body: z.object({ outcome: z.enum(['approved', 'refused']), reasons: z.string().min(1).max(reasonLengthMax) }),
        response: { 200: repair, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const decided = await decideRepair(
        context,
        {
          repairId: request.params.id,
          outcome: request.body.outcome,
          reasons: request.body.reasons,
          reviewer: principalOf(request).name,
        },
        { nowMs: clock() },
      );
      if (!decided.ok) throw refuse(decided.problem);
      return present(decided.value, clock());
    },
  );
}
