/**
 * A subject's records as the explanation shows them: each record with the rule versions that judged it (title,
 * legal basis), everything it brought in the stored derivation (points with their escalation and cap, direct
 * grades, listings, each until when), whether it is disputed or withdrawn, until when an objection may be filed,
 * and the repair policies that apply to what it brought while that is in force.
 *
 * The objection deadline is the one fileObjection checks (objectionWindow, app/objections.ts).
 */
import { objectionWindow } from '../../app/objections.ts';
import { repairablesOf } from '../../app/repairs.ts';
import type { CatalogSet } from '../../core/catalog-set.ts';
import { dayMs } from '../../core/constants.ts';
import type { Derivation } from '../../core/derive.ts';
import type { SubjectKind } from '../../core/identifiers.ts';
import type { RecordFact } from '../../core/record.ts';
import { isoFromMs } from '../../core/time.ts';
import type { Objection, StoredNotice } from '../../store/ports.ts';
import { presentEntry, presentListing, presentRecord } from '../present.ts';

export interface ExplainedInput {
  readonly catalogs: CatalogSet;
  readonly kind: SubjectKind;
  readonly derivation: Derivation | undefined;
  readonly records: readonly RecordFact[];
  readonly objections: readonly Objection[];
  /** The subject's notices (any order): the first one about a record starts its objection window. */
  readonly notices: readonly StoredNotice[];
  readonly nowMs: number;
}

export function explainRecords(input: ExplainedInput) {
  const { catalogs, kind, derivation, records, nowMs } = input;
  const retractedBy = new Map<number, number>();
  for (const r of records) if (r.retracts !== undefined) retractedBy.set(r.retracts, r.id);
  const openObjection = new Set(input.objections.filter((o) => o.status === 'open').map((o) => o.recordId));
  const noticesOf = Map.groupBy(input.notices, (n) => n.recordId);

  return records.map((record) => {
    const judged = catalogs.judge(record.code, kind, record.effectiveAtMs);
    // A retraction or an approved repair is Credence's own record about another one: it is judged by nothing.
    const own = record.retracts === undefined && record.ends === undefined;
    const rules = own && judged.ok ? judged.value : [];
    const entries = (derivation?.entries ?? []).filter((e) => e.recordId === record.id);
    const grades = (derivation?.grades ?? []).filter((g) => g.recordId === record.id);
    const listings = (derivation?.listings ?? []).filter((l) => l.recordId === record.id);

    const deadlineMs = objectionWindow(rules, record, noticesOf.get(record.id) ?? [])?.closesAtMs;
    const retracted = retractedBy.has(record.id);
    const disputed = openObjection.has(record.id);

    const repairs = repairablesOf(catalogs, derivation, record.id, nowMs).flatMap(
      ({ scheme, version, list, grade, startMs, policy }) =>
        policy === undefined
          ? []
          : [
              {
                scheme,
                version,
                ...(list === undefined ? {} : { list }),
                ...(grade === undefined ? {} : { grade }),
                minimumDays: policy.minimumDays,
                conditions: [...policy.conditions],
                reviewWorkingDays: policy.reviewWorkingDays,
                applicableFrom: isoFromMs(startMs + policy.minimumDays * dayMs),
              },
            ],
    );

    return {
      ...presentRecord(record),
      ...(record.ends === undefined ? {} : { ends: record.ends }),
      disputed,
      ...(retracted ? { retractedBy: retractedBy.get(record.id) } : {}),
      rules: rules.map(({ version, rule }) => ({
        scheme: version.schemeId,
        version: version.version,
        code: rule.code,
        title: rule.title,
        category: rule.category,
        legalBasis: rule.legalBasis,
        validityDays: rule.validityDays,
      })),
      entries: entries.map((e) => ({
        scheme: e.scheme,
        ...presentEntry(e),
        ...(e.resetBy === undefined ? {} : { resetBy: e.resetBy }),
      })),
      grades: grades.map((g) => ({
        scheme: g.scheme,
        version: g.version,
        grade: g.grade,
        from: isoFromMs(g.fromMs),
        until: isoFromMs(g.untilMs),
        ...(g.endedBy === undefined ? {} : { endedBy: g.endedBy }),
      })),
      listings: listings.map((l) => ({
        ...presentListing(l),
        ...(l.endedBy === undefined ? {} : { endedBy: l.endedBy }),
        extendedBy: [...l.extendedBy],
      })),
      ...(deadlineMs === undefined ? {} : { objectionDeadline: isoFromMs(deadlineMs) }),
      objectable: deadlineMs !== undefined && nowMs < deadlineMs && !retracted && !disputed,
      repairs,
    };
  });
}
