/**
 * Objections. Until the subject portal exists, staff file an objection for the subject; reviewers decide. Open
 * objections are listed by review deadline, the overdue ones flagged and counted.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { decideObjection, fileObjection } from '../../app/objections.ts';
import { pageSizeMax, reasonLengthMax } from '../../core/constants.ts';
import { isoFromMs } from '../../core/time.ts';
import type { Objection } from '../../store/ports.ts';
import { principalOf, staff, staffOrSelf } from '../auth.ts';
import { HttpError } from '../errors.ts';
import { errors, isoInstant, pageLimit, subjectText } from '../schema.ts';
import type { Service } from '../service.ts';
import { readSubject } from '../subjects/reads.ts';

const objection = z
  .object({
    id: z.number().int(),
    subject: z.string(),
    recordId: z.number().int(),
    filedAt: isoInstant,
    filedBy: z.string(),
    grounds: z.string(),
    windowClosesAt: isoInstant,
    reviewDueAt: isoInstant.describe('the decision is due by then (working days of the jurisdiction)'),
    overdue: z.boolean(),
    status: z.enum(['open', 'upheld', 'overturned']),
    decidedAt: isoInstant.optional(),
    decidedBy: z.string().optional(),
    decisionReasons: z.string().optional(),
    retractionRecordId: z.number().int().optional(),
  })
  .meta({ id: 'Objection' });

const statusOf: Record<string, number> = {
  record_not_found: 404,
  objection_not_found: 404,
  objection_exists: 409,
  objection_decided: 409,
  reviewer_conflict: 403,
  not_a_representative: 403,
  objection_window_closed: 422,
  not_objectable: 422,
};

function present(o: Objection, nowMs: number) {
  return {
    id: o.id,
    subject: o.subject,
    recordId: o.recordId,
    filedAt: isoFromMs(o.filedAtMs),
    filedBy: o.filedBy,
    grounds: o.grounds,
    windowClosesAt: isoFromMs(o.windowClosesAtMs),
    reviewDueAt: isoFromMs(o.reviewDueAtMs),
    overdue: o.status === 'open' && nowMs >= o.reviewDueAtMs,
    status: o.status,
    ...(o.decidedAtMs === undefined ? {} : { decidedAt: isoFromMs(o.decidedAtMs) }),
    ...(o.decidedBy === undefined ? {} : { decidedBy: o.decidedBy }),
    ...(o.decisionReasons === undefined ? {} : { decisionReasons: o.decisionReasons }),
    ...(o.retractionRecordId === undefined ? {} : { retractionRecordId: o.retractionRecordId }),
  };
}

export function objectionRoutes(app: FastifyInstance, service: Service): void {
  const { context, clock } = service;
  const api = app.withTypeProvider<ZodTypeProvider>();
  const refuse = (problem: { code: string; message: string; field?: string }) =>
    new HttpError(statusOf[problem.code] ?? 400, problem.code, problem.message, problem.field);

  api.post(
    '/v1/subjects/:subject/objections',
    {
      config: { access: staffOrSelf },
      schema: {
        summary: 'File an objection to a record, for the subject (within the scheme’s window)',
        tags: ['objections'],
        params: z.object({ subject: subjectText }),
        body: z.object({
          recordId: z.number().int().positive(),
          grounds: z.string().min(1).max(reasonLengthMax),
          filedBy: subjectText.optional().describe('an organisation’s recorded representative filing for it'),
        }),
        response: { 201: objection, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const filed = await fileObjection(
        context,
        { subject: request.params.subject, ...request.body },
        { nowMs: clock(), actor: principal.name },
      );
      if (!filed.ok) throw refuse(filed.problem);
      reply.code(201);
      return present(filed.value, clock());
    },
  );

  api.get(
    '/v1/subjects/:subject/objections',
    {
      config: { access: staffOrSelf },
      schema: {
        summary: 'The subject’s objections, oldest first, with their status, review deadline and decision',
        tags: ['objections'],
        params: z.object({ subject: subjectText }),
        response: { 200: z.object({ objections: z.array(objection) }), ...errors(400, 401, 403) },
      },
    },
    // A read of the subject's data, in its access log like the others.
    async (request) =>
      readSubject(service, request, request.params.subject, async (subject, nowMs) => ({
        objections: (await context.store.objectionsOf(subject.key)).map((o) => present(o, nowMs)),
      })),
  );

  api.get(
    '/v1/objections',
    {
      config: { access: staff },
      schema: {
        summary: 'Objections by review deadline; overdue ones flagged and counted',
        tags: ['objections'],
        querystring: z.object({
          status: z.enum(['open', 'upheld', 'overturned']).optional(),
          overdue: z.enum(['true', 'false']).optional().describe('true: only open objections past their deadline'),
          limit: pageLimit,
        }),
        response: {
          200: z.object({ objections: z.array(objection), overdue: z.number().int() }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request) => {
      const nowMs = clock();
      const overdueOnly = request.query.overdue === 'true';
      const list = await context.store.objections({
        ...(overdueOnly
          ? { status: 'open' as const, dueBeforeMs: nowMs }
          : request.query.status
            ? { status: request.query.status }
            : {}),
        limit: request.query.limit,
      });
      const overdue = (await context.store.objections({ status: 'open', dueBeforeMs: nowMs, limit: pageSizeMax }))
        .length;
      return { objections: list.map((o) => present(o, nowMs)), overdue };
    },
  );

  api.get(
    '/v1/objections/:id',
    {
      config: { access: staff },
      schema: {
        summary: 'One objection',
        tags: ['objections'],
        params: z.object({ id: z.coerce.number().int().positive() }),
        response: { 200: objection, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const found = await context.store.objection(request.params.id);
      if (!found) throw refuse({ code: 'objection_not_found', message: `no objection ${request.params.id}` });
      return present(found, clock());
    },
  );

  api.post(
    '/v1/objections/:id/decision',
    {
      config: { access: ['reviewer'] },
      schema: {
        summary: 'Decide an objection: upheld (the record stands) or overturned (retracted, everything recomputed)',
        tags: ['objections'],
        params: z.object({ id: z.coerce.number().int().positive() }),
        body: z.object({ outcome: z.enum(['upheld', 'overturned']), reasons: z.string().min(1).max(reasonLengthMax) }),
        response: { 200: objection, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const decided = await decideObjection(
        context,
        {
          objectionId: request.params.id,
          outcome: request.body.outcome,
          reasons: request.body.reasons,
          reviewer: principal.name,
          ...(principal.scope[0] === undefined ? {} : { reviewerAgency: principal.scope[0] }),
        },
        { nowMs: clock() },
      );
      if (!decided.ok) throw refuse(decided.problem);
      return present(decided.value, clock());
    },
  );
}
