/**
 * How a derivation is kept in the store: a JSON array of positional tuples rather than objects, since a city's
 * derivations repeat the same eleven key names in every points entry (a derivation is rewritten whenever its
 * subject changes, and at 100M records the key names alone would be tens of gigabytes). The layout is versioned by
 * its first element; bodies stored as objects before it are still read as they are.
 *
 *   [1, entries, grades, listings]
 *   entry:   [scheme, version, recordId, code, points, pointsRule, multiplier, capped (0/1), fromMs, untilMs, resetBy?]
 *   grade:   [scheme, version, recordId, code, grade, fromMs, untilMs, endedBy?]
 *   listing: [list, scheme, version, recordId, code, trigger, caseRef|null, startMs, endMs, untilDelisted (0/1),
 *             endedBy|null, extendedBy]
 *
 * The subject is not in the body (it is the row's protected subject column), nor the kind (its own column).
 */
import type { SubjectKind } from '../core/identifiers.ts';
import type { Derivation, GradeEntry, Listing, PointsEntry } from '../core/derive.ts';
import type { DerivationDifference } from './ports.ts';

const layout = 1;

type EntryTuple = [string, number, number, string, number, number, number, 0 | 1, number, number, number?];
type GradeTuple = [string, number, number, string, string, number, number, number?];
type ListingTuple = [
  string,
  string,
  number,
  number,
  string,
  Listing['trigger'],
  string | null,
  number,
  number,
  0 | 1,
  number | null,
  number[],
];
type Body = [typeof layout, EntryTuple[], GradeTuple[], ListingTuple[]];

function entryTuple(e: PointsEntry): EntryTuple {
  const t: EntryTuple = [
    e.scheme,
    e.version,
    e.recordId,
    e.code,
    e.points,
    e.pointsRule,
    e.multiplier,
    e.capped ? 1 : 0,
    e.fromMs,
    e.untilMs,
  ];
  if (e.resetBy !== undefined) t.push(e.resetBy);
  return t;
}

function gradeTuple(g: GradeEntry): GradeTuple {
  const t: GradeTuple = [g.scheme, g.version, g.recordId, g.code, g.grade, g.fromMs, g.untilMs];
  if (g.endedBy !== undefined) t.push(g.endedBy);
  return t;
}

function listingTuple(l: Listing): ListingTuple {
  return [
    l.list,
    l.scheme,
    l.version,
    l.recordId,
    l.code,
    l.trigger,
    l.caseRef ?? null,
    l.startMs,
    l.endMs,
    l.untilDelisted ? 1 : 0,
    l.endedBy ?? null,
    l.extendedBy,
  ];
}

/** The stored body of a derivation. */
export function derivationBody(d: Derivation): string {
  const body: Body = [layout, d.entries.map(entryTuple), d.grades.map(gradeTuple), d.listings.map(listingTuple)];
  return JSON.stringify(body);
}

function entryOf(t: EntryTuple): PointsEntry {
  const [scheme, version, recordId, code, points, pointsRule, multiplier, capped, fromMs, untilMs, resetBy] = t;
  const entry: PointsEntry = {
    scheme,
    version,
    recordId,
    code,
    points,
    pointsRule,
    multiplier,
    capped: capped === 1,
    fromMs,
    untilMs,
  };
  if (resetBy !== undefined) entry.resetBy = resetBy;
  return entry;
}

function gradeOf(t: GradeTuple): GradeEntry {
  const [scheme, version, recordId, code, grade, fromMs, untilMs, endedBy] = t;
  const entry: GradeEntry = { scheme, version, recordId, code, grade, fromMs, untilMs };
  if (endedBy !== undefined) entry.endedBy = endedBy;
  return entry;
}

function listingOf(t: ListingTuple): Listing {
  const [list, scheme, version, recordId, code, trigger, caseRef, startMs, endMs, untilDelisted, endedBy, extendedBy] =
    t;
  const listing: Listing = {
    list,
    scheme,
    version,
    recordId,
    code,
    trigger,
    ...(caseRef === null ? {} : { caseRef }),
    startMs,
    endMs,
    untilDelisted: untilDelisted === 1,
    extendedBy,
  };
  if (endedBy !== null) listing.endedBy = endedBy;
  return listing;
}

/** A derivation from its stored body (either layout), its subject and its kind. */
export function derivationOfBody(body: string, subject: string, kind: SubjectKind): Derivation {
  const parsed = JSON.parse(body) as Body | Derivation;
  if (!Array.isArray(parsed)) return { ...parsed, subject };
  if (parsed[0] !== layout) throw new Error(`derivation body of layout ${String(parsed[0])} is not known here`);
  return {
    subject,
    kind,
    entries: parsed[1].map(entryOf),
    grades: parsed[2].map(gradeOf),
    listings: parsed[3].map(listingOf),
  };
}

/**
 * Whether a stored kind and body hold this derivation: the body is the text it would be stored as or, for a body
 * of an older layout, parses to the same derivation.
 */
export function storedBodyHolds(d: Derivation, kind: string, body: string): boolean {
  if (kind !== d.kind) return false;
  if (body === derivationBody(d)) return true;
  return JSON.stringify(derivationOfBody(body, d.subject, d.kind)) === JSON.stringify(d);
}

/** Store.derivationsDiffering over what an adapter read: each subject's stored kind and body, if any. */
export function derivationDifferences(
  derivations: readonly Derivation[],
  storedOf: (d: Derivation, i: number) => { readonly kind: string; readonly body: string } | undefined,
): Map<string, DerivationDifference> {
  const differing = new Map<string, DerivationDifference>();
  derivations.forEach((d, i) => {
    const stored = storedOf(d, i);
    if (stored === undefined) differing.set(d.subject, 'missing');
    else if (!storedBodyHolds(d, stored.kind, stored.body)) differing.set(d.subject, 'different');
  });
  return differing;
}
