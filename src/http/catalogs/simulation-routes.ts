/**
 * The policy simulator over HTTP, for administrators (like drafting and publishing): simulate a draft given in the
 * body, or the scheme's saved draft, and open one subject of the result with both explanations side by side.
 *
 * Audit: the simulation itself writes nothing and discloses no one in its counts, so the run is not an event; but
 * every subject a response names (the sample, the one subject opened) is a read of that subject's data by staff
 * and goes into its access log (`data.read`, batched like decisions), as a staff page of list members does.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  describeWindow,
  simulateDraft,
  simulateSubject,
  type SimulationReport,
  type SimulationWindow,
  type SubjectSimulation,
} from '../../app/simulate.ts';
import { pageSizeMax, simulationSampleDefault, simulationSampleMax } from '../../core/constants.ts';
import type { Problem } from '../../core/result.ts';
import { changeLabel } from '../../core/simulate.ts';
import { parseInstant } from '../../core/time.ts';
import type { Service } from '../service.ts';
import { principalOf } from '../auth.ts';
import { fromProblem, notFound } from '../errors.ts';
import { presentStanding } from '../present.ts';
import { errors, isoInstant, subjectText } from '../schema.ts';
import { explainRecords } from '../subjects/explained.ts';

const schemeParams = z.object({ scheme: z.string().min(1).max(64) });
const windowQuery = z.object({
  from: isoInstant.optional().describe('replay records effective from then on (default: all)'),
  to: isoInstant.optional().describe('replay records effective before then and compare standings then (default: now)'),
});
const reportQuery = windowQuery.extend({
  sample: z.coerce
    .number()
    .int()
    .min(0)
    .max(simulationSampleMax)
    .default(simulationSampleDefault)
    .describe(`changed subjects to name, first by subject order (at most ${simulationSampleMax})`),
});
const draftBody = z.object({}).passthrough().describe('a catalog draft, as PUT /v1/catalogs/{scheme}/draft takes it');

const breakdown = {
  subjects: z.number().int(),
  changed: z.number().int(),
  adverse: z.number().int(),
  favourable: z.number().int(),
  mixed: z.number().int(),
};
const windowShape = z.object({ from: isoInstant.nullable().describe('null: every record'), to: isoInstant });

const simulationReport = z
  .object({
    scheme: z.string(),
    draftVersion: z.number().int().describe('the number publishing would give it'),
    replacesVersions: z.array(z.number().int()).describe('the published versions the draft stands in for'),
    window: windowShape,
    records: z.number().int().describe('records replayed'),
    subjectsWithRecords: z.number().int(),
    subjects: z.number().int().describe('every subject compared (with and without records)'),
    changed: z.number().int(),
    adverse: z.number().int(),
    favourable: z.number().int(),
    mixed: z.number().int(),
    changes: z
      .array(
        z.object({
          kind: z.enum(['grade', 'listing', 'measure', 'action']),
          label: z.string().describe('e.g. "rongcheng-residents A -> B", "listing started on court-defaulters"'),
          subjects: z.number().int(),
          scheme: z.string().optional(),
          from: z.string().nullable().optional().describe('grade: before (null: the scheme did not apply)'),
          to: z.string().nullable().optional(),
          list: z.string().optional(),
          measure: z.string().optional(),
          action: z.string().optional(),
          change: z.string().optional().describe('started|ended|extended|shortened, gained|lost, denied|allowed'),
        }),
      )
      .describe('subjects per change, most first'),
    histograms: z
      .array(
        z.object({
          scheme: z.string(),
          grades: z.array(z.object({ grade: z.string(), before: z.number().int(), after: z.number().int() })),
        }),
      )
      .describe('per points scheme, subjects per grade, best grade first'),
    byDistrict: z.array(z.object({ district: z.string().describe('6-digit region code, or none'), ...breakdown })),
    byKind: z.array(z.object({ kind: z.string(), ...breakdown })),
    sample: z.array(
      z.object({
        subject: z.string(),
        kind: z.string(),
        district: z.string(),
        direction: z.enum(['adverse', 'favourable', 'mixed']),
        changes: z.array(z.string()),
      }),
    ),
    sampleTruncated: z.boolean(),
    proportionality: z.object({
      yardstick: z.object({ name: z.string(), test: z.string() }),
      findings: z.array(
        z
          .object({
            test: z.enum(['unrelated_context', 'listing_term', 'validity', 'escalation']),
            scheme: z.string(),
            rule: z.string(),
            category: z.string(),
            measure: z.string().optional(),
            list: z.string().optional(),
            path: z.enum(['listing', 'threshold', 'direct_grade', 'points']).optional(),
            actions: z.array(z.string()).optional(),
            value: z.number().optional(),
            limit: z.number().optional(),
            source: z.string(),
            why: z.string(),
            introduced: z.boolean().describe('the version in force does not have it: the draft brings it'),
          })
          .meta({ id: 'ProportionalityFinding' }),
      ),
      unrelatedApplied: z
        .array(
          z.object({
            scheme: z.string(),
            measure: z.string(),
            actions: z.array(z.string()),
            categories: z.array(z.string()),
            subjects: z.number().int(),
          }),
        )
        .describe('sanctions the draft newly applies in contexts unrelated to the records behind them'),
    }),
    performance: z.object({ elapsedMs: z.number(), recordsPerSecond: z.number() }),
  })
  .meta({ id: 'SimulationReport' });

const side = z.object({
  standing: z.object({}).passthrough(),
  records: z.array(z.object({}).passthrough()).describe('as in GET /v1/subjects/{subject}/explanation'),
});
const subjectSimulation = z
  .object({
    subject: z.string(),
    window: windowShape,
    draftVersion: z.number().int(),
    changes: z.array(z.string()),
    direction: z.enum(['none', 'adverse', 'favourable', 'mixed']),
    before: side.describe('under the published catalogs'),
    after: side.describe('with the draft in force over the window'),
  })
  .meta({ id: 'SubjectSimulation' });

/** The report as JSON: instants as ISO text, the counts at the top level (the shape the web page charts). */
export function presentSimulation(r: SimulationReport) {
  const c = r.counts;
  const p = r.proportionality;
  return {
    scheme: r.scheme,
    draftVersion: r.draftVersion,
    replacesVersions: [...r.replacesVersions],
    window: describeWindow(r.window),
    records: r.records,
    subjectsWithRecords: r.subjectsWithRecords,
    subjects: c.subjects,
    changed: c.changed,
    adverse: c.adverse,
    favourable: c.favourable,
    mixed: c.mixed,
    changes: c.changes.map((x) => ({ ...x })),
    histograms: c.histograms.map((h) => ({ scheme: h.scheme, grades: h.grades.map((g) => ({ ...g })) })),
    byDistrict: c.byDistrict.map((d) => ({ ...d })),
    byKind: c.byKind.map((k) => ({ ...k })),
    sample: c.sample.map((s) => ({ ...s, changes: [...s.changes] })),
    sampleTruncated: c.sampleTruncated,
    proportionality: {
      yardstick: { ...p.yardstick },
      findings: p.findings.map(({ actions, ...f }) => ({ ...f, ...(actions ? { actions: [...actions] } : {}) })),
      unrelatedApplied: p.unrelatedApplied.map((u) => ({
        ...u,
        actions: [...u.actions],
        categories: [...u.categories],
      })),
    },
    performance: { elapsedMs: Math.round(r.elapsedMs), recordsPerSecond: r.recordsPerSecond },
  };
}

/** One subject both ways; each side's records explained by the catalogs that side was judged by. */
export function presentSubjectSimulation(
  s: SubjectSimulation,
  notices: Parameters<typeof explainRecords>[0]['notices'],
  nowMs: number,
) {
  const explainSide = (which: 'before' | 'after') => ({
    standing: presentStanding(s.comparison[which].standing),
    records: explainRecords({
      catalogs: s.catalogs[which],
      kind: s.subject.kind,
      derivation: s.comparison[which].derivation,
      records: s.records,
      objections: s.objections,
      notices,
      nowMs,
    }),
  });
  return {
    subject: s.subject.key,
    window: describeWindow(s.window),
    draftVersion: s.draftVersion,
    changes: s.comparison.changes.map(changeLabel),
    direction: s.comparison.direction,
    before: explainSide('before'),
    after: explainSide('after'),
  };
}

/** A problem from the simulator as an HTTP error: a bad draft is 422, as publishing gives it; the rest 400. */
function refusal(problem: Problem) {
  const badDraft = problem.code === 'invalid_catalog' || problem.code === 'list_owned_elsewhere';
  return fromProblem(problem, badDraft ? 422 : 400);
}

export function simulationRoutes(app: FastifyInstance, service: Service): void {
  const { context, clock, decisionLog } = service;
  const api = app.withTypeProvider<ZodTypeProvider>();

  const windowOf = (query: z.infer<typeof windowQuery>): SimulationWindow => {
    const instant = (text: string, field: string) => {
      const parsed = parseInstant(text, field);
      if (!parsed.ok) throw fromProblem(parsed.problem);
      return parsed.value;
    };
    const toMs = query.to === undefined ? clock() : instant(query.to, 'to');
    return query.from === undefined ? { toMs } : { fromMs: instant(query.from, 'from'), toMs };
  };

  /** The saved draft of a scheme: 404 unknown_scheme if there is neither a draft nor a published version. */
  const savedDraft = async (scheme: string) => {
    const draft = await context.store.catalogDraft(scheme);
    if (draft) return draft.body;
    if (context.catalogs.versionsOf(scheme).length === 0)
      throw notFound('unknown_scheme', `no scheme ${scheme}: it has no saved draft and no published version`);
    throw notFound('no_draft', `scheme ${scheme} has no saved draft`);
  };

  const logSample = async (request: FastifyRequest, report: SimulationReport) => {
    const actor = principalOf(request).name;
    const atMs = clock();
    await decisionLog.append(
      report.counts.sample.map((s) => ({
        atMs,
        kind: 'data.read',
        actor,
        subject: s.subject,
        payload: { route: request.routeOptions.url ?? '' },
      })),
    );
  };

  const run = async (request: FastifyRequest, draft: unknown, query: z.infer<typeof reportQuery>) => {
    const simulated = await simulateDraft(context, draft, { ...windowOf(query), sampleMax: query.sample });
    if (!simulated.ok) throw refusal(simulated.problem);
    await logSample(request, simulated.value);
    return presentSimulation(simulated.value);
  };

  api.post(
    '/v1/simulations',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Simulate a catalog draft over the stored history (writes nothing)',
        description:
          'Replays the records effective in [from, to) under the published catalogs and with the draft in force ' +
          'over the whole window, and compares every subject at `to`.',
        tags: ['catalogs'],
        querystring: reportQuery,
        body: draftBody,
        response: { 200: simulationReport, ...errors(400, 401, 403, 422) },
      },
    },
    async (request) => run(request, request.body, request.query),
  );

  api.post(
    '/v1/catalogs/:scheme/draft/simulation',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Simulate the saved draft over the stored history (writes nothing)',
        tags: ['catalogs'],
        params: schemeParams,
        querystring: reportQuery,
        response: { 200: simulationReport, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request) => run(request, await savedDraft(request.params.scheme), request.query),
  );

  api.get(
    '/v1/catalogs/:scheme/draft/simulation/subjects/:subject',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'One subject under the published catalogs and under the saved draft, side by side',
        tags: ['catalogs'],
        params: schemeParams.extend({ subject: subjectText }),
        querystring: windowQuery,
        response: { 200: subjectSimulation, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      const draft = await savedDraft(request.params.scheme);
      const simulated = await simulateSubject(context, draft, request.params.subject, windowOf(request.query));
      if (!simulated.ok) throw refusal(simulated.problem);
      const subject = simulated.value.subject.key;
      const notices = await context.store.noticesOf(subject, pageSizeMax);
      await decisionLog.append([
        {
          atMs: clock(),
          kind: 'data.read',
          actor: principalOf(request).name,
          subject,
          payload: { route: request.routeOptions.url ?? '' },
        },
      ]);
      return presentSubjectSimulation(simulated.value, notices, clock());
    },
  );
}
