/**
 * Use case: the policy simulator. Replays the stored records under a catalog draft and under the published
 * catalogs, without writing anything, and reports what the draft would change (core/simulate.ts) and how it
 * measures against the proportionality tests (core/proportionality.ts).
 *
 * Two passes over the store, both in the store's subject order: every subject with records (scanSubjectRecords, the
 * replay rebuild runs), then every subject without records, who stands at each scheme's base under either catalog
 * set (a draft that moves the base or the bands changes them too). Records effective in [from, to) are replayed;
 * standings are compared at `to`. Nothing is written: not the derived state, not the audit log (the caller logs
 * whatever it shows of a subject).
 */
import type { CatalogSet } from '../core/catalog-set.ts';
import { parseCatalogDraft, type CatalogDraft } from '../core/catalog.ts';
import { parseSubjectId, type SubjectId, type SubjectKind } from '../core/identifiers.ts';
import { checkProportionality, findingKey, yardstick, type Finding } from '../core/proportionality.ts';
import { simulationPageSize, simulationSampleDefault, simulationSampleMax } from '../core/constants.ts';
import type { RecordFact } from '../core/record.ts';
import { fail, ok, type Result } from '../core/result.ts';
import {
  addComparison,
  compareSubject,
  countsOf,
  draftCatalogSet,
  newTally,
  simulationStartMs,
  type DraftCatalogs,
  type SimulationCounts,
  type SubjectComparison,
} from '../core/simulate.ts';
import { isoFromMs } from '../core/time.ts';
import type { Objection } from '../store/ports.ts';
import type { AppContext } from './context.ts';
import { resolveSubject } from './passports.ts';

export interface SimulationWindow {
  /** Records effective from this instant on are replayed; absent: all of them. */
  readonly fromMs?: number;
  /** Records effective before it are replayed, and the standings compared at it. */
  readonly toMs: number;
}

export interface SimulationProgress {
  readonly phase: 'records' | 'subjects without records';
  readonly subjects: number;
  readonly records: number;
  /** The register's totals, for a progress bar. */
  readonly subjectsTotal: number;
  readonly recordsTotal: number;
}

export interface ProportionalityReport {
  readonly yardstick: typeof yardstick;
  /** `introduced`: the version in force at `to` does not have this finding; the draft brings it. */
  readonly findings: readonly (Finding & { readonly introduced: boolean })[];
  readonly unrelatedApplied: SimulationCounts['unrelatedApplied'];
}

export interface SimulationReport {
  readonly scheme: string;
  readonly draftVersion: number;
  readonly replacesVersions: readonly number[];
  readonly window: SimulationWindow;
  readonly records: number;
  readonly subjectsWithRecords: number;
  readonly counts: SimulationCounts;
  readonly proportionality: ProportionalityReport;
  readonly elapsedMs: number;
  readonly recordsPerSecond: number;
}

interface Prepared {
  readonly draft: CatalogDraft;
  readonly current: CatalogSet;
  readonly set: DraftCatalogs;
}

/** The draft parsed and validated as publishing does (same problem codes), and the window checked. */
function prepare(context: AppContext, input: unknown, window: SimulationWindow): Result<Prepared> {
  if (window.fromMs !== undefined && window.fromMs >= window.toMs)
    return fail('invalid_range', 'from must be before to', 'from');
  const draft = parseCatalogDraft(input);
  if (!draft.ok) return draft;
  const current = context.catalogs;
  const set = draftCatalogSet(current, draft.value, window.fromMs ?? simulationStartMs);
  if (!set.ok) return set;
  return ok({ draft: draft.value, current, set: set.value });
}

const inWindow = (window: SimulationWindow) => (r: RecordFact) =>
  r.effectiveAtMs < window.toMs && (window.fromMs === undefined || r.effectiveAtMs >= window.fromMs);

function proportionalityOf(prepared: Prepared, toMs: number, counts: SimulationCounts): ProportionalityReport {
  const inForce = prepared.current.inForce(prepared.draft.scheme.id, toMs);
  const existing = new Set((inForce ? checkProportionality(inForce.catalog) : []).map(findingKey));
  return {
    yardstick,
    findings: checkProportionality(prepared.draft).map((f) => ({ ...f, introduced: !existing.has(findingKey(f)) })),
    unrelatedApplied: counts.unrelatedApplied,
  };
}

/**
 * Simulates a draft (as `publish` takes it) over the stored history. A draft that parses or validates badly is
 * refused with the problem publishing gives; an inverted window is `invalid_range`.
 */
export async function simulateDraft(
  context: AppContext,
  input: unknown,
  options: SimulationWindow & {
    readonly sampleMax?: number;
    readonly onProgress?: (progress: SimulationProgress) => void;
  },
): Promise<Result<SimulationReport>> {
  const window: SimulationWindow = {
    ...(options.fromMs === undefined ? {} : { fromMs: options.fromMs }),
    toMs: options.toMs,
  };
  const prepared = prepare(context, input, window);
  if (!prepared.ok) return prepared;
  const { current, set } = prepared.value;
  const started = performance.now();
  const { store } = context;
  const totals = await store.summary();
  const subjectsTotal = Object.values(totals.subjectsByKind).reduce((a, b) => a + b, 0);
  const tally = newTally(Math.min(options.sampleMax ?? simulationSampleDefault, simulationSampleMax));
  const keep = inWindow(window);
  let records = 0;
  let subjectsWithRecords = 0;
  const progress = (phase: SimulationProgress['phase']) =>
    options.onProgress?.({ phase, subjects: tally.subjects, records, subjectsTotal, recordsTotal: totals.records });

  for await (const page of store.scanSubjectRecords(simulationPageSize)) {
    const disputed = await store.disputedRecordsOf(page.map((p) => p.subject.key));
    for (const { subject, records: all } of page) {
      const replayed = all.filter(keep);
      records += replayed.length;
      const comparison = compareSubject(
        current,
        set.catalogs,
        {
          subject: subject.key,
          kind: subject.kind,
          ...(subject.region === undefined ? {} : { region: subject.region }),
          records: replayed,
          ...(disputed.has(subject.key) ? { disputed: disputed.get(subject.key) } : {}),
        },
        window.toMs,
      );
      addComparison(tally, comparison);
    }
    subjectsWithRecords += page.length;
    progress('records');
  }

  // Subjects without records stand alike per kind: one comparison each, counted under each subject's district.
  const alike = new Map<SubjectKind, SubjectComparison>();
  const comparisonOf = (kind: SubjectKind) => {
    let found = alike.get(kind);
    if (found === undefined) {
      found = compareSubject(current, set.catalogs, { subject: '', kind, records: [] }, window.toMs);
      alike.set(kind, found);
    }
    return found;
  };
  for await (const page of store.scanSubjects(simulationPageSize)) {
    // A subject with records has a stored derivation (it was counted above); one without has none.
    const derived = await store.derivations(page.map((s) => s.key));
    for (const subject of page) {
      if (derived.has(subject.key)) continue;
      const { region: _region, ...shared } = comparisonOf(subject.kind);
      addComparison(tally, {
        ...shared,
        subject: subject.key,
        ...(subject.region === undefined ? {} : { region: subject.region }),
      });
    }
    progress('subjects without records');
  }

  const counts = countsOf(tally, current, set.catalogs, window.toMs);
  const elapsedMs = performance.now() - started;
  return ok({
    scheme: set.version.schemeId,
    draftVersion: set.version.version,
    replacesVersions: set.replaces,
    window,
    records,
    subjectsWithRecords,
    counts,
    proportionality: proportionalityOf(prepared.value, window.toMs, counts),
    elapsedMs,
    recordsPerSecond: elapsedMs > 0 ? Math.round((records / elapsedMs) * 1000) : 0,
  });
}

export interface SubjectSimulation {
  readonly subject: SubjectId;
  readonly window: SimulationWindow;
  readonly draftVersion: number;
  /** The subject's records in the window (both sides replay the same ones). */
  readonly records: readonly RecordFact[];
  readonly objections: readonly Objection[];
  readonly comparison: SubjectComparison;
  /** The catalog sets each side was judged by: the published one and the one with the draft in its place. */
  readonly catalogs: { readonly before: CatalogSet; readonly after: CatalogSet };
}

/** One subject under the draft and under the published catalogs, for the side-by-side explanation. */
export async function simulateSubject(
  context: AppContext,
  input: unknown,
  subjectText: string,
  window: SimulationWindow,
): Promise<Result<SubjectSimulation>> {
  const prepared = prepare(context, input, window);
  if (!prepared.ok) return prepared;
  const parsed = parseSubjectId(subjectText);
  if (!parsed.ok) return fail(parsed.problem.code, parsed.problem.message, 'subject');
  // A linked passport stands for the person it belongs to, as in `explain`.
  const subject = await resolveSubject(context, parsed.value);
  const records = (await context.store.recordsOf(subject.key)).filter(inWindow(window));
  const disputed = (await context.store.disputedRecordsOf([subject.key])).get(subject.key);
  const objections = await context.store.objectionsOf(subject.key);
  const { current, set } = prepared.value;
  const comparison = compareSubject(
    current,
    set.catalogs,
    {
      subject: subject.key,
      kind: subject.kind,
      ...(subject.region === undefined ? {} : { region: subject.region }),
      records,
      ...(disputed === undefined ? {} : { disputed }),
    },
    window.toMs,
  );
  return ok({
    subject,
    window,
    draftVersion: set.version.version,
    records,
    objections,
    comparison,
    catalogs: { before: current, after: set.catalogs },
  });
}

/** The window as text, for reports and messages. */
export function describeWindow(window: SimulationWindow): { readonly from: string | null; readonly to: string } {
  return { from: window.fromMs === undefined ? null : isoFromMs(window.fromMs), to: isoFromMs(window.toMs) };
}
