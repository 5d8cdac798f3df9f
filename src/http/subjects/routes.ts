/** A subject's standing and its explanation, for staff. Read from the store, at now or a given instant. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { explain } from '../../app/decisions.ts';
import { parseSubjectId } from '../../core/identifiers.ts';
import { isoFromMs, parseInstant } from '../../core/time.ts';
import type { Notice } from '../../store/ports.ts';
import { staff } from '../auth.ts';
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
  const { context, clock } = service;
  const api = app.withTypeProvider<ZodTypeProvider>();
  const atOf = (at: string | undefined) => {
    if (at === undefined) return clock();
    const parsed = parseInstant(at, 'at');
    if (!parsed.ok) throw fromProblem(parsed.problem);
    return parsed.value;
  };

  api.get(
    '/v1/subjects/:subject/standing',
    {
      config: { access: staff },
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
      return presentStanding(explained.value.standing);
    },
  );

  api.get(
    '/v1/subjects/:subject/notices',
    {
      config: { access: staff },
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
      config: { access: staff },
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
      // A record with an open objection is disputed, and shown so.
      const disputed = new Set(explained.value.objections.filter((o) => o.status === 'open').map((o) => o.recordId));
      return {
        standing: presentStanding(explained.value.standing),
        records: explained.value.records.map((r) => ({ ...presentRecord(r), disputed: disputed.has(r.id) })),
      };
    },
  );
}
