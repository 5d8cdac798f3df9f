/**
 * A naive reference scorer: the test model that derive.ts and standing.ts are checked against (STYLE.md). It is
 * written from the stated semantics alone, not from the real code, and it favours the obviously correct over the
 * fast: every question replays the whole history from scratch, every lookup is a linear scan, and nothing is
 * cached or indexed. It shares only the catalog and record types with the system under test.
 */
import type { CatalogVersion, Effect, ListDefinition, Rule } from '../../src/core/catalog.ts';
import type { SubjectKind } from '../../src/core/identifiers.ts';
import type { RecordFact } from '../../src/core/record.ts';

/** Restated rather than imported, so that a wrong constant in the core would show up as a disagreement. */
const dayMs = 86_400_000;

export interface ReferenceListing {
  readonly list: string;
  readonly recordId: number;
  readonly startMs: number;
  readonly endMs: number;
}

export interface ReferenceSchemeStanding {
  readonly scheme: string;
  readonly score?: number;
  readonly grade?: string;
  readonly listings: ReferenceListing[];
}

export interface ReferencePointEntry {
  readonly scheme: string;
  readonly code: string;
  readonly recordId: number;
  readonly points: number;
  readonly fromMs: number;
  untilMs: number;
}

export interface ReferenceGradeEntry {
  readonly scheme: string;
  readonly grade: string;
  readonly recordId: number;
  readonly fromMs: number;
  readonly untilMs: number;
}

export interface ReferenceListingState {
  readonly scheme: string;
  readonly list: string;
  readonly recordId: number;
  readonly caseRef: string | undefined;
  readonly startMs: number;
  endMs: number;
}

export interface ReferenceDerivation {
  readonly entries: ReferencePointEntry[];
  readonly grades: ReferenceGradeEntry[];
  readonly listings: ReferenceListingState[];
}

/** The scheme ids present in the versions, in a fixed order. */
function schemeIdsOf(versions: readonly CatalogVersion[]): string[] {
  const ids: string[] = [];
  for (const v of versions) if (!ids.includes(v.schemeId)) ids.push(v.schemeId);
  return ids.sort();
}

/** The version of a scheme in force at an instant: greatest effectiveFromMs <= atMs, ties to the higher version. */
export function referenceVersionAt(
  versions: readonly CatalogVersion[],
  schemeId: string,
  atMs: number,
): CatalogVersion | undefined {
  const candidates = versions.filter((v) => v.schemeId === schemeId && v.effectiveFromMs <= atMs);
  candidates.sort((a, b) => b.effectiveFromMs - a.effectiveFromMs || b.version - a.version);
  return candidates[0];
}

function listDefinition(version: CatalogVersion, listId: string): ListDefinition {
  const found = version.catalog.scheme.lists.find((l) => l.id === listId);
  if (found === undefined)
    throw new Error(`reference: list ${listId} is not defined in ${version.schemeId} v${version.version}`);
  return found;
}

function isActive(fromMs: number, untilMs: number, atMs: number): boolean {
  return fromMs <= atMs && atMs < untilMs;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** Score of a scheme at an instant, with the bounds of the given version. Undefined without a points scheme. */
function scoreWith(version: CatalogVersion, entries: readonly ReferencePointEntry[], atMs: number): number | undefined {
  const points = version.catalog.scheme.points;
  if (points === undefined) return undefined;
  let sum = points.base;
  for (const e of entries) {
    if (e.scheme === version.schemeId && isActive(e.fromMs, e.untilMs, atMs)) sum += e.points;
  }
  return clamp(sum, points.min, points.max);
}

type PointsEffect = Extract<Effect, { kind: 'points' | 'points_by_amount' }>;

/** The points a points effect gives before escalation: a fixed figure, or the first band the amount fits. */
/** The worst direct grade in force, else the first band whose minimum the score reaches. */
function gradeWith(
  version: CatalogVersion,
  grades: readonly ReferenceGradeEntry[],
  score: number,
  atMs: number,
): string | undefined {
  const points = version.catalog.scheme.points;
  if (points === undefined) return undefined;
  const order = points.grades.map((g) => g.grade);
  let grade: string | undefined;
  for (const d of grades) {
    if (d.scheme !== version.schemeId || !isActive(d.fromMs, d.untilMs, atMs)) continue;
    if (grade === undefined || order.indexOf(d.grade) > order.indexOf(grade)) grade = d.grade;
  }
  return grade ?? points.grades.find((g) => g.minPoints !== undefined && g.minPoints <= score)?.grade;
}

function rulePointsOf(effect: PointsEffect, record: RecordFact): number {
  if (effect.kind === 'points') return effect.points;
  const amount = record.amount;
  if (amount === undefined) throw new Error(`reference: record ${record.id} needs an amount`);
  for (const band of effect.bands) if (band.upTo === undefined || amount <= band.upTo) return band.points;
  throw new Error(`reference: no band for amount ${amount}`);
}

function caseMatches(listing: ReferenceListingState, record: RecordFact): boolean {
  return record.caseRef === undefined || listing.caseRef === record.caseRef;
}

/** The records that count, in the order they are applied: no retractions, nothing retracted, by instant. */
function effectiveRecords(records: readonly RecordFact[]): RecordFact[] {
  const retracted: number[] = [];
  for (const r of records) if (r.retracts !== undefined) retracted.push(r.retracts);
  const kept = records.filter((r) => r.retracts === undefined && !retracted.includes(r.id));
  // Same instant: by agency, then reference (what the record says), never by arrival.
  const byText = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return kept.sort(
    (a, b) =>
      a.effectiveAtMs - b.effectiveAtMs ||
      byText(a.agency, b.agency) ||
      byText(a.agencyRef, b.agencyRef) ||
      a.id - b.id,
  );
}

/** Applies one record under one scheme's version: its effects in order, then the version's thresholds. */
function applyRecord(state: ReferenceDerivation, version: CatalogVersion, rule: Rule, record: RecordFact): void {
  const scheme = version.schemeId;
  const t = record.effectiveAtMs;
  const validUntil = t + rule.validityDays * dayMs;

  for (const effect of rule.effects) {
    switch (effect.kind) {
      case 'points':
      case 'points_by_amount': {
        const rulePoints = rulePointsOf(effect, record);
        const sameCode = state.entries.filter((e) => e.scheme === scheme && e.code === record.code);
        let points = rulePoints;
        if (rule.repeat !== undefined) {
          const k = sameCode.filter((e) => isActive(e.fromMs, e.untilMs, t)).length;
          const multiplier = Math.min(rule.repeat.multiplier ** k, rule.repeat.multiplierMax);
          points = rulePoints * multiplier;
        }
        if (rule.cap !== undefined) {
          const windowStart = t - rule.cap.windowDays * dayMs;
          let used = 0;
          for (const e of sameCode) if (e.fromMs > windowStart) used += Math.abs(e.points);
          const remaining = Math.max(0, rule.cap.points - used);
          if (Math.abs(points) > remaining) points = points < 0 ? 0 - remaining : remaining;
        }
        state.entries.push({ scheme, code: record.code, recordId: record.id, points, fromMs: t, untilMs: validUntil });
        break;
      }
      case 'grade':
        state.grades.push({ scheme, grade: effect.grade, recordId: record.id, fromMs: t, untilMs: validUntil });
        break;
      case 'reset':
        for (const e of state.entries) {
          if (e.scheme === scheme && isActive(e.fromMs, e.untilMs, t)) e.untilMs = t;
        }
        break;
      case 'listing': {
        const definition = listDefinition(version, effect.list);
        const termDays = effect.untilDelisted ? definition.maxTermDays : effect.termDays;
        if (termDays === undefined) throw new Error(`reference: listing without a term in rule ${rule.code}`);
        state.listings.push({
          scheme,
          list: effect.list,
          recordId: record.id,
          caseRef: record.caseRef,
          startMs: t,
          endMs: t + termDays * dayMs,
        });
        break;
      }
      case 'extension': {
        const definition = listDefinition(version, effect.list);
        for (const l of state.listings) {
          if (l.list === effect.list && isActive(l.startMs, l.endMs, t) && caseMatches(l, record)) {
            l.endMs = Math.min(l.endMs + effect.days * dayMs, l.startMs + definition.maxTermDays * dayMs);
          }
        }
        break;
      }
      case 'delisting':
        for (const l of state.listings) {
          if (l.list === effect.list && isActive(l.startMs, l.endMs, t) && caseMatches(l, record)) l.endMs = t;
        }
        break;
    }
  }

  for (const threshold of version.catalog.scheme.thresholds) {
    const score = scoreWith(version, state.entries, t);
    if (score === undefined) continue;
    if (
      'atOrBelow' in threshold
        ? score > threshold.atOrBelow
        : !threshold.grades.includes(gradeWith(version, state.grades, score, t) ?? '')
    )
      continue;
    const alreadyListed = state.listings.some((l) => l.list === threshold.list && isActive(l.startMs, l.endMs, t));
    if (alreadyListed) continue;
    const definition = listDefinition(version, threshold.list);
    state.listings.push({
      scheme,
      list: threshold.list,
      recordId: record.id,
      caseRef: undefined,
      startMs: t,
      endMs: t + definition.maxTermDays * dayMs,
    });
  }
}

/** Everything the records mean, replayed from scratch: point entries, direct grades and listings, all schemes. */
export function referenceDerivation(
  versions: readonly CatalogVersion[],
  records: readonly RecordFact[],
  kind: SubjectKind,
): ReferenceDerivation {
  const state: ReferenceDerivation = { entries: [], grades: [], listings: [] };
  for (const record of effectiveRecords(records)) {
    for (const schemeId of schemeIdsOf(versions)) {
      const version = referenceVersionAt(versions, schemeId, record.effectiveAtMs);
      if (version === undefined || !version.catalog.scheme.subjectKinds.includes(kind)) continue;
      const rule = version.catalog.rules.find((r) => r.code === record.code);
      if (rule === undefined) continue;
      applyRecord(state, version, rule, record);
    }
  }
  return state;
}

function compareListings(a: ReferenceListing, b: ReferenceListing): number {
  return (
    a.startMs - b.startMs ||
    a.recordId - b.recordId ||
    (a.list < b.list ? -1 : a.list > b.list ? 1 : 0) ||
    a.endMs - b.endMs
  );
}

/** Sorts listings into the one order both the reference and the real answers are compared in. */
export function sortListings(listings: readonly ReferenceListing[]): ReferenceListing[] {
  return [...listings].sort(compareListings);
}

/**
 * A subject's standing at `atMs`: for every scheme in force then that applies to the kind (by scheme id), its score
 * and grade (when the version in force has a points scheme) and its active listings, sorted.
 */
export function referenceStanding(
  versions: readonly CatalogVersion[],
  records: readonly RecordFact[],
  kind: SubjectKind,
  atMs: number,
): ReferenceSchemeStanding[] {
  const derivation = referenceDerivation(versions, records, kind);
  const result: ReferenceSchemeStanding[] = [];
  for (const schemeId of schemeIdsOf(versions)) {
    const version = referenceVersionAt(versions, schemeId, atMs);
    if (version === undefined || !version.catalog.scheme.subjectKinds.includes(kind)) continue;
    const listings = sortListings(
      derivation.listings
        .filter((l) => l.scheme === schemeId && isActive(l.startMs, l.endMs, atMs))
        .map((l) => ({ list: l.list, recordId: l.recordId, startMs: l.startMs, endMs: l.endMs })),
    );
    const points = version.catalog.scheme.points;
    const score = scoreWith(version, derivation.entries, atMs);
    if (points === undefined || score === undefined) {
      result.push({ scheme: schemeId, listings });
      continue;
    }
    const grade = gradeWith(version, derivation.grades, score, atMs);
    result.push({ scheme: schemeId, score, ...(grade === undefined ? {} : { grade }), listings });
  }
  return result;
}
