/**
 * A subject's data, for staff and for the subject itself (or an organisation's recorded representative, auth.ts):
 * standing and its explanation at now or a given instant, the standing's history, notices, the export, the access
 * log, and the organisations a person represents. Every read is in the subject's access log.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { accessLog, exportSubject } from '../../app/data-rights.ts';
import { explain } from '../../app/decisions.ts';
import { linkPassport, resolveSubject } from '../../app/passports.ts';
import { dayMs, pageSizeMax, standingHistoryDaysDefault, standingHistoryDaysMax } from '../../core/constants.ts';
import { standingHistory } from '../../core/history.ts';
import { parseSubjectId } from '../../core/identifiers.ts';
import { relationInForce } from '../../core/standing.ts';
import { isoFromMs, parseInstant } from '../../core/time.ts';
import { renderNotice } from '../../core/notices.ts';
import type { Notice } from '../../store/ports.ts';
import { principalOf, staffOrSelf } from '../auth.ts';
import { badRequest, fromProblem } from '../errors.ts';
import { presentRecord, presentStanding } from '../present.ts';
import { errors, isoInstant, localized, pageLimit, subjectText } from '../schema.ts';
import type { Service } from '../service.ts';
import { explainRecords } from './explained.ts';
import { logRead, readSubject } from './reads.ts';

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

const explainedRecord = z
  .object({
    id: z.number().int(),
    code: z.string(),
    effectiveAt: isoInstant,
    recordedAt: isoInstant,
    evidence: z.string().describe('the reporting agency’s evidence reference'),
    disputed: z.boolean().describe('an objection to it is open'),
    retractedBy: z.number().int().optional().describe('the retraction that withdrew it'),
    ends: z.number().int().optional().describe('an approved repair: the record whose listings and grades it ended'),
    rules: z
      .array(
        z.object({
          scheme: z.string(),
          version: z.number().int(),
          code: z.string(),
          title: localized,
          category: z.string(),
          legalBasis: z.string(),
          validityDays: z.number().int(),
        }),
      )
      .describe('the rule versions that judged it (the versions in force at effectiveAt)'),
    entries: z
      .array(
        z.object({
          scheme: z.string(),
          version: z.number().int(),
          points: z.number().describe('as counted: pointsRule x multiplier, limited by the cap'),
          pointsRule: z.number(),
          multiplier: z.number().describe('repeat escalation'),
          capped: z.boolean(),
          from: isoInstant,
          until: isoInstant.describe('exclusive: it stops counting then'),
          resetBy: z.number().int().optional(),
        }),
      )
      .describe('points it brought'),
    grades: z.array(
      z.object({
        scheme: z.string(),
        version: z.number().int(),
        grade: z.string(),
        from: isoInstant,
        until: isoInstant,
        endedBy: z.number().int().optional(),
      }),
    ),
    listings: z.array(z.object({}).passthrough()),
    objectionDeadline: isoInstant.optional().describe('an objection may be filed until then'),
    objectable: z.boolean().describe('an objection may be filed now'),
    repairs: z
      .array(
        z.object({
          scheme: z.string(),
          version: z.number().int(),
          list: z.string().optional().describe('for a listing; absent for a direct grade'),
          grade: z.string().optional(),
          minimumDays: z.number().int(),
          conditions: z.array(z.string()),
          reviewWorkingDays: z.number().int(),
          applicableFrom: isoInstant.describe('an application is possible from then'),
        }),
      )
      .describe('repair policies for what it brought that is in force now'),
  })
  .passthrough()
  .meta({ id: 'ExplainedRecord' });

const historyStep = z.object({
  at: isoInstant,
  version: z.number().int().optional().describe('absent from here on: the scheme no longer applies'),
  score: z.number().optional(),
  grade: z.string().optional(),
  gradeSource: z.enum(['band', 'direct']).optional(),
});

export function subjectRoutes(app: FastifyInstance, service: Service): void {
  const { context, clock, decisionLog } = service;
  const api = app.withTypeProvider<ZodTypeProvider>();
  const instantOf = (text: string, field: string) => {
    const parsed = parseInstant(text, field);
    if (!parsed.ok) throw fromProblem(parsed.problem);
    return parsed.value;
  };
  const atOf = (at: string | undefined) => (at === undefined ? clock() : instantOf(at, 'at'));
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
      await logRead(service, request, explained.value.subject.key);
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
    async (request) =>
      readSubject(service, request, request.params.subject, async (subject) => {
        const notices = await context.store.noticesOf(subject.key, request.query.limit, request.query.before);
        const last = notices.at(-1);
        return {
          notices: notices.map((n) => presentNotice(renderNotice(context.catalogs, n))),
          ...(notices.length === request.query.limit && last ? { next: last.id } : {}),
        };
      }),
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
          200: z.object({ standing, records: z.array(explainedRecord) }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request) => {
      const explained = await explain(context, request.params.subject, atOf(request.query.at));
      if (!explained.ok) throw fromProblem({ ...explained.problem, field: 'subject' });
      const { subject, records, objections } = explained.value;
      const derivation = await context.store.derivation(subject.key);
      const notices = await context.store.noticesOf(subject.key, pageSizeMax);
      await logRead(service, request, subject.key);
      return {
        standing: presentStanding(explained.value.standing),
        // A record with an open objection is disputed, and shown so.
        records: explainRecords({
          catalogs: context.catalogs,
          kind: subject.kind,
          derivation,
          records,
          objections,
          notices,
          nowMs: clock(),
        }),
      };
    },
  );

  api.get(
    '/v1/subjects/:subject/history',
    {
      config: { access: staffOrSelf },
      schema: {
        summary: 'Score and grade per points scheme at every instant they change, between two instants',
        tags: ['subjects'],
        params,
        querystring: z.object({
          from: isoInstant.optional().describe(`default: ${standingHistoryDaysDefault} days before to`),
          to: isoInstant.optional().describe('default: now'),
        }),
        response: {
          200: z.object({
            subject: z.string(),
            from: isoInstant,
            to: isoInstant,
            schemes: z.array(
              z.object({
                scheme: z.string(),
                steps: z.array(historyStep).describe('in time order; each holds until the next'),
              }),
            ),
          }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request) => {
      const parsed = parseSubjectId(request.params.subject);
      if (!parsed.ok) throw fromProblem({ ...parsed.problem, field: 'subject' });
      const toMs = request.query.to === undefined ? clock() : instantOf(request.query.to, 'to');
      const fromMs =
        request.query.from === undefined
          ? toMs - standingHistoryDaysDefault * dayMs
          : instantOf(request.query.from, 'from');
      if (fromMs > toMs) throw badRequest('invalid_range', 'from must not be after to', 'from');
      if (toMs - fromMs > standingHistoryDaysMax * dayMs)
        throw badRequest('range_too_long', `a history spans at most ${standingHistoryDaysMax} days`, 'from');
      // A linked passport's history is the person's, as its explanation is.
      const subject = await resolveSubject(context, parsed.value);
      const derivation = await context.store.derivation(subject.key);
      const schemes = standingHistory(context.catalogs, subject.kind, derivation, fromMs, toMs);
      await logRead(service, request, subject.key);
      return {
        subject: subject.key,
        from: isoFromMs(fromMs),
        to: isoFromMs(toMs),
        schemes: schemes.map((h) => ({
          scheme: h.scheme,
          steps: h.steps.map(({ atMs, ...step }) => ({ at: isoFromMs(atMs), ...step })),
        })),
      };
    },
  );

  api.get(
    '/v1/subjects/:subject/represents',
    {
      config: { access: staffOrSelf },
      schema: {
        summary: 'The organisations a person is recorded for now (legal representative, responsible manager)',
        tags: ['subjects'],
        params,
        response: {
          200: z.object({
            organisations: z.array(
              z.object({
                organisation: z.string().describe('its identifier (USCC)'),
                kind: z.enum(['person', 'organisation', 'government']),
                role: z.enum(['legal_representative', 'responsible_manager']),
                since: isoInstant,
                until: isoInstant.optional().describe('the relation ends then'),
              }),
            ),
          }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request) =>
      readSubject(service, request, request.params.subject, async (person, nowMs) => {
        const relations = person.kind === 'person' ? await context.store.relationsOfPerson(person.key) : [];
        return {
          organisations: relations
            .filter((r) => relationInForce(r, nowMs))
            .map((r) => {
              const organisation = parseSubjectId(r.organisation);
              return {
                organisation: r.organisation,
                kind: organisation.ok ? organisation.value.kind : ('organisation' as const),
                role: r.role,
                since: isoFromMs(r.fromMs),
                ...(r.untilMs === undefined ? {} : { until: isoFromMs(r.untilMs) }),
              };
            }),
        };
      }),
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
    async (request) =>
      readSubject(service, request, request.params.subject, async (subject) => {
        // Reads still queued are written first, so the log is complete up to this request.
        await decisionLog.flush();
        const entries = await accessLog(context, subject.key);
        return {
          accessLog: entries.map((a) => ({ at: isoFromMs(a.atMs), kind: a.kind, actor: a.actor, what: a.what })),
        };
      }),
  );
}
