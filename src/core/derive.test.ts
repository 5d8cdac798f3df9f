/**
 * Boundary tests for derivation with the real demo catalogs (catalogs/demo) and hand-built records: each table
 * row pins an exact number at an edge that matters (a grade band, the millisecond a deduction stops counting, a
 * fine band, a repeat within validity, a cap window, a threshold, a listing's term, a catalog's effectiveFrom).
 * Standings and decisions are read at the instant of an edge and the millisecond before it.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { demoCatalogSet, demoVersions } from '../../test/support/demo-catalogs.ts';
import type { Outcome } from './actions.ts';
import { dayMs } from './constants.ts';
import { decide } from './decide.ts';
import { compareRecords, deriveSubject, type Derivation, type Listing, type PointsEntry } from './derive.ts';
import type { SubjectKind } from './identifiers.ts';
import type { RecordFact } from './record.ts';
import { standingAt, type PointsStanding } from './standing.ts';

const catalogs = demoCatalogSet();
/** Every demo catalog's effectiveFrom. */
const effectiveFromMs = Date.parse('2025-11-01T00:00:00Z');
const t0 = Date.parse('2026-01-05T08:00:00Z');
const hourMs = 3_600_000;

const person = '11010519491231002X';
const foreigner = 'passport:DEU:C01X00T47';
const organisation = '91110108551385082Q';
const government = '11110000MB0138740B';

/** The first agency each demo rule names: records carry a real agency, though derivation does not read it. */
const agencyByCode = new Map<string, string>();
for (const v of demoVersions()) {
  for (const rule of v.catalog.rules)
    if (!agencyByCode.has(rule.code)) agencyByCode.set(rule.code, rule.agencies[0] ?? '');
}

interface Step {
  readonly code: string;
  readonly atMs: number;
  readonly amount?: number;
  readonly caseRef?: string;
  /** The 1-based index (= id) of the step this one retracts. */
  readonly retracts?: number;
}

const at = (days: number, ms = 0) => t0 + days * dayMs + ms;
const step = (code: string, atMs: number, extra: Omit<Step, 'code' | 'atMs'> = {}): Step => ({ code, atMs, ...extra });

/** Records with ids 1..n in the order given, recorded an hour after they took effect. */
function factsOf(subject: string, steps: readonly Step[]): RecordFact[] {
  return steps.map((s, i) => ({
    id: i + 1,
    agency: agencyByCode.get(s.code) ?? 'unknown-agency',
    agencyRef: `ref-${i + 1}`,
    subject,
    code: s.code,
    effectiveAtMs: s.atMs,
    recordedAtMs: s.atMs + hourMs,
    evidence: `evidence for record ${i + 1}`,
    ...(s.amount === undefined ? {} : { amount: s.amount }),
    ...(s.caseRef === undefined ? {} : { caseRef: s.caseRef }),
    ...(s.retracts === undefined ? {} : { retracts: s.retracts }),
  }));
}

function derive(subject: string, kind: SubjectKind, steps: readonly Step[]): Derivation {
  return deriveSubject(catalogs, subject, kind, factsOf(subject, steps));
}

function pointsIn(
  scheme: string,
  d: Derivation | undefined,
  atMs: number,
  subject = person,
  kind: SubjectKind = 'person',
): PointsStanding {
  const found = standingAt(catalogs, subject, kind, d, atMs).schemes.find((s) => s.scheme === scheme);
  assert(found?.points !== undefined, `no points standing in ${scheme}`);
  return found.points;
}

const rongcheng = (d: Derivation | undefined, atMs: number) => pointsIn('rongcheng-residents', d, atMs);
const jinan = (d: Derivation | undefined, atMs: number) => pointsIn('jinan-dog-owners', d, atMs);

function outcome(subject: string, kind: SubjectKind, d: Derivation | undefined, atMs: number, action: string): Outcome {
  const decision = decide(standingAt(catalogs, subject, kind, d, atMs), action);
  assert(decision.ok, `decide ${action}`);
  return decision.value.outcome;
}

/** A points entry no demo rule can produce, to reach scores that are not multiples of 5. */
function withAdjustment(d: Derivation, points: number, fromMs: number): Derivation {
  const entry: PointsEntry = {
    scheme: 'rongcheng-residents',
    version: 1,
    recordId: 0,
    code: 'test.adjustment',
    points,
    pointsRule: points,
    multiplier: 1,
    capped: false,
    fromMs,
    untilMs: fromMs + 365 * dayMs,
  };
  return { ...d, entries: [...d.entries, entry] };
}

describe('Rongcheng grade bands (AAA >= 1050, AA 1030, A 960, B 850, C 600, D below)', () => {
  const heroic = (days: number) => step('award.heroic_act', at(days));
  const blood = (days: number) => step('donation.blood', at(days));
  const warning = (days: number) => step('traffic.warning', at(days));

  test('a person with no records stands at the base 1000, grade A', () => {
    assert.deepEqual(rongcheng(undefined, t0), { score: 1000, base: 1000, grade: 'A', gradeSource: 'band' });
  });

  const reachable: { name: string; steps: Step[]; score: number; grade: string }[] = [
    {
      name: 'heroic act +30, two blood donations +10 each',
      steps: [heroic(0), blood(1), blood(2)],
      score: 1050,
      grade: 'AAA',
    },
    {
      name: 'the same, then a traffic warning -5',
      steps: [heroic(0), blood(1), blood(2), warning(3)],
      score: 1045,
      grade: 'AA',
    },
    {
      name: 'ten volunteer services +5 each (the whole cap)',
      steps: Array.from({ length: 10 }, (_, i) => step('volunteer.service', at(0, i * hourMs))),
      score: 1050,
      grade: 'AAA',
    },
    { name: 'one heroic act', steps: [heroic(0)], score: 1030, grade: 'AA' },
    { name: 'one heroic act, then a traffic warning', steps: [heroic(0), warning(1)], score: 1025, grade: 'A' },
    {
      name: 'a traffic fine over 10000 yuan -40',
      steps: [step('traffic.fine', at(0), { amount: 20_000 })],
      score: 960,
      grade: 'A',
    },
    {
      name: 'the fine, then smoking in public -5',
      steps: [step('traffic.fine', at(0), { amount: 20_000 }), step('public.smoking', at(1))],
      score: 955,
      grade: 'B',
    },
    {
      name: 'violence -100, licence suspended -60, blood donation +10',
      steps: [step('public.violence_officials', at(0)), step('traffic.licence_suspended', at(1)), blood(2)],
      score: 850,
      grade: 'B',
    },
    {
      name: 'the same, then a traffic warning',
      steps: [step('public.violence_officials', at(0)), step('traffic.licence_suspended', at(1)), blood(2), warning(3)],
      score: 845,
      grade: 'C',
    },
    {
      name: 'violence twice (-100, -200), utility theft -60, licence -60, two donations +20',
      steps: [
        step('public.violence_officials', at(0)),
        step('public.violence_officials', at(1)),
        step('utility.theft', at(2)),
        step('traffic.licence_suspended', at(3)),
        blood(4),
        blood(5),
      ],
      score: 600,
      grade: 'C',
    },
    {
      name: 'the same, then a traffic warning',
      steps: [
        step('public.violence_officials', at(0)),
        step('public.violence_officials', at(1)),
        step('utility.theft', at(2)),
        step('traffic.licence_suspended', at(3)),
        blood(4),
        blood(5),
        warning(6),
      ],
      score: 595,
      grade: 'D',
    },
  ];
  for (const c of reachable) {
    test(`${c.name}: ${c.score} is ${c.grade}`, () => {
      const last = Math.max(...c.steps.map((s) => s.atMs));
      assert.deepEqual(rongcheng(derive(person, 'person', c.steps), last), {
        score: c.score,
        base: 1000,
        grade: c.grade,
        gradeSource: 'band',
      });
    });
  }

  // Every demo Rongcheng rule scores a multiple of 5, so 1049, 1029, 959, 849 and 599 cannot be reached by
  // records; a synthetic -1 entry on top of real records pins the band edge itself.
  const exact: { steps: Step[]; base: number; grade: string; below: string }[] = [
    { steps: [heroic(0), blood(1), blood(2)], base: 1050, grade: 'AAA', below: 'AA' },
    { steps: [heroic(0)], base: 1030, grade: 'AA', below: 'A' },
    { steps: [step('traffic.fine', at(0), { amount: 20_000 })], base: 960, grade: 'A', below: 'B' },
    {
      steps: [step('public.violence_officials', at(0)), step('traffic.licence_suspended', at(1)), blood(2)],
      base: 850,
      grade: 'B',
      below: 'C',
    },
    {
      steps: [
        step('public.violence_officials', at(0)),
        step('public.violence_officials', at(1)),
        step('utility.theft', at(2)),
        step('traffic.licence_suspended', at(3)),
        blood(4),
        blood(5),
      ],
      base: 600,
      grade: 'C',
      below: 'D',
    },
  ];
  for (const c of exact) {
    test(`${c.base} is ${c.grade}; ${c.base - 1} is ${c.below}`, () => {
      const d = derive(person, 'person', c.steps);
      const readAt = at(10);
      assert.equal(rongcheng(d, readAt).score, c.base);
      assert.equal(rongcheng(d, readAt).grade, c.grade);
      const lowered = rongcheng(withAdjustment(d, -1, readAt), readAt);
      assert.equal(lowered.score, c.base - 1);
      assert.equal(lowered.grade, c.below);
    });
  }
});

describe('tax credit bands (A >= 90, B 70, C 40, D below; M and D also set directly)', () => {
  const payments = (count: number) => Array.from({ length: count }, (_, i) => step('tax.late_payment', at(i)));
  const statements = step('tax.late_statements', at(20));
  const cases: { name: string; steps: Step[]; score: number; grade: string; source: 'band' | 'direct' }[] = [
    { name: 'two late payments', steps: payments(2), score: 90, grade: 'A', source: 'band' },
    {
      name: 'two late payments and late statements',
      steps: [...payments(2), statements],
      score: 87,
      grade: 'B',
      source: 'band',
    },
    { name: 'six late payments', steps: payments(6), score: 70, grade: 'B', source: 'band' },
    {
      name: 'six late payments and late statements',
      steps: [...payments(6), statements],
      score: 67,
      grade: 'C',
      source: 'band',
    },
    { name: 'twelve late payments', steps: payments(12), score: 40, grade: 'C', source: 'band' },
    {
      name: 'twelve late payments and late statements',
      steps: [...payments(12), statements],
      score: 37,
      grade: 'D',
      source: 'band',
    },
    { name: 'no income', steps: [step('tax.no_income', at(0))], score: 100, grade: 'M', source: 'direct' },
    {
      name: 'no income, then evasion: the worse direct grade',
      steps: [step('tax.no_income', at(0)), step('tax.evasion', at(1))],
      score: 100,
      grade: 'D',
      source: 'direct',
    },
  ];
  for (const c of cases) {
    test(`${c.name}: ${c.score}, ${c.grade}`, () => {
      const d = derive(organisation, 'organisation', c.steps);
      const rating = pointsIn('tax-credit', d, at(30), organisation, 'organisation');
      assert.equal(rating.score, c.score);
      assert.equal(rating.grade, c.grade);
      assert.equal(rating.gradeSource, c.source);
      const inspection = outcome(organisation, 'organisation', d, at(30), 'inspection.exempt');
      const bid = outcome(organisation, 'organisation', d, at(30), 'procurement.bid');
      assert.equal(inspection, c.grade === 'A' ? 'allow' : 'deny');
      assert.equal(bid, c.grade === 'D' ? 'deny' : 'allow');
    });
  }
});

describe('a grade threshold lists a D-grade taxpayer (tax-d-grade)', () => {
  const listed = (d: Derivation) => d.listings.filter((l) => l.list === 'tax-d-grade');
  test('the record that takes the band to D lists, with the list maximum term; earlier records do not', () => {
    const steps = [
      ...Array.from({ length: 12 }, (_, i) => step('tax.late_payment', at(i))),
      step('tax.late_statements', at(20)),
    ];
    const d = derive(organisation, 'organisation', steps);
    const [listing, ...more] = listed(d);
    assert.equal(more.length, 0);
    assert.equal(listing?.trigger, 'threshold');
    assert.equal(listing?.recordId, 13);
    assert.equal(listing?.startMs, at(20));
    assert.equal(listing?.endMs, at(20) + 730 * dayMs);
  });
  test('a direct D lists at once; a further D record while listed does not list again', () => {
    const d = derive(organisation, 'organisation', [step('tax.evasion', at(0)), step('tax.evasion', at(5))]);
    assert.deepEqual(
      listed(d).map((l) => [l.recordId, l.startMs]),
      [[1, at(0)]],
    );
  });
  test('grade C does not list', () => {
    const d = derive(
      organisation,
      'organisation',
      Array.from({ length: 12 }, (_, i) => step('tax.late_payment', at(i))),
    );
    assert.deepEqual(listed(d), []);
  });
});

describe('validity: an entry counts up to 1 ms before effectiveAt + validityDays, not at it', () => {
  const cases: { code: string; validityDays: number; points: number; amount?: number }[] = [
    { code: 'traffic.warning', validityDays: 365, points: -5 },
    { code: 'traffic.fine', validityDays: 365, points: -40, amount: 10_000.01 },
    { code: 'traffic.licence_suspended', validityDays: 730, points: -60 },
    { code: 'public.violence_officials', validityDays: 730, points: -100 },
    { code: 'award.heroic_act', validityDays: 1095, points: 30 },
    { code: 'donation.blood', validityDays: 730, points: 10 },
    { code: 'volunteer.service', validityDays: 365, points: 5 },
  ];
  for (const c of cases) {
    test(`${c.code} (${c.points}) counts for ${c.validityDays} days`, () => {
      const d = derive(person, 'person', [step(c.code, t0, c.amount === undefined ? {} : { amount: c.amount })]);
      const endMs = t0 + c.validityDays * dayMs;
      assert.equal(d.entries[0]?.untilMs, endMs);
      assert.equal(rongcheng(d, t0 - 1).score, 1000);
      assert.equal(rongcheng(d, t0).score, 1000 + c.points);
      assert.equal(rongcheng(d, endMs - 1).score, 1000 + c.points);
      assert.equal(rongcheng(d, endMs).score, 1000);
    });
  }

  test('a heroic act lifts to AA until the instant it lapses, then A', () => {
    const d = derive(person, 'person', [step('award.heroic_act', t0)]);
    assert.equal(rongcheng(d, t0 + 1095 * dayMs - 1).grade, 'AA');
    assert.equal(rongcheng(d, t0 + 1095 * dayMs).grade, 'A');
  });
});

describe('traffic.fine is banded by amount (<= 500: -10, <= 2000: -20, <= 10000: -30, above: -40)', () => {
  const cases: { amount: number; points: number }[] = [
    { amount: 0, points: -10 },
    { amount: 500, points: -10 },
    { amount: 500.01, points: -20 },
    { amount: 2000, points: -20 },
    { amount: 2000.01, points: -30 },
    { amount: 10_000, points: -30 },
    { amount: 10_000.01, points: -40 },
    { amount: 1_000_000, points: -40 },
  ];
  for (const c of cases) {
    test(`${c.amount} yuan: ${c.points}`, () => {
      const d = derive(person, 'person', [step('traffic.fine', t0, { amount: c.amount })]);
      assert.equal(d.entries.length, 1);
      assert.equal(d.entries[0]?.pointsRule, c.points);
      assert.equal(d.entries[0]?.points, c.points);
      assert.equal(rongcheng(d, t0).score, 1000 + c.points);
    });
  }
});

describe('repeat within validity doubles, up to multiplierMax', () => {
  const cases: { name: string; steps: Step[]; points: number[]; multipliers: number[] }[] = [
    {
      name: 'a second warning 10 days later: -5 then -10',
      steps: [step('traffic.warning', t0), step('traffic.warning', at(10))],
      points: [-5, -10],
      multipliers: [1, 2],
    },
    {
      name: 'a second warning 1 ms before the first lapses: doubled',
      steps: [step('traffic.warning', t0), step('traffic.warning', at(365, -1))],
      points: [-5, -10],
      multipliers: [1, 2],
    },
    {
      name: 'a second warning at the instant the first lapses: -5 again',
      steps: [step('traffic.warning', t0), step('traffic.warning', at(365))],
      points: [-5, -5],
      multipliers: [1, 1],
    },
    {
      name: 'a third warning within validity: still -10 (multiplierMax 2)',
      steps: [step('traffic.warning', t0), step('traffic.warning', at(1)), step('traffic.warning', at(2))],
      points: [-5, -10, -10],
      multipliers: [1, 2, 2],
    },
    {
      name: 'a repeat fine doubles the second fine’s own band',
      steps: [step('traffic.fine', t0, { amount: 600 }), step('traffic.fine', at(1), { amount: 300 })],
      points: [-20, -20],
      multipliers: [1, 2],
    },
    {
      name: 'a different offence is not a repeat: warning then smoking',
      steps: [step('traffic.warning', t0), step('public.smoking', at(1))],
      points: [-5, -5],
      multipliers: [1, 1],
    },
    {
      name: 'Jinan leash: -3, -6, -12, then -12 again (multiplierMax 4)',
      steps: [0, 1, 2, 3].map((n) => step('dog.leash_violation', at(n * 30))),
      points: [-3, -6, -12, -12],
      multipliers: [1, 2, 4, 4],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const d = derive(person, 'person', c.steps);
      assert.deepEqual(
        d.entries.map((e) => e.points),
        c.points,
      );
      assert.deepEqual(
        d.entries.map((e) => e.multiplier),
        c.multipliers,
      );
    });
  }

  test('the score after three warnings within validity is 1000 - 5 - 10 - 10', () => {
    const d = derive(
      person,
      'person',
      [0, 1, 2].map((n) => step('traffic.warning', at(n))),
    );
    assert.equal(rongcheng(d, at(2)).score, 975);
  });
});

describe('caps: volunteer +5 up to 50 per 365 days, blood donation +10 up to 40 per 365 days', () => {
  const volunteers = (count: number, startMs: number) =>
    Array.from({ length: count }, (_, i) => step('volunteer.service', startMs + i * hourMs));
  const cases: { name: string; steps: Step[]; points: number[]; capped: number[]; readAtMs: number; score: number }[] =
    [
      {
        name: 'an 11th volunteer service in the window counts 0',
        steps: volunteers(11, t0),
        points: [...Array<number>(10).fill(5), 0],
        capped: [11],
        readAtMs: at(1),
        score: 1050,
      },
      {
        name: 'an 11th service 1 ms before the first leaves the window is still capped',
        steps: [...volunteers(10, t0), step('volunteer.service', at(365, -1))],
        points: [...Array<number>(10).fill(5), 0],
        capped: [11],
        readAtMs: at(365, -1),
        score: 1050,
      },
      {
        name: 'an 11th service at the instant the first leaves the window counts +5',
        steps: [...volunteers(10, t0), step('volunteer.service', at(365))],
        points: Array<number>(11).fill(5),
        capped: [],
        readAtMs: at(365),
        score: 1050,
      },
      {
        name: 'a fifth blood donation within the year counts 0',
        steps: [0, 30, 60, 90, 120].map((n) => step('donation.blood', at(n))),
        points: [10, 10, 10, 10, 0],
        capped: [5],
        readAtMs: at(120),
        score: 1040,
      },
      {
        name: 'four donations a year for two years: 80 points count at once (validity 730 days)',
        steps: [0, 30, 60, 90, 365, 395, 425, 455].map((n) => step('donation.blood', at(n))),
        points: Array<number>(8).fill(10),
        capped: [],
        readAtMs: at(455),
        score: 1080,
      },
    ];
  for (const c of cases) {
    test(c.name, () => {
      const d = derive(person, 'person', c.steps);
      assert.deepEqual(
        d.entries.map((e) => e.points),
        c.points,
      );
      assert.deepEqual(
        d.entries.filter((e) => e.capped).map((e) => e.recordId),
        c.capped,
      );
      assert.equal(rongcheng(d, c.readAtMs).score, c.score);
    });
  }
});

describe('Jinan dog-owner account: 12 points, confiscation at 0 until the course', () => {
  const leashes = [0, 30, 60].map((n) => step('dog.leash_violation', at(n)));

  test('-3, -6, -12 takes the account to 0 and lists the owner at the third record', () => {
    const d = derive(person, 'person', leashes);
    const timeline: { atMs: number; score: number; grade: string; keepDog: Outcome }[] = [
      { atMs: at(0), score: 9, grade: 'OK', keepDog: 'allow' },
      { atMs: at(30), score: 3, grade: 'OK', keepDog: 'allow' },
      { atMs: at(60, -1), score: 3, grade: 'OK', keepDog: 'allow' },
      { atMs: at(60), score: 0, grade: 'ZERO', keepDog: 'deny' },
      { atMs: at(60 + 365, -1), score: 0, grade: 'ZERO', keepDog: 'deny' },
      // The listing is capped at the list's one-year maximum; the points stay at 0 while the entries count.
      { atMs: at(60 + 365), score: 0, grade: 'ZERO', keepDog: 'allow' },
    ];
    for (const row of timeline) {
      const standing = jinan(d, row.atMs);
      assert.equal(standing.score, row.score, `score at day ${(row.atMs - t0) / dayMs}`);
      assert.equal(standing.grade, row.grade);
      assert.equal(outcome(person, 'person', d, row.atMs, 'pet.keep_dog'), row.keepDog);
    }
    assert.deepEqual(d.listings, [
      {
        list: 'dog-confiscation',
        scheme: 'jinan-dog-owners',
        version: 1,
        recordId: 3,
        code: 'dog.leash_violation',
        trigger: 'threshold',
        startMs: at(60),
        endMs: at(60 + 365),
        untilDelisted: true,
        extendedBy: [],
      } satisfies Listing,
    ]);
  });

  test('passing the course delists at that instant and restores 12; the next offence is a first one', () => {
    const d = derive(person, 'person', [
      ...leashes,
      step('dog.course_passed', at(90)),
      step('dog.leash_violation', at(100)),
    ]);
    assert.equal(d.listings.length, 1);
    assert.equal(d.listings[0]?.endMs, at(90));
    assert.equal(d.listings[0]?.endedBy, 4);
    assert.deepEqual(
      d.entries.slice(0, 3).map((e) => [e.untilMs, e.resetBy]),
      [
        [at(90), 4],
        [at(90), 4],
        [at(90), 4],
      ],
    );
    assert.equal(outcome(person, 'person', d, at(90, -1), 'pet.keep_dog'), 'deny');
    assert.equal(outcome(person, 'person', d, at(90), 'pet.keep_dog'), 'allow');
    assert.equal(jinan(d, at(90, -1)).score, 0);
    assert.equal(jinan(d, at(90)).score, 12);
    assert.equal(d.entries[3]?.points, -3);
    assert.equal(d.entries[3]?.multiplier, 1);
    assert.equal(jinan(d, at(100)).score, 9);
  });

  test('a licence not renewed takes all 12 at once and lists the owner', () => {
    const d = derive(person, 'person', [step('dog.licence_not_renewed', t0)]);
    assert.equal(d.entries[0]?.points, -12);
    assert.equal(jinan(d, t0 - 1).score, 12);
    assert.equal(jinan(d, t0).score, 0);
    assert.equal(d.listings.length, 1);
    assert.equal(d.listings[0]?.recordId, 1);
    assert.equal(d.listings[0]?.trigger, 'threshold');
    assert.equal(d.listings[0]?.startMs, t0);
    assert.equal(outcome(person, 'person', d, t0, 'pet.keep_dog'), 'deny');
  });

  test('a leash offence after a lapsed confiscation, still at 0, lists the owner again', () => {
    const d = derive(person, 'person', [...leashes, step('dog.leash_violation', at(60 + 400))]);
    assert.deepEqual(
      d.listings.map((l) => [l.recordId, l.startMs, l.endMs]),
      [
        [3, at(60), at(60 + 365)],
        [4, at(60 + 400), at(60 + 400 + 365)],
      ],
    );
  });
});

describe('court defaulter list', () => {
  const caseA = '(2026)京0105执1号';
  const caseB = '(2026)京0105执2号';

  test('able but refuses: listed until delisted, at most 1825 days; flights denied meanwhile', () => {
    const d = derive(person, 'person', [step('court.defaulter.refuses', t0, { caseRef: caseA })]);
    assert.deepEqual(d.listings, [
      {
        list: 'court-defaulters',
        scheme: 'court-defaulters',
        version: 1,
        recordId: 1,
        code: 'court.defaulter.refuses',
        trigger: 'rule',
        caseRef: caseA,
        startMs: t0,
        endMs: at(1825),
        untilDelisted: true,
        extendedBy: [],
      } satisfies Listing,
    ]);
    const timeline: [number, Outcome][] = [
      [t0 - 1, 'allow'],
      [t0, 'deny'],
      [at(1825, -1), 'deny'],
      [at(1825), 'allow'],
    ];
    for (const [atMs, expected] of timeline)
      assert.equal(outcome(person, 'person', d, atMs, 'travel.flight'), expected);
  });

  const delistings: { name: string; caseRef?: string; endMs: number; endedBy?: number }[] = [
    {
      name: 'performance in the same case ends the listing at that instant',
      caseRef: caseA,
      endMs: at(100),
      endedBy: 2,
    },
    { name: 'performance in another case leaves it', caseRef: caseB, endMs: at(1825) },
    { name: 'performance naming no case ends it', endMs: at(100), endedBy: 2 },
  ];
  for (const c of delistings) {
    test(c.name, () => {
      const d = derive(person, 'person', [
        step('court.defaulter.refuses', t0, { caseRef: caseA }),
        step('court.performance', at(100), c.caseRef === undefined ? {} : { caseRef: c.caseRef }),
      ]);
      assert.equal(d.listings.length, 1);
      assert.equal(d.listings[0]?.endMs, c.endMs);
      assert.equal(d.listings[0]?.endedBy, c.endedBy);
      assert.equal(outcome(person, 'person', d, at(100, -1), 'travel.flight'), 'deny');
      assert.equal(outcome(person, 'person', d, at(100), 'travel.flight'), c.endedBy === undefined ? 'deny' : 'allow');
    });
  }

  test('obstruction: a fixed 730-day listing', () => {
    const d = derive(person, 'person', [step('court.defaulter.obstruction', t0)]);
    assert.equal(d.listings[0]?.endMs, at(730));
    assert.equal(d.listings[0]?.untilDelisted, false);
    assert.equal(outcome(person, 'person', d, at(730, -1), 'travel.flight'), 'deny');
    assert.equal(outcome(person, 'person', d, at(730), 'travel.flight'), 'allow');
  });

  const extensions: { name: string; steps: Step[]; endMs: number; extendedBy: number[] }[] = [
    {
      name: 'one extension adds 365 days to an obstruction listing',
      steps: [step('court.defaulter.obstruction', t0), step('court.defaulter.extension', at(10))],
      endMs: at(1095),
      extendedBy: [2],
    },
    {
      name: 'three extensions reach exactly 1825 days',
      steps: [
        step('court.defaulter.obstruction', t0),
        ...[10, 20, 30].map((n) => step('court.defaulter.extension', at(n))),
      ],
      endMs: at(1825),
      extendedBy: [2, 3, 4],
    },
    {
      name: 'a fourth extension never passes 1825 days from the start',
      steps: [
        step('court.defaulter.obstruction', t0),
        ...[10, 20, 30, 40].map((n) => step('court.defaulter.extension', at(n))),
      ],
      endMs: at(1825),
      extendedBy: [2, 3, 4, 5],
    },
    {
      name: 'an extension of a listing already at its maximum changes nothing but the record of it',
      steps: [step('court.defaulter.refuses', t0), step('court.defaulter.extension', at(10))],
      endMs: at(1825),
      extendedBy: [2],
    },
    {
      name: 'an extension at the instant the listing ended does not revive it',
      steps: [step('court.defaulter.obstruction', t0), step('court.defaulter.extension', at(730))],
      endMs: at(730),
      extendedBy: [],
    },
    {
      name: 'an extension in another case does not extend',
      steps: [
        step('court.defaulter.obstruction', t0, { caseRef: caseA }),
        step('court.defaulter.extension', at(10), { caseRef: caseB }),
      ],
      endMs: at(730),
      extendedBy: [],
    },
  ];
  for (const c of extensions) {
    test(c.name, () => {
      const d = derive(person, 'person', c.steps);
      assert.equal(d.listings.length, 1);
      assert.equal(d.listings[0]?.endMs, c.endMs);
      assert.deepEqual(d.listings[0]?.extendedBy, c.extendedBy);
    });
  }

  test('an organisation is listed too, with no Rongcheng grade (a person-only scheme)', () => {
    const d = derive(organisation, 'organisation', [step('court.defaulter.refuses', t0)]);
    assert.equal(d.listings.length, 1);
    assert.deepEqual(d.grades, []);
    assert.equal(outcome(organisation, 'organisation', d, t0, 'procurement.bid'), 'deny');
  });
});

describe('Rongcheng direct grade D from a defaulter listing', () => {
  const steps = [
    step('award.heroic_act', at(0)),
    step('award.heroic_act', at(1)),
    step('award.heroic_act', at(2)),
    step('court.defaulter.refuses', at(10)),
  ];

  test('sets D for 1825 days while the points say AAA', () => {
    const d = derive(person, 'person', steps);
    assert.deepEqual(d.grades, [
      {
        scheme: 'rongcheng-residents',
        version: 1,
        recordId: 4,
        code: 'court.defaulter.refuses',
        grade: 'D',
        fromMs: at(10),
        untilMs: at(10 + 1825),
      },
    ]);
    const timeline: { atMs: number; score: number; grade: string; source: 'band' | 'direct' }[] = [
      { atMs: at(10, -1), score: 1090, grade: 'AAA', source: 'band' },
      { atMs: at(10), score: 1090, grade: 'D', source: 'direct' },
      { atMs: at(10 + 1825, -1), score: 1000, grade: 'D', source: 'direct' },
      { atMs: at(10 + 1825), score: 1000, grade: 'A', source: 'band' },
    ];
    for (const row of timeline) {
      const standing = rongcheng(d, row.atMs);
      assert.equal(standing.score, row.score);
      assert.equal(standing.grade, row.grade);
      assert.equal(standing.gradeSource, row.source);
    }
    assert.equal(outcome(person, 'person', d, at(10), 'community.award'), 'deny');
    assert.equal(outcome(person, 'person', d, at(10), 'service.green_channel'), 'deny');
  });

  test('performance ends the listing but not the direct grade (it has its own validity)', () => {
    const d = derive(person, 'person', [...steps, step('court.performance', at(20))]);
    assert.equal(d.listings[0]?.endMs, at(20));
    assert.equal(rongcheng(d, at(20)).grade, 'D');
  });
});

describe('conduct bans: rail 180 days, flights 365 days', () => {
  const cases: { code: string; list: string; days: number; denied: string; unaffected: string }[] = [
    {
      code: 'rail.safety.endangered',
      list: 'rail-conduct-ban',
      days: 180,
      denied: 'travel.rail.any',
      unaffected: 'travel.flight',
    },
    {
      code: 'rail.smoking.bullet_train',
      list: 'rail-conduct-ban',
      days: 180,
      denied: 'travel.rail.g_series',
      unaffected: 'travel.flight',
    },
    {
      code: 'aviation.disruption',
      list: 'flight-conduct-ban',
      days: 365,
      denied: 'travel.flight',
      unaffected: 'travel.rail.any',
    },
  ];
  for (const subject of [person, foreigner]) {
    for (const c of cases) {
      test(`${c.code} on ${subject}: ${c.list} for ${c.days} days`, () => {
        const d = derive(subject, 'person', [step(c.code, t0)]);
        assert.deepEqual(
          d.listings.map((l) => [l.list, l.startMs, l.endMs, l.untilDelisted]),
          [[c.list, t0, at(c.days), false]],
        );
        const timeline: [number, Outcome][] = [
          [t0 - 1, 'allow'],
          [t0, 'deny'],
          [at(c.days, -1), 'deny'],
          [at(c.days), 'allow'],
        ];
        for (const [atMs, expected] of timeline) assert.equal(outcome(subject, 'person', d, atMs, c.denied), expected);
        assert.equal(outcome(subject, 'person', d, t0, c.unaffected), 'allow');
      });
    }
  }
});

describe('judging a code: effectiveFrom, unknown codes, subject kinds', () => {
  const cases: {
    name: string;
    code: string;
    kind: SubjectKind;
    atMs: number;
    schemes?: string[];
    problem?: { code: string; field: string };
  }[] = [
    {
      name: '1 ms before effectiveFrom: no rule in force',
      code: 'traffic.warning',
      kind: 'person',
      atMs: effectiveFromMs - 1,
      problem: { code: 'no_rule_in_force', field: 'effectiveAt' },
    },
    {
      name: 'at exactly effectiveFrom: judged',
      code: 'traffic.warning',
      kind: 'person',
      atMs: effectiveFromMs,
      schemes: ['rongcheng-residents'],
    },
    {
      name: 'a defaulter listing of a person: list and direct grade',
      code: 'court.defaulter.refuses',
      kind: 'person',
      atMs: effectiveFromMs,
      schemes: ['court-defaulters', 'rongcheng-residents'],
    },
    {
      name: 'a defaulter listing of an organisation: the list only',
      code: 'court.defaulter.refuses',
      kind: 'organisation',
      atMs: effectiveFromMs,
      schemes: ['court-defaulters'],
    },
    {
      name: 'a defaulter listing of a government body: the list only',
      code: 'court.defaulter.refuses',
      kind: 'government',
      atMs: t0,
      schemes: ['court-defaulters'],
    },
    {
      name: 'an unknown code',
      code: 'speech.online',
      kind: 'person',
      atMs: t0,
      problem: { code: 'unknown_rule_code', field: 'code' },
    },
    {
      name: 'an unknown code before effectiveFrom is still unknown',
      code: 'speech.online',
      kind: 'person',
      atMs: effectiveFromMs - 1,
      problem: { code: 'unknown_rule_code', field: 'code' },
    },
    {
      name: 'a person code on an organisation',
      code: 'traffic.warning',
      kind: 'organisation',
      atMs: t0,
      problem: { code: 'rule_not_for_subject_kind', field: 'subject' },
    },
    {
      name: 'an organisation code on a person',
      code: 'tax.late_payment',
      kind: 'person',
      atMs: t0,
      problem: { code: 'rule_not_for_subject_kind', field: 'subject' },
    },
    {
      name: 'a government code on an organisation',
      code: 'gov.contract_breach',
      kind: 'organisation',
      atMs: t0,
      problem: { code: 'rule_not_for_subject_kind', field: 'subject' },
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const judged = catalogs.judge(c.code, c.kind, c.atMs);
      if (c.problem === undefined) {
        assert(judged.ok, 'judged');
        assert.deepEqual(judged.value.map((a) => a.version.schemeId).sort(), c.schemes);
        for (const a of judged.value) assert.equal(a.rule.code, c.code);
      } else {
        assert(!judged.ok, 'rejected');
        assert.equal(judged.problem.code, c.problem.code);
        assert.equal(judged.problem.field, c.problem.field);
      }
    });
  }

  test('the no_rule_in_force message names the instant', () => {
    const judged = catalogs.judge('traffic.warning', 'person', effectiveFromMs - 1);
    assert(!judged.ok);
    assert.equal(
      judged.problem.message,
      'no catalog version in force at 2025-10-31T23:59:59.999Z has a rule traffic.warning',
    );
  });

  test('a record at exactly effectiveFrom is derived; one 1 ms earlier is a programmer error', () => {
    const d = derive(person, 'person', [step('traffic.warning', effectiveFromMs)]);
    assert.equal(d.entries[0]?.points, -5);
    assert.equal(rongcheng(d, effectiveFromMs).score, 995);
    assert.throws(() => derive(person, 'person', [step('traffic.warning', effectiveFromMs - 1)]), /no rule in force/);
  });

  test('a standing before effectiveFrom reads no scheme', () => {
    assert.deepEqual(standingAt(catalogs, person, 'person', undefined, effectiveFromMs - 1).schemes, []);
  });

  test('a government body is rated under government-commitments', () => {
    const d = derive(government, 'government', [step('gov.contract_breach', t0)]);
    const standing = standingAt(catalogs, government, 'government', d, t0);
    const rating = standing.schemes.find((s) => s.scheme === 'government-commitments')?.points;
    assert.equal(rating?.score, 85);
    assert.equal(rating?.grade, 'good');
  });
});

describe('retraction removes a record’s effects', () => {
  const cases: { name: string; steps: Step[]; check: (d: Derivation) => void }[] = [
    {
      name: 'a retracted warning leaves no entry',
      steps: [step('traffic.warning', t0), step('traffic.warning', t0, { retracts: 1 })],
      check: (d) => {
        assert.deepEqual(d.entries, []);
        assert.equal(rongcheng(d, t0).score, 1000);
      },
    },
    {
      name: 'retracting the first warning makes the second a first offence',
      steps: [
        step('traffic.warning', t0),
        step('traffic.warning', at(10)),
        step('traffic.warning', t0, { retracts: 1 }),
      ],
      check: (d) => {
        assert.deepEqual(
          d.entries.map((e) => [e.recordId, e.points, e.multiplier]),
          [[2, -5, 1]],
        );
        assert.equal(rongcheng(d, at(10)).score, 995);
      },
    },
    {
      name: 'retracting the offence that took the dog account to 0 removes the confiscation',
      steps: [
        ...[0, 30, 60].map((n) => step('dog.leash_violation', at(n))),
        step('dog.leash_violation', at(60), { retracts: 3 }),
      ],
      check: (d) => {
        assert.deepEqual(d.listings, []);
        assert.equal(jinan(d, at(60)).score, 3);
        assert.equal(outcome(person, 'person', d, at(60), 'pet.keep_dog'), 'allow');
      },
    },
    {
      name: 'a retracted defaulter listing leaves neither the listing nor the direct grade',
      steps: [step('court.defaulter.refuses', t0), step('court.defaulter.refuses', t0, { retracts: 1 })],
      check: (d) => {
        assert.deepEqual(d.listings, []);
        assert.deepEqual(d.grades, []);
        assert.equal(outcome(person, 'person', d, t0, 'travel.flight'), 'allow');
      },
    },
    {
      name: 'a retracted blood donation frees its share of the cap',
      steps: [
        ...[0, 1, 2, 3, 4].map((n) => step('donation.blood', at(n))),
        step('donation.blood', at(0), { retracts: 1 }),
      ],
      check: (d) => {
        assert.deepEqual(
          d.entries.map((e) => e.points),
          [10, 10, 10, 10],
        );
        assert.equal(rongcheng(d, at(4)).score, 1040);
      },
    },
  ];
  for (const c of cases) test(c.name, () => c.check(derive(person, 'person', c.steps)));
});

describe('determinism', () => {
  const steps = [
    step('award.heroic_act', at(0)),
    step('traffic.warning', at(1)),
    step('traffic.warning', at(2)),
    step('traffic.fine', at(2), { amount: 2000 }),
    step('dog.leash_violation', at(3)),
    step('court.defaulter.refuses', at(4), { caseRef: 'c-1' }),
    step('court.performance', at(5), { caseRef: 'c-1' }),
    step('traffic.warning', at(2), { retracts: 2 }),
  ];

  test('the same records in any order give the same derivation', () => {
    const facts = factsOf(person, steps);
    const expected = deriveSubject(catalogs, person, 'person', facts);
    const reversed = deriveSubject(catalogs, person, 'person', [...facts].reverse());
    const sorted = deriveSubject(catalogs, person, 'person', [...facts].sort(compareRecords));
    assert.deepEqual(reversed, expected);
    assert.deepEqual(sorted, expected);
    assert.equal(JSON.stringify(reversed), JSON.stringify(expected));
  });

  test('records at the same instant are read in id order', () => {
    const facts = factsOf(person, [step('traffic.warning', t0), step('traffic.warning', t0)]);
    const d = deriveSubject(catalogs, person, 'person', [...facts].reverse());
    assert.deepEqual(
      d.entries.map((e) => [e.recordId, e.points]),
      [
        [1, -5],
        [2, -10],
      ],
    );
  });
});
