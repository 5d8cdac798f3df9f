/**
 * The simulator's core on the demo catalogs and a seeded population of hand-built records: a draft identical to
 * the published catalog changes nothing; a draft that moves one grade band by one point changes exactly the
 * subjects at that boundary, the expected set computed by the reference scorer (test/support/reference-scorer.ts),
 * not by the code under test; the accumulator's counts, histograms, districts and sample.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { demoCatalogSet, demoVersions } from '../../test/support/demo-catalogs.ts';
import { referenceStanding } from '../../test/support/reference-scorer.ts';
import type { CatalogDraft } from './catalog.ts';
import { dayMs } from './constants.ts';
import { residentIdCheckCharacter } from './identifiers.ts';
import type { RecordFact } from './record.ts';
import {
  addComparison,
  changeLabel,
  compareSubject,
  countsOf,
  draftCatalogSet,
  newTally,
  simulationStartMs,
  type SimulatedSubject,
} from './simulate.ts';

/** The value, which the test's own data guarantees is there. */
function must<T>(value: T | undefined, what: string): T {
  assert.ok(value !== undefined, `missing ${what}`);
  return value;
}

const current = demoCatalogSet();
const versions = demoVersions();
const t0 = Date.parse('2026-01-05T08:00:00Z');
const atMs = t0 + 200 * dayMs;
const districts = ['110101', '110105', '310104'] as const;

/** A deterministic generator (mulberry32), so the population is the same on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function residentId(district: string, n: number): string {
  const first17 = `${district}19800101${String(n).padStart(3, '0')}`;
  return first17 + residentIdCheckCharacter(first17);
}

const pool: readonly { code: string; amount?: number; agency: string }[] = [
  { code: 'traffic.warning', agency: 'traffic-police' },
  { code: 'traffic.fine', amount: 300, agency: 'traffic-police' },
  { code: 'traffic.fine', amount: 1500, agency: 'traffic-police' },
  { code: 'traffic.fine', amount: 20_000, agency: 'traffic-police' },
  { code: 'traffic.licence_suspended', agency: 'traffic-police' },
  { code: 'public.violence_officials', agency: 'public-security' },
  { code: 'public.smoking', agency: 'public-security' },
  { code: 'dog.improper_keeping', agency: 'animal-control' },
  { code: 'volunteer.service', agency: 'civil-affairs' },
  { code: 'award.heroic_act', agency: 'civil-affairs' },
];

let nextRecordId = 1;
function recordsOf(subject: string, steps: readonly (typeof pool)[number][]): RecordFact[] {
  return steps.map((s, i) => {
    const id = nextRecordId++;
    const effectiveAtMs = t0 + i * 3 * dayMs;
    return {
      id,
      agency: s.agency,
      agencyRef: `SIM-${id}`,
      subject,
      code: s.code,
      effectiveAtMs,
      recordedAtMs: effectiveAtMs + 1000,
      evidence: `evidence ${id}`,
      ...(s.amount === undefined ? {} : { amount: s.amount }),
    };
  });
}

/** 300 residents with 0-5 random records each, and three built to land exactly on 850, 849 and 851 points. */
function population(): SimulatedSubject[] {
  const next = random(9);
  const people: SimulatedSubject[] = [];
  const pick = (code: string, amount?: number) => {
    const found = pool.find((p) => p.code === code && p.amount === amount);
    assert.ok(found);
    return found;
  };
  const built = [
    // -100 - 40 - 10 = 850; 850 - 10 + ... built the same way for the neighbours.
    [pick('public.violence_officials'), pick('traffic.fine', 20_000), pick('dog.improper_keeping')],
    [
      pick('public.violence_officials'),
      pick('traffic.fine', 20_000),
      pick('dog.improper_keeping'),
      pick('traffic.warning'),
    ],
    [pick('public.violence_officials'), pick('traffic.fine', 20_000), pick('traffic.warning'), pick('public.smoking')],
  ];
  for (let n = 0; n < 303; n++) {
    const district = districts[n % districts.length] ?? '110101';
    const subject = residentId(district, n + 1);
    const steps =
      n < built.length
        ? (built[n] ?? [])
        : Array.from({ length: Math.floor(next() * 6) }, () =>
            must(pool[Math.floor(next() * pool.length)], 'a pool entry'),
          );
    people.push({ subject, kind: 'person', region: district, records: recordsOf(subject, steps) });
  }
  return people;
}

const people = population();
const rongcheng = must(
  versions.find((v) => v.schemeId === 'rongcheng-residents'),
  'rongcheng',
).catalog;

function simulate(draft: CatalogDraft) {
  const set = draftCatalogSet(current, draft, simulationStartMs);
  assert.ok(set.ok, set.ok ? '' : set.problem.message);
  const tally = newTally(1000);
  const comparisons = people.map((p) => compareSubject(current, set.value.catalogs, p, atMs));
  for (const c of comparisons) addComparison(tally, c);
  return { counts: countsOf(tally, current, set.value.catalogs, atMs), comparisons };
}

describe('simulate', () => {
  test('a draft identical to the published catalog reports no change, for every demo scheme', () => {
    for (const version of versions) {
      const { counts } = simulate(structuredClone(version.catalog));
      assert.equal(counts.subjects, people.length, version.schemeId);
      assert.equal(counts.changed, 0, `${version.schemeId}: ${JSON.stringify(counts.changes.slice(0, 3))}`);
      assert.deepEqual(counts.changes, []);
      assert.deepEqual(counts.sample, []);
      for (const h of counts.histograms)
        for (const g of h.grades) assert.equal(g.before, g.after, `${h.scheme} ${g.grade}`);
    }
  });

  test('moving the B band from 850 to 851 points changes exactly the subjects at 850, as the reference scorer finds', () => {
    const expected = people
      .filter((p) => {
        const standing = referenceStanding(versions, p.records, p.kind, atMs).find(
          (s) => s.scheme === 'rongcheng-residents',
        );
        return standing?.score === 850 && standing.grade === 'B';
      })
      .map((p) => p.subject)
      .sort();
    assert.ok(expected.length >= 1, 'the population has a subject at the boundary');

    const draft = structuredClone(rongcheng);
    const band = draft.scheme.points?.grades.find((g) => g.grade === 'B');
    assert.ok(band);
    band.minPoints = 851;
    const { counts, comparisons } = simulate(draft);
    const changed = comparisons
      .filter((c) => c.direction !== 'none')
      .map((c) => c.subject)
      .sort();
    assert.deepEqual(changed, expected);
    assert.equal(counts.changed, expected.length);
    for (const c of comparisons.filter((x) => x.direction !== 'none')) {
      assert.equal(c.direction, 'adverse');
      assert.ok(c.changes.map(changeLabel).includes('rongcheng-residents B -> C'));
      // C is barred from community awards: the measure and the action follow the grade.
      assert.ok(c.changes.map(changeLabel).includes('measure gained: rongcheng-residents/no-community-awards'));
      assert.ok(c.changes.map(changeLabel).includes('action denied: community.award'));
    }
    const grade = counts.changes.find((c) => c.label === 'rongcheng-residents B -> C');
    assert.equal(grade?.subjects, expected.length);
    const histogram = counts.histograms.find((h) => h.scheme === 'rongcheng-residents');
    assert.deepEqual(
      histogram?.grades.map((g) => g.grade),
      ['AAA', 'AA', 'A', 'B', 'C', 'D'],
    );
    const b = histogram?.grades.find((g) => g.grade === 'B');
    const c = histogram?.grades.find((g) => g.grade === 'C');
    assert.ok(b && c);
    assert.equal(b.before - b.after, expected.length);
    assert.equal(c.after - c.before, expected.length);
    // Districts add up, and the sample is the changed subjects in the order they came.
    assert.equal(
      counts.byDistrict.reduce((n, d) => n + d.changed, 0),
      expected.length,
    );
    assert.deepEqual(
      counts.byDistrict.map((d) => d.district),
      [...districts].sort(),
    );
    assert.deepEqual(
      counts.sample.map((s) => s.subject),
      comparisons.filter((x) => x.direction !== 'none').map((x) => x.subject),
    );
    assert.equal(counts.sampleTruncated, false);
  });

  test('the sample is bounded, first subjects first, and says when it is cut short', () => {
    const draft = structuredClone(rongcheng);
    must(draft.scheme.points, 'points').base = 1100; // everyone without deductions moves up
    const set = draftCatalogSet(current, draft, simulationStartMs);
    assert.ok(set.ok);
    const tally = newTally(3);
    const comparisons = people.map((p) => compareSubject(current, set.value.catalogs, p, atMs));
    for (const c of comparisons) addComparison(tally, c);
    const counts = countsOf(tally, current, set.value.catalogs, atMs);
    assert.ok(counts.changed > 3);
    assert.equal(counts.sample.length, 3);
    assert.equal(counts.sampleTruncated, true);
    assert.deepEqual(
      counts.sample.map((s) => s.subject),
      comparisons
        .filter((c) => c.direction !== 'none')
        .slice(0, 3)
        .map((c) => c.subject),
    );
  });

  test('a rule the draft removes no longer counts under it; a score that moves within its band is no change', () => {
    const draft = structuredClone(rongcheng);
    draft.rules = draft.rules.filter((r) => r.code !== 'public.violence_officials');
    const set = draftCatalogSet(current, draft, simulationStartMs);
    assert.ok(set.ok);
    const subject = must(people[0], 'the subject at 850');
    const c = compareSubject(current, set.value.catalogs, subject, atMs);
    const rc = c.grades.find((g) => g.scheme === 'rongcheng-residents');
    assert.deepEqual([rc?.before?.score, rc?.after?.score], [850, 950]);
    assert.deepEqual([rc?.before?.grade, rc?.after?.grade], ['B', 'B']);
    assert.equal(c.direction, 'none');
    assert.deepEqual(c.changes, []);
  });

  test('a listing a draft adds in an unrelated context is counted as applied there', () => {
    const draft = structuredClone(
      must(
        versions.find((v) => v.schemeId === 'conduct-bans'),
        'conduct-bans',
      ).catalog,
    );
    draft.rules.push({
      code: 'traffic.fine',
      title: { 'zh-CN': '交通违法罚款', en: 'Traffic fine' },
      category: 'traffic_safety',
      legalBasis: 'a test draft',
      agencies: ['traffic-police'],
      effects: [{ kind: 'listing', list: 'flight-conduct-ban', termDays: 365, untilDelisted: false }],
      validityDays: 365,
    });
    const { counts } = simulate(draft);
    const fined = people.filter((p) => p.records.some((r) => r.code === 'traffic.fine')).length;
    assert.ok(fined > 0);
    const row = counts.unrelatedApplied.find((u) => u.measure === 'flight-ban');
    assert.equal(row?.subjects, fined);
    assert.deepEqual(row?.actions, ['travel.flight']);
    assert.deepEqual(row?.categories, ['traffic_safety']);
    assert.equal(counts.changes.find((c) => c.label === 'listing started on flight-conduct-ban')?.subjects, fined);
  });

  test('a draft may not take a list another scheme owns', () => {
    const draft = structuredClone(rongcheng);
    draft.scheme.lists = [
      {
        ...must(
          must(
            versions.find((v) => v.schemeId === 'conduct-bans'),
            'conduct-bans',
          ).catalog.scheme.lists[0],
          'a list',
        ),
      },
    ];
    const set = draftCatalogSet(current, draft, simulationStartMs);
    assert.equal(set.ok ? '' : set.problem.code, 'list_owned_elsewhere');
  });
});
