/**
 * Measure windows: every measure a subject will be under from an instant on, each with the window [fromMs, toMs)
 * in which it applies, computed once from the derivation so that a decision is a scan of a few windows, with no
 * store read and no background job: a window whose end has passed simply stops matching.
 *
 * `decideFromWindows` must give exactly what `decide(standingAt(...))` gives for any instant at or after the
 * windows' start; the decision index relies on it and a test checks it on the whole demo city.
 */
import type { CatalogSet } from './catalog-set.ts';
import { findAction } from './actions.ts';
import { decisionOf, ruleOn, type Decision, type Ruling } from './decide.ts';
import { gradeAt, type Derivation } from './derive.ts';
import type { SubjectKind } from './identifiers.ts';
import { fail, ok, type Result } from './result.ts';
import { applied, gradeLeavesAt, listingMeasures, type AppliedMeasure, type Relation } from './standing.ts';

export interface MeasureWindow {
  readonly measure: AppliedMeasure;
  readonly fromMs: number;
  /** Exclusive; Infinity for a measure on a grade that nothing recorded will change. */
  readonly toMs: number;
}

const isActive = (fromMs: number, toMs: number, atMs: number) => fromMs <= atMs && atMs < toMs;

/**
 * Every window of every measure from `fromMs` on, in the order standingAt lists measures: by scheme, grade
 * measures before listing measures, then measures extended from organisations.
 */
export function measureWindows(
  catalogs: CatalogSet,
  subject: string,
  kind: SubjectKind,
  derivation: Derivation | undefined,
  fromMs: number,
  related: readonly { readonly relation: Relation; readonly derivation: Derivation }[] = [],
): MeasureWindow[] {
  const windows: MeasureWindow[] = [];
  const entries = derivation?.entries ?? [];
  const grades = derivation?.grades ?? [];
  for (const schemeId of catalogs.schemeIds) {
    // The grade can change only where an entry or a direct grade starts or ends, or a version takes effect.
    const breakpoints = new Set<number>([fromMs]);
    for (const w of [...entries, ...grades]) {
      if (w.scheme !== schemeId) continue;
      if (w.fromMs > fromMs) breakpoints.add(w.fromMs);
      if (w.untilMs > fromMs) breakpoints.add(w.untilMs);
    }
    for (const v of catalogs.versionsOf(schemeId)) if (v.effectiveFromMs > fromMs) breakpoints.add(v.effectiveFromMs);
    const sorted = [...breakpoints].sort((a, b) => a - b);
    // Adjacent intervals with the same measure, version, grade and end merge into one window.
    const open = new Map<string, number>();
    for (const [i, start] of sorted.entries()) {
      const end = sorted[i + 1] ?? Infinity;
      const version = catalogs.inForce(schemeId, start);
      if (version?.catalog.scheme.points === undefined || !version.catalog.scheme.subjectKinds.includes(kind)) continue;
      const { grade } = gradeAt(version, entries, grades, start);
      for (const measure of version.catalog.measures) {
        if (!('grades' in measure.on) || !measure.on.grades.includes(grade)) continue;
        const untilMs = gradeLeavesAt(catalogs, schemeId, derivation, measure.on.grades, start);
        const key = `${measure.id}\u0000${version.version}\u0000${grade}\u0000${untilMs ?? ''}`;
        const previous = open.get(key);
        const last = previous === undefined ? undefined : windows[previous];
        if (previous !== undefined && last !== undefined && last.toMs === start) {
          windows[previous] = { ...last, toMs: end };
          continue;
        }
        open.set(key, windows.length);
        windows.push({ measure: applied(measure, version, { grade }, untilMs), fromMs: start, toMs: end });
      }
    }
    for (const listing of derivation?.listings ?? []) {
      if (listing.scheme !== schemeId || listing.endMs <= fromMs) continue;
      const found = listingMeasures(catalogs, listing);
      for (const measure of found?.measures ?? []) {
        if (found)
          windows.push({
            measure: applied(measure, found.version, { listing }, listing.endMs),
            fromMs: listing.startMs,
            toMs: listing.endMs,
          });
      }
    }
  }
  for (const { relation, derivation: organisation } of related) {
    if (relation.person !== subject) continue;
    for (const listing of organisation.listings) {
      const fromInstant = Math.max(listing.startMs, relation.fromMs);
      const until = relation.untilMs === undefined ? listing.endMs : Math.min(listing.endMs, relation.untilMs);
      if (until <= fromMs || until <= fromInstant) continue;
      const found = listingMeasures(catalogs, listing);
      for (const measure of found?.measures ?? []) {
        if (!found || !measure.extendsTo.includes(relation.role)) continue;
        windows.push({
          measure: {
            ...applied(measure, found.version, { listing }, until),
            via: { organisation: relation.organisation, role: relation.role },
          },
          fromMs: fromInstant,
          toMs: until,
        });
      }
    }
  }
  return windows;
}

/** The schemes in force for a kind of subject over [fromMs, toMs), where no version takes effect. */
interface SchemesInForce {
  readonly fromMs: number;
  readonly toMs: number;
  /** Frozen: decisions share it as their catalogVersions. */
  readonly schemes: readonly { readonly scheme: string; readonly version: number }[];
}
const schemesCaches = new WeakMap<CatalogSet, Map<SubjectKind, SchemesInForce>>();

/**
 * The schemes (and versions) that apply to a kind of subject at an instant, in scheme order, and the stretch of
 * time they apply for. Asked on every decision, so the answer is kept per catalog set and kind for that stretch
 * (until the next version takes effect, since the last one did).
 */
function schemesStretch(catalogs: CatalogSet, kind: SubjectKind, atMs: number): SchemesInForce {
  let byKind = schemesCaches.get(catalogs);
  if (byKind === undefined) {
    byKind = new Map();
    schemesCaches.set(catalogs, byKind);
  }
  const cached = byKind.get(kind);
  if (cached !== undefined && cached.fromMs <= atMs && atMs < cached.toMs) return cached;
  const schemes: { scheme: string; version: number }[] = [];
  let fromMs = -Infinity;
  let toMs = Infinity;
  for (const schemeId of catalogs.schemeIds) {
    for (const v of catalogs.versionsOf(schemeId)) {
      if (v.effectiveFromMs <= atMs) fromMs = Math.max(fromMs, v.effectiveFromMs);
      else toMs = Math.min(toMs, v.effectiveFromMs);
    }
    const version = catalogs.inForce(schemeId, atMs);
    if (version !== undefined && version.catalog.scheme.subjectKinds.includes(kind)) {
      schemes.push(Object.freeze({ scheme: schemeId, version: version.version }));
    }
  }
  const stretch = { fromMs, toMs, schemes: Object.freeze(schemes) };
  byKind.set(kind, stretch);
  return stretch;
}

/** A ruling from windows, with the stretch of time [fromMs, toMs) around its instant over which it holds. */
export interface RulingStretch extends Ruling {
  readonly fromMs: number;
  readonly toMs: number;
}

/**
 * The ruling on an action for a subject of this kind under these windows at an instant, and how long it holds: it
 * can change only where a window opens or closes or a catalog version takes effect. A caller deciding for many
 * subjects under the same windows (the index's defaults) keeps it for that stretch and shares it.
 */
export function ruleFromWindows(
  catalogs: CatalogSet,
  kind: SubjectKind,
  windows: readonly MeasureWindow[],
  action: string,
  atMs: number,
): Result<RulingStretch> {
  const definition = findAction(action);
  if (definition === undefined) return fail('unknown_action', `unknown action ${action}`, 'action');
  const inForce = schemesStretch(catalogs, kind, atMs);
  let fromMs = inForce.fromMs;
  let toMs = inForce.toMs;
  let measures: AppliedMeasure[] | undefined;
  for (const w of windows) {
    // Each window's ends bound the stretch: before and after them, it is active or not throughout.
    if (w.fromMs <= atMs) fromMs = Math.max(fromMs, w.fromMs);
    else toMs = Math.min(toMs, w.fromMs);
    if (w.toMs <= atMs) fromMs = Math.max(fromMs, w.toMs);
    else toMs = Math.min(toMs, w.toMs);
    if (!isActive(w.fromMs, w.toMs, atMs)) continue;
    // A subject's own listing counts only while its scheme applies to the subject's kind (as in standingAt).
    if (w.measure.via === undefined && !inForce.schemes.some((s) => s.scheme === w.measure.scheme)) continue;
    (measures ??= []).push(w.measure);
  }
  const { outcome, reasons, catalogVersions } = ruleOn(definition, measures ?? [], inForce.schemes);
  return ok({ outcome, reasons, catalogVersions, fromMs, toMs });
}

export function decideFromWindows(
  catalogs: CatalogSet,
  subject: string,
  kind: SubjectKind,
  windows: readonly MeasureWindow[],
  action: string,
  atMs: number,
): Result<Decision> {
  const ruling = ruleFromWindows(catalogs, kind, windows, action, atMs);
  return ruling.ok ? ok(decisionOf(subject, action, atMs, ruling.value)) : ruling;
}
