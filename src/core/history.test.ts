/**
 * Standing history against standingAt: on the demo catalogs (with a second Rongcheng version that moves the bands
 * and a third that stops applying to persons), for hand-built and seeded random histories, the step in force at
 * an instant must give exactly the score, grade, grade source and version standingAt gives there. Instants are
 * sampled on the edges (every step, the millisecond before, record instants) and at random.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { demoVersions } from '../../test/support/demo-catalogs.ts';
import { buildCatalogSet } from './catalog-set.ts';
import type { CatalogVersion } from './catalog.ts';
import { dayMs } from './constants.ts';
import { deriveSubject, type Derivation } from './derive.ts';
import { standingHistory, type HistoryStep, type SchemeHistory } from './history.ts';
import type { SubjectKind } from './identifiers.ts';
import type { RecordFact } from './record.ts';
import { standingAt } from './standing.ts';

const person = '11010519491231002X';
const company = '91110108551385082Q';
const effectiveFromMs = Date.parse('2025-11-01T00:00:00Z');
const bandsMoveMs = Date.parse('2026-09-01T00:00:00Z');
const personsLeaveMs = Date.parse('2027-09-01T00:00:00Z');

/** The demo catalogs, plus Rongcheng v2 (stricter bands from 2026-09-01) and v3 (organisations only, 2027-09-01). */
function catalogsWithVersions() {
  const versions = demoVersions();
  const v1 = versions.find((v) => v.schemeId === 'rongcheng-residents');
  assert(v1?.catalog.scheme.points !== undefined);
  const points = v1.catalog.scheme.points;
  const v2: CatalogVersion = {
    ...v1,
    version: 2,
    effectiveFromMs: bandsMoveMs,
    catalog: {
      ...v1.catalog,
      scheme: {
        ...v1.catalog.scheme,
        points: {
          ...points,
          grades: points.grades.map((g) => (g.grade === 'A' ? { grade: 'A', minPoints: 1000 } : g)),
        },
      },
    },
  };
  const v3: CatalogVersion = {
    ...v2,
    version: 3,
    effectiveFromMs: personsLeaveMs,
    catalog: { ...v2.catalog, scheme: { ...v2.catalog.scheme, subjectKinds: ['organisation'] } },
  };
  return buildCatalogSet([...versions, v2, v3]);
}

const catalogs = catalogsWithVersions();
const agencyOf = new Map<string, string>();
for (const v of demoVersions())
  for (const r of v.catalog.rules) if (!agencyOf.has(r.code)) agencyOf.set(r.code, r.agencies[0] ?? '');

interface Item {
  readonly code: string;
  readonly atMs: number;
  readonly amount?: number;
}

function facts(subject: string, items: readonly Item[]): RecordFact[] {
  return items.map((item, i) => ({
    id: i + 1,
    agency: agencyOf.get(item.code) ?? 'unknown',
    agencyRef: `ref-${i + 1}`,
    subject,
    code: item.code,
    effectiveAtMs: item.atMs,
    recordedAtMs: item.atMs,
    evidence: `evidence ${i + 1}`,
    ...(item.amount === undefined ? {} : { amount: item.amount }),
  }));
}

function stepAt(history: SchemeHistory | undefined, atMs: number): HistoryStep | undefined {
  let found: HistoryStep | undefined;
  for (const step of history?.steps ?? []) if (step.atMs <= atMs) found = step;
  return found;
}

/** The history read at `atMs` is what standingAt says there, in every points scheme. */
function assertAgrees(
  histories: readonly SchemeHistory[],
  subject: string,
  kind: SubjectKind,
  derivation: Derivation | undefined,
  atMs: number,
) {
  const standing = standingAt(catalogs, subject, kind, derivation, atMs);
  for (const scheme of catalogs.schemeIds) {
    const expected = standing.schemes.find((s) => s.scheme === scheme);
    const step = stepAt(
      histories.find((h) => h.scheme === scheme),
      atMs,
    );
    const at = new Date(atMs).toISOString();
    if (expected?.points === undefined) {
      assert.equal(step?.score, undefined, `${scheme} at ${at}: no points standing, but the history has a score`);
      continue;
    }
    assert.deepEqual(
      step,
      {
        atMs: step?.atMs,
        version: expected.version,
        score: expected.points.score,
        grade: expected.points.grade,
        gradeSource: expected.points.gradeSource,
      },
      `${scheme} at ${at}`,
    );
  }
}

/** The instants that matter: each step, the millisecond before it, each record, and the two ends. */
function edges(histories: readonly SchemeHistory[], items: readonly Item[], fromMs: number, toMs: number): number[] {
  const instants = new Set<number>([fromMs, toMs]);
  for (const h of histories) for (const s of h.steps) for (const d of [-1, 0, 1]) instants.add(s.atMs + d);
  for (const item of items) for (const d of [-1, 0]) instants.add(item.atMs + d);
  return [...instants].filter((ms) => ms >= fromMs && ms <= toMs);
}

describe('standing history', () => {
  const t0 = Date.parse('2026-01-10T08:00:00Z');
  const items: Item[] = [
    { code: 'traffic.fine', atMs: t0, amount: 800 },
    { code: 'traffic.warning', atMs: t0 + 10 * dayMs },
    { code: 'traffic.warning', atMs: t0 + 20 * dayMs },
    { code: 'volunteer.service', atMs: t0 + 30 * dayMs },
    { code: 'court.defaulter.refuses', atMs: t0 + 60 * dayMs },
  ];
  const derivation = deriveSubject(catalogs, person, 'person', facts(person, items));
  const fromMs = Date.parse('2025-01-01T00:00:00Z');
  const toMs = Date.parse('2028-01-01T00:00:00Z');
  const histories = standingHistory(catalogs, 'person', derivation, fromMs, toMs);
  const rongcheng = histories.find((h) => h.scheme === 'rongcheng-residents');

  test('starts where the scheme first applies, and changes at records, expiries and new versions', () => {
    assert.ok(rongcheng);
    const steps = rongcheng.steps;
    assert.deepEqual(steps[0], { atMs: effectiveFromMs, version: 1, score: 1000, grade: 'A', gradeSource: 'band' });
    // The fine (800: -20) at t0; the warnings (-5, then -10 doubled); volunteering +5; the court's direct D.
    assert.deepEqual(
      steps.slice(1, 6).map((s) => [s.atMs, s.score, s.grade, s.gradeSource]),
      [
        [t0, 980, 'A', 'band'],
        [t0 + 10 * dayMs, 975, 'A', 'band'],
        [t0 + 20 * dayMs, 965, 'A', 'band'],
        [t0 + 30 * dayMs, 970, 'A', 'band'],
        [t0 + 60 * dayMs, 970, 'D', 'direct'],
      ],
    );
    // The bands move with version 2 (A from 1000 up) and the scheme leaves persons with version 3.
    assert.ok(steps.some((s) => s.atMs === bandsMoveMs && s.version === 2));
    assert.deepEqual(steps.at(-1), { atMs: personsLeaveMs });
    for (const [i, s] of steps.entries()) {
      assert.ok(s.atMs >= fromMs && s.atMs <= toMs);
      if (i > 0) assert.ok(s.atMs > (steps[i - 1]?.atMs ?? -Infinity), 'steps are in time order');
    }
  });

  test('agrees with standingAt on every edge and at instants between them', () => {
    for (const atMs of edges(histories, items, fromMs, toMs))
      assertAgrees(histories, person, 'person', derivation, atMs);
    for (let atMs = fromMs; atMs <= toMs; atMs += 7 * dayMs + 12_345)
      assertAgrees(histories, person, 'person', derivation, atMs);
  });

  test('a subject with no records stands at base in each scheme of its kind, from the moment its scheme applies', () => {
    const none = standingHistory(catalogs, 'organisation', undefined, fromMs, toMs);
    assert.ok(none.length > 0);
    assert.ok(!none.some((h) => h.scheme === 'rongcheng-residents' && h.steps[0]?.atMs !== personsLeaveMs));
    for (const h of none) {
      const version = catalogs.inForce(h.scheme, h.steps[0]?.atMs ?? 0);
      assert.equal(h.steps[0]?.score, version?.catalog.scheme.points?.base, h.scheme);
      assert.equal(h.steps[0]?.gradeSource, 'band');
    }
    for (const atMs of [fromMs, effectiveFromMs - 1, effectiveFromMs, bandsMoveMs, personsLeaveMs, toMs])
      assertAgrees(none, company, 'organisation', undefined, atMs);
  });

  test('a stretch before any version is in force has no history', () => {
    assert.deepEqual(standingHistory(catalogs, 'person', derivation, fromMs, effectiveFromMs - 1), []);
  });

  test('a stretch that starts inside a record’s window begins with the standing it brought', () => {
    const from = t0 + 15 * dayMs;
    const later = standingHistory(catalogs, 'person', derivation, from, toMs);
    const first = later.find((h) => h.scheme === 'rongcheng-residents')?.steps[0];
    assert.deepEqual(first, { atMs: from, version: 1, score: 975, grade: 'A', gradeSource: 'band' });
  });

  test('agrees with standingAt on seeded random histories', () => {
    const codes = [
      'traffic.warning',
      'traffic.fine',
      'traffic.licence_suspended',
      'public.smoking',
      'volunteer.service',
      'donation.blood',
      'award.heroic_act',
      'court.defaulter.refuses',
      'court.defaulter.obstruction',
    ];
    const spanMs = 2 * 365 * dayMs;
    // Records come before version 3, under which Rongcheng's rules no longer judge persons.
    const item = fc.record({
      code: fc.constantFrom(...codes),
      offsetMs: fc.integer({ min: 0, max: personsLeaveMs - effectiveFromMs - 1 }),
      amount: fc.integer({ min: 1, max: 20_000 }),
    });
    fc.assert(
      fc.property(
        fc.array(item, { maxLength: 25 }),
        fc.integer({ min: 0, max: spanMs }),
        fc.integer({ min: 1, max: spanMs }),
        (generated, fromOffsetMs, lengthMs) => {
          const steps: Item[] = generated
            .map((g) => ({
              code: g.code,
              atMs: effectiveFromMs + g.offsetMs,
              ...(g.code === 'traffic.fine' ? { amount: g.amount } : {}),
            }))
            .sort((a, b) => a.atMs - b.atMs);
          const d = steps.length === 0 ? undefined : deriveSubject(catalogs, person, 'person', facts(person, steps));
          const from = effectiveFromMs - 30 * dayMs + fromOffsetMs;
          const to = from + lengthMs;
          const h = standingHistory(catalogs, 'person', d, from, to);
          for (const atMs of edges(h, steps, from, to)) assertAgrees(h, person, 'person', d, atMs);
          for (const history of h)
            for (const [i, s] of history.steps.entries()) {
              const previous = history.steps[i - 1];
              if (previous === undefined) continue;
              assert.ok(s.atMs > previous.atMs);
              assert.notDeepEqual({ ...s, atMs: 0 }, { ...previous, atMs: 0 }, 'consecutive steps differ');
            }
        },
      ),
      { seed: 20261201, numRuns: 300 },
    );
  });
});
