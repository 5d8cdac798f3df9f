/**
 * Decisions: may this subject do this action now? The answer follows from the standing alone: a sanction that
 * names the action denies it; otherwise an incentive that names it allows it; otherwise the action's default.
 * Every measure that names the action is a reason, with its legal basis and until when it applies. Same input,
 * same output: the decision id and the log entry are added by the caller.
 */
import { findAction, type ActionDefinition, type Outcome } from './actions.ts';
import { fail, ok, type Result } from './result.ts';
import type { AppliedMeasure, Standing } from './standing.ts';

/** What a decision reads from a standing: its measures and the scheme versions it was read under. */
export type DecisionInput = Pick<Standing, 'subject' | 'atMs' | 'measures'> & {
  readonly schemes: readonly { readonly scheme: string; readonly version: number }[];
};

export interface DecisionReason {
  readonly measure: string;
  readonly kind: 'sanction' | 'incentive';
  readonly title: AppliedMeasure['title'];
  readonly scheme: string;
  readonly version: number;
  readonly legalBasis: string;
  /** The listing (list id, the record behind it, its rule) or the grade that brings the measure. */
  readonly because:
    | {
        readonly list: string;
        readonly recordId: number;
        readonly code: string;
        readonly ruleVersion: number;
        /** The listing ends early on a delisting record (performance); untilMs is then its latest end. */
        readonly untilDelisted: boolean;
      }
    | { readonly grade: string };
  readonly untilMs?: number;
  readonly via?: AppliedMeasure['via'];
}

export interface Decision {
  readonly subject: string;
  readonly action: string;
  readonly atMs: number;
  readonly outcome: Outcome;
  readonly reasons: readonly DecisionReason[];
  /** Every scheme version the standing was read under: what an appeal cites. */
  readonly catalogVersions: readonly { readonly scheme: string; readonly version: number }[];
}

function reasonOf(m: AppliedMeasure): DecisionReason {
  const because =
    'listing' in m.basis
      ? {
          list: m.basis.listing.list,
          recordId: m.basis.listing.recordId,
          code: m.basis.listing.code,
          ruleVersion: m.basis.listing.version,
          untilDelisted: m.basis.listing.untilDelisted,
        }
      : { grade: m.basis.grade };
  return {
    measure: m.measure,
    kind: m.kind,
    title: m.title,
    scheme: m.scheme,
    version: m.version,
    legalBasis: m.legalBasis,
    because,
    ...(m.untilMs === undefined ? {} : { untilMs: m.untilMs }),
    ...(m.via === undefined ? {} : { via: m.via }),
  };
}

function reasonKey(r: DecisionReason): string {
  const because =
    'list' in r.because ? `${r.because.list}\u0000${String(r.because.recordId).padStart(15, '0')}` : r.because.grade;
  return [
    r.scheme,
    r.measure,
    String(r.version).padStart(6, '0'),
    r.via?.organisation ?? '',
    r.via?.role ?? '',
    because,
  ].join('\u0000');
}

function compareReasons(a: DecisionReason, b: DecisionReason): number {
  const ka = reasonKey(a);
  const kb = reasonKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * The versions the standing was read under, plus any a reason cites (an organisation's listing, an older list
 * version): everything an appeal needs to name, once each, in scheme order. In the common case, where every reason
 * comes from a version the standing was read under (already in scheme order), that is `schemes` itself: the caller
 * passes an array the decision may keep.
 */
function citedVersions(
  schemes: Decision['catalogVersions'],
  reasons: readonly DecisionReason[],
): Decision['catalogVersions'] {
  if (reasons.every((r) => schemes.some((s) => s.scheme === r.scheme && s.version === r.version))) return schemes;
  const seen = new Map<string, { scheme: string; version: number }>();
  const add = (scheme: string, version: number) => seen.set(`${scheme}\u0000${version}`, { scheme, version });
  for (const s of schemes) add(s.scheme, s.version);
  for (const r of reasons) add(r.scheme, r.version);
  return [...seen.values()].sort((a, b) => a.scheme.localeCompare(b.scheme) || a.version - b.version);
}

/** The reasons of some measures (sanctions or incentives), in the canonical order; most decisions have none. */
function sortedReasons(measures: readonly AppliedMeasure[]): DecisionReason[] {
  const reasons = measures.map(reasonOf);
  if (reasons.length > 1) reasons.sort(compareReasons);
  return reasons;
}

/** What a decision says, whoever its subject and whenever its instant: its outcome, reasons and cited versions. */
export interface Ruling {
  readonly outcome: Outcome;
  readonly reasons: readonly DecisionReason[];
  readonly catalogVersions: Decision['catalogVersions'];
}

const noReasons: readonly DecisionReason[] = Object.freeze([]);

/**
 * The ruling on an action for measures read under `schemes`. The measures need not all name the action; those that
 * do not are no reason. `schemes` becomes the ruling's catalogVersions whenever the reasons cite nothing else, so
 * the caller passes an array it will not change.
 */
export function ruleOn(
  definition: ActionDefinition,
  measures: readonly AppliedMeasure[],
  schemes: Decision['catalogVersions'],
): Ruling {
  let sanctions: AppliedMeasure[] | undefined;
  let incentives: AppliedMeasure[] | undefined;
  for (const m of measures) {
    if (!m.actions.includes(definition.code)) continue;
    if (m.kind === 'sanction') (sanctions ??= []).push(m);
    else (incentives ??= []).push(m);
  }
  if (sanctions === undefined && incentives === undefined) {
    return { outcome: definition.outcomeDefault, reasons: noReasons, catalogVersions: schemes };
  }
  // Sanctions first: they decide; incentives after them, as context. Within each, a canonical order, so that
  // every path to a decision (the store, the index) gives the same bytes.
  const reasons = [...sortedReasons(sanctions ?? []), ...sortedReasons(incentives ?? [])];
  return {
    outcome: sanctions !== undefined ? 'deny' : 'allow',
    reasons,
    catalogVersions: citedVersions(schemes, reasons),
  };
}

/** A decision for this subject at this instant, from a ruling that may be shared with other decisions. */
export function decisionOf(subject: string, action: string, atMs: number, ruling: Ruling): Decision {
  return {
    subject,
    action,
    atMs,
    outcome: ruling.outcome,
    reasons: ruling.reasons,
    catalogVersions: ruling.catalogVersions,
  };
}

export function decide(standing: DecisionInput, action: string): Result<Decision> {
  const definition = findAction(action);
  if (definition === undefined) return fail('unknown_action', `unknown action ${action}`, 'action');
  const schemes = standing.schemes.map((s) => ({ scheme: s.scheme, version: s.version }));
  return ok(decisionOf(standing.subject, action, standing.atMs, ruleOn(definition, standing.measures, schemes)));
}
