/**
 * Use case: a register's summary at an instant: subjects by kind, records by rule, subjects per grade per points
 * scheme (subjects without records stand at the base score), members per list, and a few subjects to try.
 */
import { standingAt } from '../core/standing.ts';
import type { AppContext } from './context.ts';

export interface Summary {
  readonly atMs: number;
  readonly subjectsByKind: Readonly<Record<string, number>>;
  readonly records: number;
  readonly recordsByCode: Readonly<Record<string, number>>;
  readonly gradesByScheme: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly membersByList: Readonly<Record<string, number>>;
  readonly auditEvents: number;
}

const pageSize = 5_000;

export async function summarize(context: AppContext, atMs: number): Promise<Summary> {
  const { store, catalogs } = context;
  const base = await store.summary();
  const grades: Record<string, Record<string, number>> = {};
  for (const schemeId of catalogs.schemeIds) {
    const version = catalogs.inForce(schemeId, atMs);
    const points = version?.catalog.scheme.points;
    // Every grade is shown, in order from best to worst, even when nobody holds it.
    if (points) grades[schemeId] = Object.fromEntries(points.grades.map((g) => [g.grade, 0]));
  }
  for await (const page of store.scanSubjects(pageSize)) {
    const derivations = await store.derivations(page.map((s) => s.key));
    for (const subject of page) {
      const standing = standingAt(catalogs, subject.key, subject.kind, derivations.get(subject.key), atMs);
      for (const scheme of standing.schemes) {
        const counts = grades[scheme.scheme];
        if (counts && scheme.points) counts[scheme.points.grade] = (counts[scheme.points.grade] ?? 0) + 1;
      }
    }
  }
  const members = await store.countListMembers(atMs);
  return {
    atMs,
    subjectsByKind: base.subjectsByKind,
    records: base.records,
    recordsByCode: base.recordsByCode,
    gradesByScheme: grades,
    membersByList: Object.fromEntries(catalogs.listIds.map((id) => [id, members.get(id) ?? 0])),
    auditEvents: base.auditEvents,
  };
}
