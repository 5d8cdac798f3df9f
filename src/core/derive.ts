/**
 * Derivation: everything a subject's records mean under the published catalogs, as time-windowed facts:
 * point entries, direct grades and listings, each with the record and rule version behind it and the window in
 * which it counts. It is a pure fold over one subject's records in (effectiveAt, id) order and does not depend on
 * the instant it is asked at; `standingAt` (standing.ts) reads it at an instant.
 *
 * Because a version in force at an instant never changes once records exist for that instant (versions take
 * effect only after publication and records never come from the future), a derivation is stable: replaying the
 * same records gives the same bytes, which `rebuild --verify` checks.
 */
import type { CatalogSet, RuleApplication } from './catalog-set.ts';
import type { CatalogVersion, Effect } from './catalog.ts';
import { dayMs } from './constants.ts';
import type { SubjectKind } from './identifiers.ts';
import type { RecordFact } from './record.ts';
import { assert } from './result.ts';

export interface PointsEntry {
  readonly scheme: string;
  readonly version: number;
  readonly recordId: number;
  readonly code: string;
  /** Points as counted: the rule's points, times the repeat multiplier, limited by the rule's cap. */
  readonly points: number;
  readonly pointsRule: number;
  readonly multiplier: number;
  readonly capped: boolean;
  readonly fromMs: number;
  /** Exclusive: at this instant the entry no longer counts. */
  untilMs: number;
  /** The record whose reset effect ended this entry early, if any. */
  resetBy?: number;
}

export interface GradeEntry {
  readonly scheme: string;
  readonly version: number;
  readonly recordId: number;
  readonly code: string;
  readonly grade: string;
  readonly fromMs: number;
  untilMs: number;
  /** The repair record that ended this grade early, if any. */
  endedBy?: number;
}

export interface Listing {
  readonly list: string;
  readonly scheme: string;
  readonly version: number;
  /** The record that caused it: by its rule, or by taking the score to a threshold. */
  readonly recordId: number;
  readonly code: string;
  readonly trigger: 'rule' | 'threshold';
  readonly caseRef?: string;
  readonly startMs: number;
  /** Exclusive. Always finite: a fixed term, or the list's maximum term for listings until delisting. */
  endMs: number;
  readonly untilDelisted: boolean;
  endedBy?: number;
  extendedBy: number[];
}

export interface Derivation {
  readonly subject: string;
  readonly kind: SubjectKind;
  readonly entries: PointsEntry[];
  readonly grades: GradeEntry[];
  readonly listings: Listing[];
}

/**
 * The first instant after `afterMs` at which something in the derivation stops counting (a listing's end, an
 * entry's or a direct grade's until), or undefined when nothing ends after it: what time alone can change, and so
 * when the expiry run (app/expiries.ts) has something to tell.
 */
/**
 * The last instant at which something in the derivation stops counting, or undefined when nothing does: after it
 * the subject stands as one with no records (the decision index does not hold it).
 */
export function lastEndOf(derivation: Derivation): number | undefined {
  let last = -Infinity;
  for (const l of derivation.listings) last = Math.max(last, l.endMs);
  for (const e of derivation.entries) last = Math.max(last, e.untilMs);
  for (const g of derivation.grades) last = Math.max(last, g.untilMs);
  return Number.isFinite(last) ? last : undefined;
}

export function firstEndAfter(derivation: Derivation, afterMs: number): number | undefined {
  let first = Infinity;
  const consider = (ms: number) => {
    if (ms > afterMs && ms < first) first = ms;
  };
  for (const l of derivation.listings) consider(l.endMs);
  for (const e of derivation.entries) consider(e.untilMs);
  for (const g of derivation.grades) consider(g.untilMs);
  return Number.isFinite(first) ? first : undefined;
}

const isActive = (fromMs: number, untilMs: number, atMs: number) => fromMs <= atMs && atMs < untilMs;
const noRecords: ReadonlySet<number> = new Set();

export interface PointsStanding {
  readonly score: number;
  readonly base: number;
  readonly grade: string;
  readonly gradeSource: 'band' | 'direct';
  readonly directGrade?: GradeEntry;
}

/** Score and grade of a points scheme at an instant: the worst direct grade in force wins over the band. */
export function gradeAt(
  version: CatalogVersion,
  entries: readonly PointsEntry[],
  grades: readonly GradeEntry[],
  atMs: number,
): PointsStanding {
  const points = version.catalog.scheme.points;
  if (points === undefined) throw new Error(`scheme ${version.schemeId} has no points`);
  const score = scoreAt(version, entries, atMs);
  const order = points.grades.map((g) => g.grade);
  let direct: GradeEntry | undefined;
  for (const g of grades) {
    if (g.scheme !== version.schemeId || !isActive(g.fromMs, g.untilMs, atMs)) continue;
    if (direct === undefined || order.indexOf(g.grade) > order.indexOf(direct.grade)) direct = g;
  }
  if (direct !== undefined)
    return { score, base: points.base, grade: direct.grade, gradeSource: 'direct', directGrade: direct };
  const band = points.grades.find((g) => g.minPoints !== undefined && score >= g.minPoints);
  const grade = band?.grade ?? order.at(-1) ?? '';
  return { score, base: points.base, grade, gradeSource: 'band' };
}

/** Base points plus every entry in force at the instant, clamped to the scheme's bounds. */
export function scoreAt(version: CatalogVersion, entries: readonly PointsEntry[], atMs: number): number {
  const points = version.catalog.scheme.points;
  assert(points !== undefined, `scheme ${version.schemeId} has no points`);
  let sum = points.base;
  for (const e of entries) if (e.scheme === version.schemeId && isActive(e.fromMs, e.untilMs, atMs)) sum += e.points;
  return Math.min(points.max, Math.max(points.min, sum));
}

function pointsOf(effect: Effect, record: RecordFact): number {
  if (effect.kind === 'points') return effect.points;
  assert(effect.kind === 'points_by_amount', 'pointsOf takes a points effect');
  assert(record.amount !== undefined, `record ${record.id} has no amount for a points_by_amount rule`);
  const amount = record.amount;
  const band = effect.bands.find((b) => b.upTo === undefined || amount <= b.upTo);
  assert(band !== undefined, 'the last band has no upper limit');
  return band.points;
}

function matchesCase(listing: Listing, record: RecordFact): boolean {
  return record.caseRef === undefined || listing.caseRef === record.caseRef;
}

/** Orders records as the fold reads them: by effectiveAt, then by id (the order they were stored). */
export function compareRecords(a: RecordFact, b: RecordFact): number {
  // Records at the same instant are common (agencies often report dates only); they are ordered by what they say,
  // never by arrival, so the same history gives the same state whatever order it came in.
  return (
    a.effectiveAtMs - b.effectiveAtMs ||
    compareText(a.agency, b.agency) ||
    compareText(a.agencyRef, b.agencyRef) ||
    a.id - b.id
  );
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * `disputed` names the records under an open objection: in schemes that declare disputedStopsCounting they have
 * no effect until the objection is decided (open objections are an input of the fold, so rebuild reads them too).
 */
export function deriveSubject(
  catalogs: CatalogSet,
  subject: string,
  kind: SubjectKind,
  records: readonly RecordFact[],
  disputed: ReadonlySet<number> = noRecords,
): Derivation {
  const retracted = new Set<number>();
  for (const r of records) if (r.retracts !== undefined) retracted.add(r.retracts);
  const facts = records.filter((r) => r.retracts === undefined && !retracted.has(r.id)).sort(compareRecords);
  const derivation: Derivation = { subject, kind, entries: [], grades: [], listings: [] };

  for (const record of facts) {
    assert(record.subject === subject, `record ${record.id} is not about the subject being derived`);
    if (record.ends !== undefined) {
      endEarly(derivation, record);
      continue;
    }
    const judged = catalogs.judge(record.code, kind, record.effectiveAtMs);
    // A stored record was judged when it was submitted, and the versions in force at its instant cannot change.
    assert(
      judged.ok,
      `record ${record.id} (${record.code}) has no rule in force: ${judged.ok ? '' : judged.problem.message}`,
    );
    for (const application of judged.value) {
      if (disputed.has(record.id) && application.version.catalog.scheme.disputedStopsCounting) continue;
      applyRecord(derivation, application, record);
    }
  }
  return derivation;
}

/** A repair approved: the listings and direct grades the named record brought, still in force, end now. */
function endEarly(derivation: Derivation, repair: RecordFact) {
  const t = repair.effectiveAtMs;
  for (const listing of derivation.listings) {
    if (listing.recordId === repair.ends && isActive(listing.startMs, listing.endMs, t)) {
      listing.endMs = t;
      listing.endedBy = repair.id;
    }
  }
  for (const grade of derivation.grades) {
    if (grade.recordId === repair.ends && isActive(grade.fromMs, grade.untilMs, t)) {
      grade.untilMs = t;
      grade.endedBy = repair.id;
    }
  }
}

function applyRecord(derivation: Derivation, application: RuleApplication, record: RecordFact) {
  const { version, rule } = application;
  const scheme = version.schemeId;
  const t = record.effectiveAtMs;
  const untilMs = t + rule.validityDays * dayMs;
  const listDefinition = (listId: string) => {
    const found = version.catalog.scheme.lists.find((l) => l.id === listId);
    assert(found !== undefined, `list ${listId} is not in ${scheme} v${version.version}`);
    return found;
  };
  const activeListings = (listId: string) =>
    derivation.listings.filter((l) => l.list === listId && isActive(l.startMs, l.endMs, t) && matchesCase(l, record));

  for (const effect of rule.effects) {
    switch (effect.kind) {
      case 'points':
      case 'points_by_amount': {
        const pointsRule = pointsOf(effect, record);
        const sameRule = derivation.entries.filter((e) => e.scheme === scheme && e.code === rule.code);
        let multiplier = 1;
        if (rule.repeat) {
          const repeats = sameRule.filter((e) => isActive(e.fromMs, e.untilMs, t)).length;
          multiplier = Math.min(rule.repeat.multiplier ** repeats, rule.repeat.multiplierMax);
        }
        let points = pointsRule * multiplier;
        let capped = false;
        if (rule.cap) {
          const windowStartMs = t - rule.cap.windowDays * dayMs;
          const used = sameRule.filter((e) => e.fromMs > windowStartMs).reduce((sum, e) => sum + Math.abs(e.points), 0);
          const remaining = Math.max(0, rule.cap.points - used);
          if (Math.abs(points) > remaining) {
            points = Math.sign(points) * remaining;
            capped = true;
          }
        }
        derivation.entries.push({
          scheme,
          version: version.version,
          recordId: record.id,
          code: rule.code,
          points,
          pointsRule,
          multiplier,
          capped,
          fromMs: t,
          untilMs,
        });
        break;
      }
      case 'grade':
        derivation.grades.push({
          scheme,
          version: version.version,
          recordId: record.id,
          code: rule.code,
          grade: effect.grade,
          fromMs: t,
          untilMs,
        });
        break;
      case 'listing': {
        const list = listDefinition(effect.list);
        const termDays = effect.untilDelisted ? list.maxTermDays : (effect.termDays ?? list.maxTermDays);
        derivation.listings.push({
          list: list.id,
          scheme,
          version: version.version,
          recordId: record.id,
          code: rule.code,
          trigger: 'rule',
          ...(record.caseRef === undefined ? {} : { caseRef: record.caseRef }),
          startMs: t,
          endMs: t + termDays * dayMs,
          untilDelisted: effect.untilDelisted,
          extendedBy: [],
        });
        break;
      }
      case 'extension': {
        const list = listDefinition(effect.list);
        for (const listing of activeListings(effect.list)) {
          listing.endMs = Math.min(listing.endMs + effect.days * dayMs, listing.startMs + list.maxTermDays * dayMs);
          listing.extendedBy.push(record.id);
        }
        break;
      }
      case 'delisting':
        for (const listing of activeListings(effect.list)) {
          listing.endMs = t;
          listing.endedBy = record.id;
        }
        break;
      case 'reset':
        for (const entry of derivation.entries) {
          if (entry.scheme === scheme && isActive(entry.fromMs, entry.untilMs, t)) {
            entry.untilMs = t;
            entry.resetBy = record.id;
          }
        }
        break;
    }
  }

  // A threshold lists the subject when this record takes the score to or below a value, or the grade into one of
  // the named grades, and no such listing is active.
  const thresholds = version.catalog.scheme.thresholds;
  if (thresholds.length > 0) {
    const standing = gradeAt(version, derivation.entries, derivation.grades, t);
    for (const threshold of thresholds) {
      const crossed =
        'atOrBelow' in threshold ? standing.score <= threshold.atOrBelow : threshold.grades.includes(standing.grade);
      if (!crossed) continue;
      if (derivation.listings.some((l) => l.list === threshold.list && isActive(l.startMs, l.endMs, t))) continue;
      const list = listDefinition(threshold.list);
      derivation.listings.push({
        list: list.id,
        scheme,
        version: version.version,
        recordId: record.id,
        code: rule.code,
        trigger: 'threshold',
        startMs: t,
        endMs: t + list.maxTermDays * dayMs,
        untilDelisted: true,
        extendedBy: [],
      });
    }
  }
}
