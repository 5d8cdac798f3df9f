/** A subject's standing and its explanation, for staff. Read from the store, at now or a given instant. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { accessLog, exportSubject } from '../../app/data-rights.ts';
import { explain } from '../../app/decisions.ts';
import { linkPassport } from '../../app/passports.ts';
import { parseSubjectId } from '../../core/identifiers.ts';
import { isoFromMs, parseInstant } from '../../core/time.ts';
import type { Notice } from '../../store/ports.ts';
import { principalOf, staffOrSelf } from '../auth.ts';
import { fromProblem } from '../errors.ts';
import { presentRecord, presentStanding } from '../present.ts';
import { errors, isoInstant, localized, pageLimit, subjectText } from '../schema.ts';
import type { Service } from '../service.ts';

const params = z.object({ subject: subjectText });
const query = z.object({ at: isoInstant.optional().describe('default: now') });
const notice = z
  .object({
    id: z.number().int().describe('stable: a receiver deduplicates on it'),
    kind: z.string(),
    adverse: z.boolean(),
    createdAt: isoInstant,
    scheme: z.string(),
    version: z.number().int(),
    recordId: z.number().int(),
    code: z.string(),
    rule: localized,
    legalBasis: z.string(),
    evidence: z.string(),
    effectiveAt: isoInstant,
    until: isoInstant.optional(),
    objectionDeadline: isoInstant.optional().describe('adverse notices: object by then'),
    details: z.object({}).passthrough(),
    measures: z.array(z.object({ measure: z.string(), title: localized, actions: z.array(z.string()) })),
    text: localized,
  })
  .meta({ id: 'Notice' });

function presentNotice(n: Notice) {
  return {
    id: n.id,
    kind: n.kind,
    adverse: n.adverse,
    createdAt: isoFromMs(n.createdAtMs),
    scheme: n.scheme,
    version: n.version,
    recordId: n.recordId,
    code: n.code,
    rule: n.rule,
    legalBasis: n.legalBasis,
    evidence: n.evidence,
    effectiveAt: isoFromMs(n.effectiveAtMs),
    ...(n.untilMs === undefined ? {} : { until: isoFromMs(n.untilMs) }),
    ...(n.objectionDeadlineMs === undefined ? {} : { objectionDeadline: isoFromMs(n.objectionDeadlineMs) }),
    details: { ...n.details },
    measures: n.measures.map((m) => ({ measure: m.measure, title: m.title, actions: [...m.actions] })),
    text: n.text,
  };
}

const standing = z
  .object({})
  .passthrough()
  .meta({ id: 'Standing', description: 'scores, grades, listings and measures per scheme' });

export function subjectRoutes(app: FastifyInstance, service: Service): void {
  const { context, clock, decisionLog } = service;
  const api = app.withTypeProvider<ZodTypeProvider>();
  // Every read of a subject's data is in its access log (batched like decisions).
  const logRead = (request: FastifyRequest, subject: string) =>
    decisionLog.append([
      {
        atMs: clock(),
        kind: 'data.read',
        actor: principalOf(request).name,
        subject,
        payload: { route: request.routeOptions.url ?? '' },
      },
    ]);
  const atOf = (at: string | undefined) => {
    if (at === undefined) return clock();
    const parsed = parseInstant(at, 'at');
    if (!parsed.ok) throw fromProblem(parsed.problem);
    return parsed.value;
  };

  api.get(
    '/v1/subjects/:subject/standing',
    {
      config: { access: staffOrSelf },
      schema: {
        summary: 'Scores, grades, listings and measures',
        tags: ['subjects'],
        params,
        querystring: query,
        response: { 200: standing, ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const explained = await explain(context, request.params.subject, atOf(request.query.at));
      if (!explained.ok) throw fromProblem({ ...explained.problem, field: 'subject' });
      await logRead(request, explained.value.subject.key);
      return presentStanding(explained.value.standing);
    },
  );

  api.get(
    '/v1/subjects/:subject/notices',
    {
      config: { access: staffOrSelf },
      schema: {
        summary: 'What the subject has been told (the inbox), newest first',
        tags: ['subjects'],
        params,
        querystring: z.object({ limit: pageLimit, before: z.coerce.number().int().positive().optional() }),
        response: {
          200: z.object({ notices: z.array(notice), next: z.number().int().optional() }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request) => {
      const subject = parseSubjectId(request.params.subject);
      if (!subject.ok) throw fromProblem({ ...subject.problem, field: 'subject' });
      const notices = await context.store.noticesOf(subject.value.key, request.query.limit, request.query.before);
      await logRead(request, subject.value.key);
      const last = notices.at(-1);
      return {
        notices: notices.map(presentNotice),
        ...(notices.length === request.query.limit && last ? { next: last.id } : {}),
      };
    },
  );

  api.get(
    '/v1/subjects/:subject/explanation',
    {
      config: { access: staffOrSelf },
      schema: {
        summary: 'The standing and every record behind it',
        tags: ['subjects'],
        params,
        querystring: query,
        response: {
          200: z.object({ standing, records: z.array(z.object({}).passthrough()) }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request) => {
      const explained = await explain(context, request.params.subject, atOf(request.query.at));
      if (!explained.ok) throw fromProblem({ ...explained.problem, field: 'subject' });
      await logRead(request, explained.value.subject.key);
      // A record with an open objection is disputed, and shown so.
      const disputed = new Set(explained.value.objections.filter((o) => o.status === 'open').map((o) => o.recordId));
      return {
        standing: presentStanding(explained.value.standing),
        records: explained.value.records.map((r) => ({ ...presentRecord(r), disputed: disputed.has(r.id) })),
      };
    },
  );

  api.post(
    '/v1/subjects/:subject/passports',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Link a citizen’s passport to their resident ID (checks and records by passport reach the person)',
        tags: ['subjects'],
        params,
        body: z.object({ passport: subjectText.describe('passport:CHN:NUMBER') }),
        response: { 201: z.object({ subject: z.string(), passport: z.string() }), ...errors(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const linked = await linkPassport(
        context,
        { subject: request.params.subject, passport: request.body.passport },
        { nowMs: clock(), actor: principalOf(request).name },
      );
      if (!linked.ok) {
        const status =
          linked.problem.code === 'passport_linked' || linked.problem.code === 'passport_has_records'
            ? 409
            : linked.problem.code.startsWith('invalid_')
              ? 400
              : 422;
        throw fromProblem(linked.problem, status);
      }
      reply.code(201);
      return linked.value;
    },
  );

  api.get(
    '/v1/subjects/:subject/export',
    {
      config: { access: staffOrSelf },
      schema: {
        summary: 'Everything Credence holds about the subject, for the subject (data rights)',
        tags: ['subjects'],
        params,
        response: { 200: z.object({}).passthrough().meta({ id: 'SubjectExport' }), ...errors(400, 401, 403) },
      },
    },
    async (request, reply) => {
      await decisionLog.flush();
      const exported = await exportSubject(context, request.params.subject, {
        nowMs: clock(),
        actor: principalOf(request).name,
      });
      if (!exported.ok) throw fromProblem({ ...exported.problem, field: 'subject' });
      const e = exported.value;
      void reply.header('content-disposition', `attachment; filename="credence-export.json"`);
      return {
        subject: e.subject,
        exportedAt: isoFromMs(e.exportedAtMs),
        standing: presentStanding(e.standing),
        records: e.records.map(presentRecord),
        derivation: e.derivation,
        notices: e.notices.map(presentNotice),
        objections: e.objections,
        relations: e.relations,
        accessLog: e.accessLog.map((a) => ({ at: isoFromMs(a.atMs), kind: a.kind, actor: a.actor, what: a.what })),
      };
    },
  );

  api.get(
    '/v1/subjects/:subject/access-log',
    {
      config: { access: staffOrSelf },
      schema: {
        summary: 'Who read the subject’s data and when: staff reads, decisions, exports; newest first',
        tags: ['subjects'],
        params,
        response: {
          200: z.object({
            accessLog: z.array(z.object({ at: isoInstant, kind: z.string(), actor: z.string(), what: z.string() })),
          }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request) => {
      const subject = parseSubjectId(request.params.subject);
      if (!subject.ok) throw fromProblem({ ...subject.problem, field: 'subject' });
      // Reads still queued are written first, so the log is complete up to this request.
      await decisionLog.flush();
      const entries = await accessLog(context, subject.value.key);
      await logRead(request, subject.value.key);
      return { accessLog: entries.map((a) => ({ at: isoFromMs(a.atMs), kind: a.kind, actor: a.actor, what: a.what })) };
    },
  );
}
