/** Model -> JSON for responses shared by several resources: instants as ISO 8601 text. */
import type { DecisionReason } from '../core/decide.ts';
import type { Listing, PointsEntry } from '../core/derive.ts';
import type { RecordFact } from '../core/record.ts';
import type { AppliedMeasure, Standing } from '../core/standing.ts';
import { isoFromMs } from '../core/time.ts';
import type { DecisionMade } from '../app/decisions.ts';

const iso = (ms: number | undefined) => (ms === undefined || !Number.isFinite(ms) ? undefined : isoFromMs(ms));

export function presentReason(r: DecisionReason) {
  return {
    measure: r.measure,
    kind: r.kind,
    title: r.title,
    scheme: r.scheme,
    version: r.version,
    legalBasis: r.legalBasis,
    because: r.because,
    until: iso(r.untilMs),
    ...(r.via ? { via: r.via } : {}),
  };
}

export function presentDecision(d: DecisionMade) {
  return {
    decisionId: d.decisionId,
    subject: d.subject,
    action: d.action,
    at: isoFromMs(d.atMs),
    outcome: d.outcome,
    reasons: d.reasons.map(presentReason),
    catalogVersions: [...d.catalogVersions],
  };
}

export function presentRecord(r: RecordFact) {
  return {
    id: r.id,
    agency: r.agency,
    agencyRef: r.agencyRef,
    subject: r.subject,
    code: r.code,
    effectiveAt: isoFromMs(r.effectiveAtMs),
    recordedAt: isoFromMs(r.recordedAtMs),
    evidence: r.evidence,
    ...(r.amount === undefined ? {} : { amount: r.amount }),
    ...(r.caseRef === undefined ? {} : { caseRef: r.caseRef }),
    ...(r.retracts === undefined ? {} : { retracts: r.retracts }),
  };
}

export function presentListing(l: Listing) {
  return {
    list: l.list,
    scheme: l.scheme,
    version: l.version,
    recordId: l.recordId,
    code: l.code,
    trigger: l.trigger,
    start: isoFromMs(l.startMs),
    end: isoFromMs(l.endMs),
    untilDelisted: l.untilDelisted,
    ...(l.caseRef === undefined ? {} : { caseRef: l.caseRef }),
  };
}

/** A points entry's count and span (the standing and the explanation add what names it). */
export function presentEntry(e: PointsEntry) {
  return {
    version: e.version,
    points: e.points,
    pointsRule: e.pointsRule,
    multiplier: e.multiplier,
    capped: e.capped,
    from: isoFromMs(e.fromMs),
    until: isoFromMs(e.untilMs),
  };
}

function presentMeasure(m: AppliedMeasure) {
  return {
    measure: m.measure,
    kind: m.kind,
    title: m.title,
    scheme: m.scheme,
    version: m.version,
    actions: m.actions,
    legalBasis: m.legalBasis,
    basis: 'listing' in m.basis ? { listing: presentListing(m.basis.listing) } : { grade: m.basis.grade },
    until: iso(m.untilMs),
    ...(m.via ? { via: m.via } : {}),
  };
}

export function presentStanding(s: Standing) {
  return {
    subject: s.subject,
    kind: s.kind,
    at: isoFromMs(s.atMs),
    schemes: s.schemes.map((scheme) => ({
      scheme: scheme.scheme,
      version: scheme.version,
      ...(scheme.points
        ? {
            points: {
              score: scheme.points.score,
              base: scheme.points.base,
              grade: scheme.points.grade,
              gradeSource: scheme.points.gradeSource,
              ...(scheme.points.directGrade
                ? {
                    directGradeRecordId: scheme.points.directGrade.recordId,
                    directGradeUntil: iso(scheme.points.directGrade.untilMs),
                  }
                : {}),
            },
          }
        : {}),
      entries: scheme.entries.map((e) => ({ recordId: e.recordId, code: e.code, ...presentEntry(e) })),
      listings: scheme.listings.map(presentListing),
    })),
    measures: s.measures.map(presentMeasure),
  };
}
