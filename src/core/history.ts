/**
 * Standing history: for each points scheme, the score and grade a subject stood at from one instant to another,
 * as the steps at which they change. A score or grade can change only where a point entry or a direct grade
 * starts or stops counting, or where a new catalog version takes effect (new bands), so those instants are the
 * only ones read; between two steps the standing is that of the earlier one. Each step is `gradeAt` on the
 * derivation, the same reading `standingAt` makes, so the two agree at every instant (history.test.ts).
 */
import type { CatalogSet } from './catalog-set.ts';
import { gradeAt, type Derivation } from './derive.ts';
import type { SubjectKind } from './identifiers.ts';

export interface HistoryStep {
  readonly atMs: number;
  /**
   * The version in force and the standing under it; all absent when the scheme stops applying to the subject
   * (a later version without points or without the subject's kind).
   */
  readonly version?: number;
  readonly score?: number;
  readonly grade?: string;
  readonly gradeSource?: 'band' | 'direct';
}

export interface SchemeHistory {
  readonly scheme: string;
  /** In time order, from the first instant the scheme applies in the stretch; consecutive steps differ. */
  readonly steps: readonly HistoryStep[];
}

const sameStanding = (a: HistoryStep, b: HistoryStep) =>
  a.version === b.version && a.score === b.score && a.grade === b.grade && a.gradeSource === b.gradeSource;

/**
 * Every points scheme's steps over `[fromMs, toMs]`. `derivation` is undefined for a subject with no records: it
 * stands at each scheme's base score and band from the moment the scheme applies. Schemes that never apply to the
 * subject's kind with points in the stretch are left out.
 */
export function standingHistory(
  catalogs: CatalogSet,
  kind: SubjectKind,
  derivation: Derivation | undefined,
  fromMs: number,
  toMs: number,
): SchemeHistory[] {
  const entries = derivation?.entries ?? [];
  const grades = derivation?.grades ?? [];
  const histories: SchemeHistory[] = [];
  for (const scheme of catalogs.schemeIds) {
    const changes = new Set<number>([fromMs]);
    const inStretch = (ms: number) => ms > fromMs && ms <= toMs;
    for (const w of [...entries, ...grades]) {
      if (w.scheme !== scheme) continue;
      if (inStretch(w.fromMs)) changes.add(w.fromMs);
      if (inStretch(w.untilMs)) changes.add(w.untilMs);
    }
    for (const v of catalogs.versionsOf(scheme)) if (inStretch(v.effectiveFromMs)) changes.add(v.effectiveFromMs);

    const steps: HistoryStep[] = [];
    for (const atMs of [...changes].sort((a, b) => a - b)) {
      const version = catalogs.inForce(scheme, atMs);
      const applies =
        version?.catalog.scheme.points !== undefined && version.catalog.scheme.subjectKinds.includes(kind);
      let step: HistoryStep = { atMs };
      if (applies) {
        const points = gradeAt(version, entries, grades, atMs);
        step = {
          atMs,
          version: version.version,
          score: points.score,
          grade: points.grade,
          gradeSource: points.gradeSource,
        };
      }
      const last = steps.at(-1);
      // The history starts where the scheme first applies; a step that changes nothing is no step.
      if (last === undefined ? !applies : sameStanding(last, step)) continue;
      steps.push(step);
    }
    if (steps.length > 0) histories.push({ scheme, steps });
  }
  return histories;
}
