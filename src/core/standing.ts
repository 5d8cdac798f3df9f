/**
 * Standing: a subject's position at an instant, read from its derivation. For each scheme that applies to the
 * subject's kind: score, grade (a direct grade in force wins over the band, the worst one if several), the
 * entries and listings in force; and every measure that follows, with its legal basis and until when it applies.
 * An organisation's listing extends to the persons recorded as its legal representative or responsible manager,
 * and only to them, when the measure says so.
 */
import type { CatalogSet } from './catalog-set.ts';
import type { CatalogVersion, Measure } from './catalog.ts';
import { gradeAt, type Derivation, type Listing, type PointsEntry } from './derive.ts';
import type { SubjectKind } from './identifiers.ts';

import type { PointsStanding } from './derive.ts';
export type { PointsStanding };

export interface SchemeStanding {
  readonly scheme: string;
  readonly version: number;
  readonly points?: PointsStanding;
  readonly entries: readonly PointsEntry[];
  readonly listings: readonly Listing[];
}

export type Role = 'legal_representative' | 'responsible_manager';

export interface AppliedMeasure {
  readonly measure: string;
  readonly scheme: string;
  readonly version: number;
  readonly kind: 'sanction' | 'incentive';
  readonly title: Measure['title'];
  readonly actions: readonly string[];
  readonly legalBasis: string;
  readonly basis: { readonly listing: Listing } | { readonly grade: string };
  /** When it stops applying if nothing new is recorded; absent for an incentive on the default grade. */
  readonly untilMs?: number;
  /** For a measure extended from an organisation's listing: whose listing and in which role. */
  readonly via?: { readonly organisation: string; readonly role: Role };
}

export interface Standing {
  readonly subject: string;
  readonly kind: SubjectKind;
  readonly atMs: number;
  readonly schemes: readonly SchemeStanding[];
  readonly measures: readonly AppliedMeasure[];
}

/** A recorded relation between an organisation and a person the law may bind with its listing. */
export interface Relation {
  readonly organisation: string;
  readonly person: string;
  readonly role: Role;
  readonly fromMs: number;
  readonly untilMs?: number;
}

const isActive = (fromMs: number, untilMs: number, atMs: number) => fromMs <= atMs && atMs < untilMs;

/** Whether a recorded relation (legal representative, responsible manager) is in force at an instant. */
export function relationInForce(relation: Pick<Relation, 'fromMs' | 'untilMs'>, atMs: number): boolean {
  return relation.fromMs <= atMs && (relation.untilMs === undefined || atMs < relation.untilMs);
}

/** The first instant after `atMs` at which the grade leaves `grades`, if nothing new is recorded. */
export function gradeLeavesAt(
  catalogs: CatalogSet,
  scheme: string,
  derivation: Derivation | undefined,
  grades: readonly string[],
  atMs: number,
): number | undefined {
  if (derivation === undefined) return undefined;
  const breakpoints = new Set<number>();
  // The grade can change where an entry or a direct grade starts or ends (records later than atMs count too, as
  // they do for a listing's end) and where a new catalog version takes effect.
  for (const w of [...derivation.entries, ...derivation.grades]) {
    if (w.scheme !== scheme) continue;
    if (w.fromMs > atMs) breakpoints.add(w.fromMs);
    if (w.untilMs > atMs) breakpoints.add(w.untilMs);
  }
  for (const v of catalogs.versionsOf(scheme)) if (v.effectiveFromMs > atMs) breakpoints.add(v.effectiveFromMs);
  for (const b of [...breakpoints].sort((x, y) => x - y)) {
    const version = catalogs.inForce(scheme, b);
    if (version?.catalog.scheme.points === undefined) return b;
    if (!grades.includes(gradeAt(version, derivation.entries, derivation.grades, b).grade)) return b;
  }
  return undefined;
}

/** The measures a listing carries: those of the version it was made under (no retroactive sanctions). */
export function listingMeasures(
  catalogs: CatalogSet,
  listing: Listing,
): { version: CatalogVersion; measures: Measure[] } | undefined {
  const version = catalogs.versionsOf(listing.scheme).find((v) => v.version === listing.version);
  if (version === undefined) return undefined;
  return { version, measures: version.catalog.measures.filter((m) => 'list' in m.on && m.on.list === listing.list) };
}

export function applied(
  measure: Measure,
  version: CatalogVersion,
  basis: AppliedMeasure['basis'],
  untilMs: number | undefined,
): AppliedMeasure {
  return {
    measure: measure.id,
    scheme: version.schemeId,
    version: version.version,
    kind: measure.kind,
    title: measure.title,
    actions: measure.actions,
    legalBasis: measure.legalBasis,
    basis,
    ...(untilMs === undefined ? {} : { untilMs }),
  };
}

/**
 * A subject's standing at `atMs`. `derivation` is undefined for a subject with no records (base score, default
 * grade). `organisations` are the derivations of organisations the subject is related to by `relations`.
 */
export function standingAt(
  catalogs: CatalogSet,
  subject: string,
  kind: SubjectKind,
  derivation: Derivation | undefined,
  atMs: number,
  related: readonly { readonly relation: Relation; readonly derivation: Derivation }[] = [],
): Standing {
  const schemes: SchemeStanding[] = [];
  const measures: AppliedMeasure[] = [];
  const entries = derivation?.entries ?? [];
  const grades = derivation?.grades ?? [];
  const listings = derivation?.listings ?? [];

  for (const schemeId of catalogs.schemeIds) {
    const version = catalogs.inForce(schemeId, atMs);
    if (version === undefined || !version.catalog.scheme.subjectKinds.includes(kind)) continue;
    const activeEntries = entries.filter((e) => e.scheme === schemeId && isActive(e.fromMs, e.untilMs, atMs));
    const activeListings = listings.filter((l) => l.scheme === schemeId && isActive(l.startMs, l.endMs, atMs));
    const points = version.catalog.scheme.points ? gradeAt(version, entries, grades, atMs) : undefined;
    schemes.push({
      scheme: schemeId,
      version: version.version,
      ...(points ? { points } : {}),
      entries: activeEntries,
      listings: activeListings,
    });

    if (points) {
      for (const measure of version.catalog.measures) {
        if (!('grades' in measure.on) || !measure.on.grades.includes(points.grade)) continue;
        const untilMs = gradeLeavesAt(catalogs, schemeId, derivation, measure.on.grades, atMs);
        measures.push(applied(measure, version, { grade: points.grade }, untilMs));
      }
    }
    for (const listing of activeListings) {
      const found = listingMeasures(catalogs, listing);
      for (const measure of found?.measures ?? []) {
        if (found) measures.push(applied(measure, found.version, { listing }, listing.endMs));
      }
    }
  }

  for (const { relation, derivation: organisation } of related) {
    if (relation.person !== subject || !relationInForce(relation, atMs)) continue;
    for (const listing of organisation.listings) {
      if (!isActive(listing.startMs, listing.endMs, atMs)) continue;
      const found = listingMeasures(catalogs, listing);
      for (const measure of found?.measures ?? []) {
        if (!found || !measure.extendsTo.includes(relation.role)) continue;
        const until = relation.untilMs === undefined ? listing.endMs : Math.min(listing.endMs, relation.untilMs);
        measures.push({
          ...applied(measure, found.version, { listing }, until),
          via: { organisation: relation.organisation, role: relation.role },
        });
      }
    }
  }
  return { subject, kind, atMs, schemes, measures };
}
