/**
 * The policy simulator's core: what a catalog draft would change for one subject, and the fold of many subjects'
 * changes into a report. Pure: the caller streams the records in and says the instant.
 *
 * Semantics ("had this rule been in force"): the draft replaces every version of its scheme and is in force over
 * the whole replay window; every other scheme keeps its published versions. Each subject's records are derived
 * twice, under the published catalogs and under the draft set, and the two standings are compared at `atMs`:
 * the grade per points scheme, the lists the subject is on (and until when), the measures applied and the actions
 * they deny or grant. Records the draft no longer judges (a rule it removes) have no effect under the draft.
 * Measures an organisation's listing extends to its recorded persons are not compared (see docs/architecture.md).
 */
import { findAction } from './actions.ts';
import { buildCatalogSet, type CatalogSet } from './catalog-set.ts';
import type { CatalogDraft, CatalogVersion, Category } from './catalog.ts';
import { deriveSubject, type Derivation } from './derive.ts';
import type { SubjectKind } from './identifiers.ts';
import { unrelatedActions } from './proportionality.ts';
import type { RecordFact } from './record.ts';
import { fail, ok, type Result } from './result.ts';
import { standingAt, type AppliedMeasure, type Standing } from './standing.ts';

/** The earliest instant a Date holds: a draft simulated without a window start judges every record. */
export const simulationStartMs = -8.64e15;

export interface DraftCatalogs {
  /** The published versions, with the draft in place of its scheme's. */
  readonly catalogs: CatalogSet;
  /** The draft as the version it would be (the next number), in force from the window's start. */
  readonly version: CatalogVersion;
  /** The published versions of the scheme it replaces, by number (none for a new scheme). */
  readonly replaces: readonly number[];
}

/**
 * The catalog set "had this draft been in force since `fromMs`". The draft must be parsed and validated already
 * (parseCatalogDraft); its lists must not belong to another scheme, as publishing requires.
 */
export function draftCatalogSet(current: CatalogSet, draft: CatalogDraft, fromMs: number): Result<DraftCatalogs> {
  const schemeId = draft.scheme.id;
  for (const list of draft.scheme.lists) {
    const owner = current.list(list.id);
    if (owner && owner.schemeId !== schemeId)
      return fail('list_owned_elsewhere', `list ${list.id} belongs to scheme ${owner.schemeId}`, 'scheme.lists');
  }
  const replaced = current.versionsOf(schemeId);
  const version: CatalogVersion = {
    schemeId,
    version: Math.max(0, ...replaced.map((v) => v.version)) + 1,
    publishedAtMs: fromMs,
    effectiveFromMs: fromMs,
    catalog: draft,
  };
  const others = current.schemeIds.filter((id) => id !== schemeId).flatMap((id) => current.versionsOf(id));
  return ok({
    catalogs: buildCatalogSet([...others, version]),
    version,
    replaces: replaced.map((v) => v.version),
  });
}

/** One subject as the simulator reads it: its records in the replay window and those under open objection. */
export interface SimulatedSubject {
  readonly subject: string;
  readonly kind: SubjectKind;
  /** The district: the identifier's 6-digit region code; absent for passports. */
  readonly region?: string;
  readonly records: readonly RecordFact[];
  readonly disputed?: ReadonlySet<number>;
}

export type SubjectChange =
  | { readonly kind: 'grade'; readonly scheme: string; readonly from: string | null; readonly to: string | null }
  | { readonly kind: 'listing'; readonly list: string; readonly change: 'started' | 'ended' | 'extended' | 'shortened' }
  | {
      readonly kind: 'measure';
      readonly scheme: string;
      readonly measure: string;
      readonly change: 'gained' | 'lost';
    }
  | { readonly kind: 'action'; readonly action: string; readonly change: 'denied' | 'allowed' };

export type Direction = 'none' | 'adverse' | 'favourable' | 'mixed';

/** A sanction the draft newly applies whose denied actions lie outside every context its records came from. */
export interface UnrelatedApplication {
  readonly scheme: string;
  readonly measure: string;
  readonly actions: readonly string[];
  readonly categories: readonly Category[];
}

export interface SubjectComparison {
  readonly subject: string;
  readonly kind: SubjectKind;
  readonly region?: string;
  /** Every points scheme that applies before or after: grade and score on each side (null: does not apply). */
  readonly grades: readonly {
    readonly scheme: string;
    readonly before: { readonly grade: string; readonly score: number } | null;
    readonly after: { readonly grade: string; readonly score: number } | null;
  }[];
  readonly changes: readonly SubjectChange[];
  readonly direction: Direction;
  readonly unrelated: readonly UnrelatedApplication[];
  /** Both derivations and standings, for the side-by-side explanation of one subject. */
  readonly before: { readonly derivation: Derivation; readonly standing: Standing };
  readonly after: { readonly derivation: Derivation; readonly standing: Standing };
}

/** The text a change is counted under: `rongcheng-residents A -> B`, `listing started on court-defaulters`. */
export function changeLabel(c: SubjectChange): string {
  switch (c.kind) {
    case 'grade':
      return `${c.scheme} ${c.from ?? '(none)'} -> ${c.to ?? '(none)'}`;
    case 'listing':
      return `listing ${c.change} on ${c.list}`;
    case 'measure':
      return `measure ${c.change}: ${c.scheme}/${c.measure}`;
    case 'action':
      return `action ${c.change}: ${c.action}`;
  }
}

/** The instant each list's active listing ends (the latest, if several), at `atMs`. */
function listingEnds(standing: Standing): Map<string, number> {
  const ends = new Map<string, number>();
  for (const scheme of standing.schemes)
    for (const l of scheme.listings) ends.set(l.list, Math.max(ends.get(l.list) ?? l.endMs, l.endMs));
  return ends;
}

const measureKey = (m: AppliedMeasure) => `${m.scheme}/${m.measure}`;

/** Allow or deny for each action a measure names: a sanction denies, else an incentive grants, else the default. */
function outcomes(standing: Standing): Map<string, 'allow' | 'deny'> {
  const out = new Map<string, 'allow' | 'deny'>();
  for (const m of standing.measures) {
    for (const action of m.actions) {
      if (m.kind === 'sanction') out.set(action, 'deny');
      else if (out.get(action) !== 'deny') out.set(action, 'allow');
    }
  }
  return out;
}

const outcomeOf = (table: Map<string, 'allow' | 'deny'>, action: string) =>
  table.get(action) ?? findAction(action)?.outcomeDefault ?? 'allow';

function gradeRanks(catalogs: CatalogSet, scheme: string, atMs: number): Map<string, number> {
  const grades = catalogs.inForce(scheme, atMs)?.catalog.scheme.points?.grades ?? [];
  return new Map(grades.map((g, i) => [g.grade, i]));
}

/**
 * The categories behind a measure in a standing: the listing's rule, or, for a grade measure, the rules of the
 * deductions and direct grades in force in that scheme.
 */
function categoriesBehind(catalogs: CatalogSet, standing: Standing, measure: AppliedMeasure): Category[] {
  const version = catalogs.versionsOf(measure.scheme).find((v) => v.version === measure.version);
  const categoryOf = (code: string) => version?.catalog.rules.find((r) => r.code === code)?.category;
  const codes: string[] = [];
  if ('listing' in measure.basis) codes.push(measure.basis.listing.code);
  else {
    const scheme = standing.schemes.find((s) => s.scheme === measure.scheme);
    for (const e of scheme?.entries ?? []) if (e.points < 0) codes.push(e.code);
    const direct = scheme?.points?.directGrade;
    if (direct) codes.push(direct.code);
  }
  return [...new Set(codes.flatMap((c) => categoryOf(c) ?? []))].sort();
}

/** Compares one subject's standing at `atMs` under the published catalogs and under the draft set. */
export function compareSubject(
  current: CatalogSet,
  draft: CatalogSet,
  subject: SimulatedSubject,
  atMs: number,
): SubjectComparison {
  const judgedByDraft = subject.records.filter(
    (r) => r.retracts !== undefined || r.ends !== undefined || draft.judge(r.code, subject.kind, r.effectiveAtMs).ok,
  );
  const beforeDerivation = deriveSubject(current, subject.subject, subject.kind, subject.records, subject.disputed);
  const afterDerivation = deriveSubject(draft, subject.subject, subject.kind, judgedByDraft, subject.disputed);
  const before = standingAt(current, subject.subject, subject.kind, beforeDerivation, atMs);
  const after = standingAt(draft, subject.subject, subject.kind, afterDerivation, atMs);

  const changes: SubjectChange[] = [];
  let adverse = false;
  let favourable = false;
  const note = (change: SubjectChange, isAdverse: boolean) => {
    changes.push(change);
    if (isAdverse) adverse = true;
    else favourable = true;
  };

  // Grades are ordered best first; a scheme that newly scores the subject is adverse, one that stops, favourable.
  const isWorse = (scheme: string, from: string | undefined, to: string | undefined) => {
    if (to === undefined) return false;
    if (from === undefined) return true;
    const ranksAfter = gradeRanks(draft, scheme, atMs);
    const rankBefore = ranksAfter.get(from) ?? gradeRanks(current, scheme, atMs).get(from) ?? 0;
    return (ranksAfter.get(to) ?? 0) > rankBefore;
  };
  const grades: SubjectComparison['grades'][number][] = [];
  const pointsOf = (s: Standing, scheme: string) => s.schemes.find((x) => x.scheme === scheme)?.points;
  const schemes = [...new Set([...before.schemes, ...after.schemes].filter((s) => s.points).map((s) => s.scheme))];
  for (const scheme of schemes.sort()) {
    const b = pointsOf(before, scheme);
    const a = pointsOf(after, scheme);
    grades.push({
      scheme,
      before: b ? { grade: b.grade, score: b.score } : null,
      after: a ? { grade: a.grade, score: a.score } : null,
    });
    if (b?.grade === a?.grade) continue;
    note({ kind: 'grade', scheme, from: b?.grade ?? null, to: a?.grade ?? null }, isWorse(scheme, b?.grade, a?.grade));
  }

  const endsBefore = listingEnds(before);
  const endsAfter = listingEnds(after);
  const black = (list: string) => (draft.list(list) ?? current.list(list))?.list.color !== 'red';
  for (const list of [...new Set([...endsBefore.keys(), ...endsAfter.keys()])].sort()) {
    const b = endsBefore.get(list);
    const a = endsAfter.get(list);
    if (b === a) continue;
    const change = b === undefined ? 'started' : a === undefined ? 'ended' : a > b ? 'extended' : 'shortened';
    const longer = change === 'started' || change === 'extended';
    note({ kind: 'listing', list, change }, longer === black(list));
  }

  const measuresBefore = new Map(before.measures.map((m) => [measureKey(m), m]));
  const measuresAfter = new Map(after.measures.map((m) => [measureKey(m), m]));
  const unrelated: UnrelatedApplication[] = [];
  for (const [key, m] of [...measuresAfter].sort(([x], [y]) => (x < y ? -1 : 1))) {
    if (measuresBefore.has(key)) continue;
    note({ kind: 'measure', scheme: m.scheme, measure: m.measure, change: 'gained' }, m.kind === 'sanction');
    if (m.kind !== 'sanction') continue;
    const categories = categoriesBehind(draft, after, m);
    const actions = unrelatedActions(categories, m.actions);
    if (actions.length > 0) unrelated.push({ scheme: m.scheme, measure: m.measure, actions, categories });
  }
  for (const [key, m] of [...measuresBefore].sort(([x], [y]) => (x < y ? -1 : 1))) {
    if (!measuresAfter.has(key))
      note({ kind: 'measure', scheme: m.scheme, measure: m.measure, change: 'lost' }, m.kind === 'incentive');
  }

  const outcomesBefore = outcomes(before);
  const outcomesAfter = outcomes(after);
  for (const action of [...new Set([...outcomesBefore.keys(), ...outcomesAfter.keys()])].sort()) {
    const b = outcomeOf(outcomesBefore, action);
    const a = outcomeOf(outcomesAfter, action);
    if (b !== a) note({ kind: 'action', action, change: a === 'deny' ? 'denied' : 'allowed' }, a === 'deny');
  }

  const direction: Direction =
    adverse && favourable ? 'mixed' : adverse ? 'adverse' : favourable ? 'favourable' : 'none';
  return {
    subject: subject.subject,
    kind: subject.kind,
    ...(subject.region === undefined ? {} : { region: subject.region }),
    grades,
    changes,
    direction,
    unrelated,
    before: { derivation: beforeDerivation, standing: before },
    after: { derivation: afterDerivation, standing: after },
  };
}

// The accumulator.

interface Breakdown {
  subjects: number;
  changed: number;
  adverse: number;
  favourable: number;
  mixed: number;
}

export interface SimulationTally {
  readonly sampleMax: number;
  subjects: number;
  changed: number;
  readonly direction: Breakdown;
  readonly changes: Map<string, { change: SubjectChange; subjects: number }>;
  /** scheme -> grade -> counts. */
  readonly histograms: Map<string, Map<string, { before: number; after: number }>>;
  readonly byDistrict: Map<string, Breakdown>;
  readonly byKind: Map<string, Breakdown>;
  readonly unrelated: Map<string, UnrelatedApplication & { subjects: number }>;
  readonly sample: {
    readonly subject: string;
    readonly kind: SubjectKind;
    readonly district: string;
    readonly direction: Exclude<Direction, 'none'>;
    readonly changes: readonly string[];
  }[];
}

/** What a subject's district is called in the report: its region code, or `none` (a passport). */
export const districtOf = (region: string | undefined) => region ?? 'none';

export function newTally(sampleMax: number): SimulationTally {
  const breakdown = (): Breakdown => ({ subjects: 0, changed: 0, adverse: 0, favourable: 0, mixed: 0 });
  return {
    sampleMax,
    subjects: 0,
    changed: 0,
    direction: breakdown(),
    changes: new Map(),
    histograms: new Map(),
    byDistrict: new Map(),
    byKind: new Map(),
    unrelated: new Map(),
    sample: [],
  };
}

function count(into: Map<string, Breakdown>, key: string, c: SubjectComparison) {
  const row = into.get(key) ?? { subjects: 0, changed: 0, adverse: 0, favourable: 0, mixed: 0 };
  row.subjects += 1;
  if (c.direction !== 'none') {
    row.changed += 1;
    row[c.direction] += 1;
  }
  into.set(key, row);
}

/** Folds one subject's comparison in; the first `sampleMax` changed subjects are kept as the sample. */
export function addComparison(tally: SimulationTally, c: SubjectComparison): void {
  tally.subjects += 1;
  count(tally.byKind, c.kind, c);
  count(tally.byDistrict, districtOf(c.region), c);
  for (const g of c.grades) {
    const scheme = tally.histograms.get(g.scheme) ?? new Map<string, { before: number; after: number }>();
    tally.histograms.set(g.scheme, scheme);
    const bump = (grade: string, side: 'before' | 'after') => {
      const row = scheme.get(grade) ?? { before: 0, after: 0 };
      row[side] += 1;
      scheme.set(grade, row);
    };
    if (g.before) bump(g.before.grade, 'before');
    if (g.after) bump(g.after.grade, 'after');
  }
  if (c.direction === 'none') return;
  tally.changed += 1;
  tally.direction[c.direction] += 1;
  for (const change of c.changes) {
    const label = changeLabel(change);
    const row = tally.changes.get(label) ?? { change, subjects: 0 };
    row.subjects += 1;
    tally.changes.set(label, row);
  }
  for (const u of c.unrelated) {
    const key = `${u.scheme}/${u.measure}|${u.categories.join(',')}`;
    const row = tally.unrelated.get(key) ?? { ...u, subjects: 0 };
    row.subjects += 1;
    tally.unrelated.set(key, row);
  }
  if (tally.sample.length < tally.sampleMax) {
    tally.sample.push({
      subject: c.subject,
      kind: c.kind,
      district: districtOf(c.region),
      direction: c.direction,
      changes: c.changes.map(changeLabel),
    });
  }
}

export interface SimulationCounts {
  readonly subjects: number;
  readonly changed: number;
  readonly adverse: number;
  readonly favourable: number;
  readonly mixed: number;
  /** Most subjects first, then by label. */
  readonly changes: readonly (SubjectChange & { readonly label: string; readonly subjects: number })[];
  /** Per points scheme, every grade in the draft's order (best first), then any grade only the published one has. */
  readonly histograms: readonly {
    readonly scheme: string;
    readonly grades: readonly { readonly grade: string; readonly before: number; readonly after: number }[];
  }[];
  readonly byDistrict: readonly ({ readonly district: string } & Breakdown)[];
  readonly byKind: readonly ({ readonly kind: string } & Breakdown)[];
  /** Sanctions newly applied in contexts unrelated to the records behind them, with how many subjects. */
  readonly unrelatedApplied: readonly (UnrelatedApplication & { readonly subjects: number })[];
  readonly sample: SimulationTally['sample'];
  /** More subjects changed than the sample holds. */
  readonly sampleTruncated: boolean;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The tally as a report, every list in a stable order (the same input gives the same bytes). */
export function countsOf(
  tally: SimulationTally,
  current: CatalogSet,
  draft: CatalogSet,
  atMs: number,
): SimulationCounts {
  const gradeOrder = (scheme: string) => {
    const names = (set: CatalogSet) =>
      set.inForce(scheme, atMs)?.catalog.scheme.points?.grades.map((g) => g.grade) ?? [];
    return [...new Set([...names(draft), ...names(current)])];
  };
  const histograms = [...tally.histograms.keys()].sort(byText).map((scheme) => {
    const counts = tally.histograms.get(scheme) ?? new Map<string, { before: number; after: number }>();
    const order = [...new Set([...gradeOrder(scheme), ...[...counts.keys()].sort(byText)])];
    return {
      scheme,
      grades: order.map((grade) => ({
        grade,
        before: counts.get(grade)?.before ?? 0,
        after: counts.get(grade)?.after ?? 0,
      })),
    };
  });
  const rows = <K extends string>(map: Map<string, Breakdown>, key: K) =>
    [...map.keys()]
      .sort(byText)
      .map((k) => ({ [key]: k, ...(map.get(k) as Breakdown) }) as { [P in K]: string } & Breakdown);
  return {
    subjects: tally.subjects,
    changed: tally.changed,
    adverse: tally.direction.adverse,
    favourable: tally.direction.favourable,
    mixed: tally.direction.mixed,
    changes: [...tally.changes.entries()]
      .map(([label, { change, subjects }]) => ({ ...change, label, subjects }))
      .sort((a, b) => b.subjects - a.subjects || byText(a.label, b.label)),
    histograms,
    byDistrict: rows(tally.byDistrict, 'district'),
    byKind: rows(tally.byKind, 'kind'),
    unrelatedApplied: [...tally.unrelated.entries()].sort(([a], [b]) => byText(a, b)).map(([, row]) => ({ ...row })),
    sample: [...tally.sample],
    sampleTruncated: tally.changed > tally.sample.length,
  };
}
