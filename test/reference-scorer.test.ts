/**
 * The test model (STYLE.md): the real scorer (derive.ts, then standing.ts) is checked against the naive reference
 * scorer in support/reference-scorer.ts on seeded random histories, at instants chosen to sit on the edges that
 * matter (the exact instant an entry, a direct grade or a listing ends, the millisecond before, the instant of a
 * record, the day a new catalog version takes effect). A few hand-written scenarios pin the expected numbers, so
 * that the model itself is checked too. Set REFERENCE_SEED to replay one history.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildCatalogSet } from '../src/core/catalog-set.ts';
import {
  validateCatalog,
  type CatalogDraft,
  type CatalogVersion,
  type Effect,
  type Rule,
  type Scheme,
} from '../src/core/catalog.ts';
import { deriveSubject } from '../src/core/derive.ts';
import type { RecordFact } from '../src/core/record.ts';
import { standingAt } from '../src/core/standing.ts';
import {
  referenceDerivation,
  referenceStanding,
  referenceVersionAt,
  sortListings,
  type ReferenceSchemeStanding,
} from './support/reference-scorer.ts';

const dayMs = 86_400_000;
const agency = 'test-agency';
const subject = '11010519491231002X';
const historiesCount = 600;

/* ---------- Catalog builders ---------- */

const title = (text: string) => ({ 'zh-CN': text, en: text });

function rule(code: string, validityDays: number, effects: Effect[], limits: Pick<Rule, 'repeat' | 'cap'> = {}): Rule {
  return {
    code,
    title: title(code),
    category: 'traffic_safety',
    legalBasis: 'Test basis, art. 1',
    agencies: [agency],
    effects,
    validityDays,
    ...limits,
  };
}

const points = (n: number): Effect => ({ kind: 'points', points: n });
const listing = (list: string, termDays?: number): Effect =>
  termDays === undefined
    ? { kind: 'listing', list, untilDelisted: true }
    : { kind: 'listing', list, termDays, untilDelisted: false };

interface SchemeShape {
  readonly id: string;
  readonly subjectKinds: Scheme['subjectKinds'];
  readonly points?: Scheme['points'];
  readonly thresholds?: Scheme['thresholds'];
  readonly lists?: readonly { readonly id: string; readonly maxTermDays: number }[];
}

/** A published version of a test scheme, checked by the real catalog validator so that the model sees legal input. */
function publish(shape: SchemeShape, version: number, effectiveFromMs: number, rules: Rule[]): CatalogVersion {
  const draft: CatalogDraft = {
    scheme: {
      id: shape.id,
      title: title(shape.id),
      authority: title('Test authority'),
      jurisdiction: '110000',
      model: 'A test scheme for the reference scorer.',
      subjectKinds: shape.subjectKinds,
      objectionWindowDays: 15,
      objectionReviewWorkingDays: 15,
      disputedStopsCounting: false,
      ...(shape.points === undefined ? {} : { points: shape.points }),
      thresholds: shape.thresholds ?? [],
      lists: (shape.lists ?? []).map((l) => ({
        id: l.id,
        title: title(l.id),
        color: 'black' as const,
        maxTermDays: l.maxTermDays,
        public: true,
        publicationDays: 365,
        legalBasis: 'Test basis, art. 2',
      })),
    },
    effectiveFrom: new Date(effectiveFromMs).toISOString(),
    rules,
    measures: [],
  };
  const checked = validateCatalog(draft);
  if (!checked.ok) throw new Error(`test catalog ${shape.id} v${version}: ${checked.problem.message}`);
  return {
    schemeId: shape.id,
    version,
    publishedAtMs: effectiveFromMs - 30 * dayMs,
    effectiveFromMs,
    catalog: checked.value,
  };
}

/* ---------- The random-workload catalog ---------- */

const startMs = Date.parse('2021-01-01T00:00:00.000Z');
const v2FromMs = Date.parse('2022-07-01T00:00:00.000Z');
const bonusFromMs = Date.parse('2022-01-01T00:00:00.000Z');
const spanDays = 3 * 365;

const modelV1 = publish(
  {
    id: 'model-points',
    subjectKinds: ['person'],
    points: {
      base: 100,
      min: 0,
      max: 115,
      grades: [
        { grade: 'A', minPoints: 110 },
        { grade: 'B', minPoints: 90 },
        { grade: 'W' },
        { grade: 'C', minPoints: 60 },
        { grade: 'D', minPoints: 0 },
        { grade: 'X' },
      ],
    },
    thresholds: [
      { atOrBelow: 40, list: 'watch' },
      { atOrBelow: 10, list: 'black' },
    ],
    lists: [
      { id: 'watch', maxTermDays: 365 },
      { id: 'black', maxTermDays: 730 },
    ],
  },
  1,
  startMs,
  [
    rule('late', 365, [points(-5)], { repeat: { multiplier: 2, multiplierMax: 8 } }),
    rule('speeding', 180, [points(-4)], {
      repeat: { multiplier: 3, multiplierMax: 9 },
      cap: { points: 15, windowDays: 365 },
    }),
    rule(
      'arrears',
      540,
      [
        {
          kind: 'points_by_amount',
          bands: [{ upTo: 1000, points: -3 }, { upTo: 10000, points: -10 }, { points: -25 }],
        },
      ],
      { cap: { points: 40, windowDays: 365 } },
    ),
    rule('volunteer', 365, [points(8)], { cap: { points: 20, windowDays: 180 } }),
    rule('award', 365, [{ kind: 'points_by_amount', bands: [{ upTo: 100, points: 2 }, { points: 6 }] }]),
    rule('fraud', 730, [points(-30), listing('black', 365)]),
    rule('court', 400, [listing('black'), { kind: 'grade', grade: 'W' }]),
    rule('warn', 200, [{ kind: 'grade', grade: 'W' }]),
    rule('severe', 100, [{ kind: 'grade', grade: 'X' }, points(-10)]),
    rule('amnesty', 1, [{ kind: 'reset' }]),
    rule('extend', 1, [{ kind: 'extension', list: 'black', days: 180 }]),
    rule('extend-watch', 1, [{ kind: 'extension', list: 'watch', days: 90 }]),
    rule('performed', 1, [{ kind: 'delisting', list: 'black' }]),
    rule('cleared', 1, [{ kind: 'delisting', list: 'watch' }]),
    rule('old-only', 60, [points(-2)]),
  ],
);

const modelV2 = publish(
  {
    id: 'model-points',
    subjectKinds: ['person'],
    points: {
      base: 100,
      min: 0,
      max: 125,
      grades: [
        { grade: 'A', minPoints: 120 },
        { grade: 'B', minPoints: 100 },
        { grade: 'W' },
        { grade: 'C', minPoints: 70 },
        { grade: 'D', minPoints: 0 },
        { grade: 'X' },
      ],
    },
    thresholds: [
      { atOrBelow: 50, list: 'watch' },
      { grades: ['X'], list: 'black' },
    ],
    lists: [
      { id: 'watch', maxTermDays: 300 },
      { id: 'black', maxTermDays: 700 },
    ],
  },
  2,
  v2FromMs,
  [
    rule('late', 300, [points(-6)], { repeat: { multiplier: 2, multiplierMax: 4 } }),
    rule('speeding', 200, [points(-5)], {
      repeat: { multiplier: 2, multiplierMax: 16 },
      cap: { points: 20, windowDays: 300 },
    }),
    rule(
      'arrears',
      500,
      [
        {
          kind: 'points_by_amount',
          bands: [{ upTo: 500, points: -2 }, { upTo: 5000, points: -12 }, { points: -30 }],
        },
      ],
      { cap: { points: 50, windowDays: 300 } },
    ),
    rule('volunteer', 300, [points(10)], { cap: { points: 25, windowDays: 200 } }),
    rule('award', 365, [{ kind: 'points_by_amount', bands: [{ upTo: 200, points: 3 }, { points: 5 }] }]),
    rule('fraud', 730, [points(-40), listing('black', 400)]),
    rule('court', 400, [listing('black'), { kind: 'grade', grade: 'W' }]),
    rule('warn', 150, [{ kind: 'grade', grade: 'W' }]),
    rule('severe', 120, [{ kind: 'grade', grade: 'X' }, points(-12)]),
    rule('amnesty', 90, [{ kind: 'reset' }, points(3)]),
    rule('extend', 1, [{ kind: 'extension', list: 'black', days: 200 }]),
    rule('extend-watch', 1, [{ kind: 'extension', list: 'watch', days: 60 }]),
    rule('performed', 1, [{ kind: 'delisting', list: 'black' }]),
    rule('cleared', 1, [{ kind: 'delisting', list: 'watch' }]),
    rule('new-only', 90, [points(-7)]),
  ],
);

/** A second scheme for persons, in force only from 2022, sharing two codes with the first. */
const bonusV1 = publish(
  {
    id: 'model-bonus',
    subjectKinds: ['person'],
    points: {
      base: 0,
      min: -50,
      max: 50,
      grades: [
        { grade: 'good', minPoints: 10 },
        { grade: 'fair', minPoints: -50 },
      ],
    },
  },
  1,
  bonusFromMs,
  [
    rule('late', 400, [points(-1)]),
    rule('volunteer', 365, [points(5)], { repeat: { multiplier: 2, multiplierMax: 4 } }),
  ],
);

/** A scheme for organisations only: it must never appear in a person's standing. */
const organisationV1 = publish(
  {
    id: 'model-organisation',
    subjectKinds: ['organisation'],
    points: { base: 0, min: -100, max: 0, grades: [{ grade: 'z', minPoints: -100 }] },
  },
  1,
  startMs,
  [rule('late', 365, [points(-3)])],
);

const modelVersions: readonly CatalogVersion[] = [modelV1, modelV2, bonusV1, organisationV1];

/** The codes a person's record may carry at an instant: those with a rule in force in some scheme for persons. */
function codesAt(atMs: number): string[] {
  const codes = new Set<string>();
  for (const schemeId of ['model-points', 'model-bonus', 'model-organisation']) {
    const version = referenceVersionAt(modelVersions, schemeId, atMs);
    if (version === undefined || !version.catalog.scheme.subjectKinds.includes('person')) continue;
    for (const r of version.catalog.rules) codes.add(r.code);
  }
  return [...codes].sort();
}

/* ---------- Records, random histories and the two answers ---------- */

interface RecordExtra {
  readonly amount?: number | undefined;
  readonly caseRef?: string | undefined;
  readonly retracts?: number | undefined;
}

function fact(id: number, code: string, effectiveAtMs: number, extra: RecordExtra = {}): RecordFact {
  return {
    id,
    agency,
    agencyRef: `ref-${id}`,
    subject,
    code,
    effectiveAtMs,
    evidence: 'test evidence',
    recordedAtMs: startMs + 6 * 365 * dayMs + id * 1000,
    ...(extra.amount === undefined ? {} : { amount: extra.amount }),
    ...(extra.caseRef === undefined ? {} : { caseRef: extra.caseRef }),
    ...(extra.retracts === undefined ? {} : { retracts: extra.retracts }),
  };
}

/** mulberry32: a small seeded PRNG, returning floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Random {
  int(n: number): number;
  chance(p: number): boolean;
  pick<T>(values: readonly T[]): T;
}

function randomFrom(seed: number): Random {
  const next = mulberry32(seed);
  const int = (n: number) => Math.floor(next() * n);
  return {
    int,
    chance: (p) => next() < p,
    pick<T>(values: readonly T[]): T {
      const value = values[int(values.length)];
      if (value === undefined) throw new Error('pick from an empty list');
      return value;
    },
  };
}

/** Every instant at which something in the history stops counting: entry, direct grade and listing ends. */
function endsOf(versions: readonly CatalogVersion[], records: readonly RecordFact[]): number[] {
  const derivation = referenceDerivation(versions, records, 'person');
  return [
    ...derivation.entries.map((e) => e.untilMs),
    ...derivation.grades.map((g) => g.untilMs),
    ...derivation.listings.map((l) => l.endMs),
  ];
}

const amountsAtEdges = [0, 100, 100.01, 500, 500.01, 1000, 1000.01, 5000, 10000, 10000.01];

/** A random history of 1 to 25 records over three years, with retractions, ties and records on others' edges. */
function generateHistory(seed: number): RecordFact[] {
  const random = randomFrom(seed);
  const count = 1 + random.int(25);
  const records: RecordFact[] = [];
  for (let i = 0; i < count; i++) {
    const roll = random.int(100);
    let atMs: number;
    const ends = roll < 35 && records.length > 0 ? endsOf(modelVersions, records) : [];
    if (roll < 15 && records.length > 0) {
      atMs = random.pick(records).effectiveAtMs;
    } else if (roll < 35 && ends.length > 0) {
      atMs = random.pick(ends);
    } else if (roll < 40) {
      atMs = random.pick([v2FromMs, bonusFromMs, v2FromMs - 1, startMs]);
    } else {
      atMs = startMs + random.int(spanDays) * dayMs + (random.chance(0.5) ? 0 : random.int(dayMs));
    }
    // Half the records carry one of the codes with escalation or a cap, so that those windows fill up.
    const codes = codesAt(atMs);
    const escalating = codes.filter((c) => ['late', 'speeding', 'arrears', 'volunteer'].includes(c));
    const code = random.pick(random.chance(0.5) ? escalating : codes);
    const needsAmount = code === 'arrears' || code === 'award';
    const amount =
      needsAmount || random.chance(0.2)
        ? random.chance(0.5)
          ? random.pick(amountsAtEdges)
          : random.int(2_000_000) / 100
        : undefined;
    const caseRef = random.pick(['c1', 'c2', 'none'] as const);
    // Provisional ids in generation order; they are shuffled below, as backdated records arrive out of order.
    records.push(fact(i + 1, code, atMs, { amount, caseRef: caseRef === 'none' ? undefined : caseRef }));
  }
  const ids = records.map((_, i) => i + 1);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    const a = ids[i] ?? 0;
    ids[i] = ids[j] ?? 0;
    ids[j] = a;
  }
  const shuffled = records.map((r, i) =>
    fact(ids[i] ?? 0, r.code, r.effectiveAtMs, { amount: r.amount, caseRef: r.caseRef }),
  );
  if (random.chance(0.3)) {
    const retractions = 1 + random.int(2);
    for (let j = 0; j < retractions; j++) {
      const target = random.pick(shuffled.filter((r) => r.retracts === undefined));
      shuffled.push(fact(count + j + 1, target.code, target.effectiveAtMs, { retracts: target.id }));
    }
  }
  return shuffled;
}

/** About ten instants per history, most of them on the edges where an off-by-one would show. */
function instantsFor(seed: number, records: readonly RecordFact[]): number[] {
  const random = randomFrom(seed ^ 0x5bd1e995);
  const ends = endsOf(modelVersions, records);
  const starts = records.map((r) => r.effectiveAtMs);
  const anywhere = () => startMs + random.int((spanDays + 400) * dayMs);
  const instants: number[] = [];
  for (let i = 0; i < 4; i++) instants.push(ends.length > 0 ? random.pick(ends) : anywhere());
  for (let i = 0; i < 2; i++) instants.push(ends.length > 0 ? random.pick(ends) - 1 : anywhere());
  for (let i = 0; i < 2; i++) instants.push(random.pick(starts));
  instants.push(anywhere());
  instants.push(random.pick([v2FromMs, v2FromMs - 1, bonusFromMs, startMs - 1, anywhere()]));
  return instants;
}

/** The real system's answer, projected onto the reference's shape. */
function realStanding(
  versions: readonly CatalogVersion[],
  records: readonly RecordFact[],
  atMs: number,
): ReferenceSchemeStanding[] {
  const catalogs = buildCatalogSet(versions);
  const derivation = deriveSubject(catalogs, subject, 'person', records);
  const standing = standingAt(catalogs, subject, 'person', derivation, atMs);
  return standing.schemes
    .map((s) => ({
      scheme: s.scheme,
      ...(s.points === undefined ? {} : { score: s.points.score, grade: s.points.grade }),
      listings: sortListings(
        s.listings.map((l) => ({ list: l.list, recordId: l.recordId, startMs: l.startMs, endMs: l.endMs })),
      ),
    }))
    .sort((a, b) => (a.scheme < b.scheme ? -1 : a.scheme > b.scheme ? 1 : 0));
}

function answers(versions: readonly CatalogVersion[], records: readonly RecordFact[], atMs: number) {
  const expected = referenceStanding(versions, records, 'person', atMs);
  let actual: ReferenceSchemeStanding[] | string;
  try {
    actual = realStanding(versions, records, atMs);
  } catch (error) {
    actual = `threw: ${error instanceof Error ? error.message : String(error)}`;
  }
  return { expected, actual };
}

function agree(versions: readonly CatalogVersion[], records: readonly RecordFact[], atMs: number): boolean {
  const { expected, actual } = answers(versions, records, atMs);
  try {
    assert.deepStrictEqual(actual, expected);
    return true;
  } catch {
    return false;
  }
}

/** Greedily drops records while the disagreement at `atMs` remains: the smallest history that still shows it. */
function minimise(records: readonly RecordFact[], atMs: number): RecordFact[] {
  let current = [...records];
  let shrunk = true;
  while (shrunk) {
    shrunk = false;
    for (let i = 0; i < current.length; i++) {
      const candidate = current.filter((_, j) => j !== i);
      if (!agree(modelVersions, candidate, atMs)) {
        current = candidate;
        shrunk = true;
        break;
      }
    }
  }
  return current;
}

const iso = (ms: number) => `${new Date(ms).toISOString()} (${ms})`;

function describeRecords(records: readonly RecordFact[]): string {
  return [...records]
    .sort((a, b) => a.effectiveAtMs - b.effectiveAtMs || a.id - b.id)
    .map((r) =>
      [
        `  #${r.id} ${r.code} at ${iso(r.effectiveAtMs)}`,
        r.amount === undefined ? '' : ` amount=${r.amount}`,
        r.caseRef === undefined ? '' : ` caseRef=${r.caseRef}`,
        r.retracts === undefined ? '' : ` retracts=#${r.retracts}`,
      ].join(''),
    )
    .join('\n');
}

function report(seed: number, records: readonly RecordFact[], atMs: number): string {
  const { expected, actual } = answers(modelVersions, records, atMs);
  return [
    `seed ${seed}, at ${iso(atMs)}`,
    'records:',
    describeRecords(records),
    `expected (reference): ${JSON.stringify(expected)}`,
    `actual (derive + standing): ${JSON.stringify(actual)}`,
  ].join('\n');
}

/* ---------- Hand-written scenarios ---------- */

const scenarioShape: SchemeShape = {
  id: 'scenario',
  subjectKinds: ['person'],
  points: {
    base: 100,
    min: 0,
    max: 200,
    grades: [
      { grade: 'good', minPoints: 100 },
      { grade: 'ok', minPoints: 0 },
    ],
  },
  lists: [{ id: 'black', maxTermDays: 365 }],
};

const scenarioVersions = [
  publish(scenarioShape, 1, startMs, [
    rule('late', 365, [points(-2)], { repeat: { multiplier: 2, multiplierMax: 8 } }),
    rule('volunteer', 365, [points(8)], { cap: { points: 20, windowDays: 180 } }),
    rule('amnesty', 1, [{ kind: 'reset' }]),
    rule('court', 3650, [listing('black')]),
    rule('fraud', 730, [listing('black', 100)]),
    rule('extend', 1, [{ kind: 'extension', list: 'black', days: 200 }]),
    rule('performed', 1, [{ kind: 'delisting', list: 'black' }]),
  ]),
];

const licenceVersions = [
  publish(
    {
      id: 'licence',
      subjectKinds: ['person'],
      points: {
        base: 12,
        min: 0,
        max: 12,
        grades: [
          { grade: 'full', minPoints: 12 },
          { grade: 'partial', minPoints: 1 },
          { grade: 'none', minPoints: 0 },
        ],
      },
      thresholds: [{ atOrBelow: 0, list: 'suspended' }],
      lists: [{ id: 'suspended', maxTermDays: 180 }],
    },
    1,
    startMs,
    [rule('speeding', 365, [points(-3)]), rule('red-light', 365, [points(-6)])],
  ),
];

const day = (n: number) => startMs + n * dayMs;

/** Both scorers must give exactly the expected standing. */
function expectStanding(
  versions: readonly CatalogVersion[],
  records: readonly RecordFact[],
  atMs: number,
  expected: ReferenceSchemeStanding[],
): void {
  const where = `at ${iso(atMs)}\n${describeRecords(records)}`;
  assert.deepStrictEqual(referenceStanding(versions, records, 'person', atMs), expected, `reference, ${where}`);
  assert.deepStrictEqual(realStanding(versions, records, atMs), expected, `real scorer, ${where}`);
}

const scored = (score: number, listings: ReferenceSchemeStanding['listings'] = []): ReferenceSchemeStanding[] => [
  { scheme: 'scenario', score, grade: score >= 100 ? 'good' : 'ok', listings },
];

describe('reference scorer: hand-written scenarios', () => {
  it('doubles a repeat within the validity of an earlier record, and not after it', () => {
    const records = [
      fact(1, 'late', day(0)),
      fact(2, 'late', day(100)),
      fact(3, 'late', day(365)),
      fact(4, 'late', day(800)),
    ];
    expectStanding(scenarioVersions, records, day(0), scored(98));
    expectStanding(scenarioVersions, records, day(100), scored(94)); // -2 then -4
    expectStanding(scenarioVersions, records, day(365) - 1, scored(94));
    // #1 ends exactly at day 365, so #3 sees only #2 in force: -4, not -8.
    expectStanding(scenarioVersions, records, day(365), scored(92));
    expectStanding(scenarioVersions, records, day(465), scored(96));
    expectStanding(scenarioVersions, records, day(730), scored(100));
    // Nothing in force at day 800: no escalation.
    expectStanding(scenarioVersions, records, day(800), scored(98));
  });

  it('lists at the threshold when the 12th point of a 12-point account is taken', () => {
    const records = [
      fact(1, 'red-light', day(0)),
      fact(2, 'speeding', day(10)),
      fact(3, 'speeding', day(20)),
      fact(4, 'speeding', day(30)),
    ];
    const licence = (score: number, grade: string, listings: ReferenceSchemeStanding['listings'] = []) => [
      { scheme: 'licence', score, grade, listings },
    ];
    const suspension = { list: 'suspended', recordId: 3, startMs: day(20), endMs: day(200) };
    expectStanding(licenceVersions, records, day(0), licence(6, 'partial'));
    expectStanding(licenceVersions, records, day(20) - 1, licence(3, 'partial'));
    expectStanding(licenceVersions, records, day(20), licence(0, 'none', [suspension]));
    // A further record clamps at 0 and does not list again while the listing is in force.
    expectStanding(licenceVersions, records, day(30), licence(0, 'none', [suspension]));
    expectStanding(licenceVersions, records, day(200) - 1, licence(0, 'none', [suspension]));
    expectStanding(licenceVersions, records, day(200), licence(0, 'none'));
    expectStanding(licenceVersions, records, day(365), licence(3, 'partial')); // #1 has ended: 12 - 3 × 3
  });

  it('caps the points of one code within its window', () => {
    const records = [
      fact(1, 'volunteer', day(0)),
      fact(2, 'volunteer', day(10)),
      fact(3, 'volunteer', day(20)),
      fact(4, 'volunteer', day(30)),
      fact(5, 'volunteer', day(190)),
    ];
    expectStanding(scenarioVersions, records, day(10), scored(116));
    expectStanding(scenarioVersions, records, day(20), scored(120)); // 8 + 8 + 4
    expectStanding(scenarioVersions, records, day(30), scored(120)); // the cap is spent: + 0
    // At day 190 the window (day 10, day 190] holds #3 (4) and #4 (0): 16 remain, so #5 gives all 8.
    expectStanding(scenarioVersions, records, day(190), scored(128));
    expectStanding(scenarioVersions, records, day(365), scored(120));
  });

  it('ends every entry in force at a reset, so that escalation starts again', () => {
    const records = [
      fact(1, 'late', day(0)),
      fact(2, 'late', day(10)),
      fact(3, 'amnesty', day(20)),
      fact(4, 'late', day(30)),
      fact(5, 'late', day(40)),
    ];
    expectStanding(scenarioVersions, records, day(20) - 1, scored(94));
    expectStanding(scenarioVersions, records, day(20), scored(100));
    expectStanding(scenarioVersions, records, day(30), scored(98));
    expectStanding(scenarioVersions, records, day(40), scored(94)); // -2, then -4
  });

  it('extends within the list maximum and delists by case', () => {
    const records = [
      fact(1, 'court', day(0), { caseRef: 'c1' }),
      fact(2, 'fraud', day(10), { caseRef: 'c2' }),
      fact(3, 'extend', day(50), { caseRef: 'c2' }),
      fact(4, 'extend', day(60)),
      fact(5, 'performed', day(70), { caseRef: 'c1' }),
    ];
    const court = (endMs: number) => ({ list: 'black', recordId: 1, startMs: day(0), endMs });
    const fraud = (endMs: number) => ({ list: 'black', recordId: 2, startMs: day(10), endMs });
    // A derivation reads the whole history, so each step is shown on the records known up to it.
    expectStanding(scenarioVersions, records.slice(0, 2), day(10), scored(100, [court(day(365)), fraud(day(110))]));
    // With caseRef c2 only the fraud listing is extended: 110 + 200 days.
    expectStanding(scenarioVersions, records.slice(0, 3), day(50), scored(100, [court(day(365)), fraud(day(310))]));
    // Without a caseRef both are extended, each up to its start plus the 365-day maximum.
    expectStanding(scenarioVersions, records.slice(0, 4), day(60), scored(100, [court(day(365)), fraud(day(375))]));
    // The delisting with caseRef c1 ends the court listing only, at its own instant.
    expectStanding(scenarioVersions, records, day(70) - 1, scored(100, [court(day(70)), fraud(day(375))]));
    expectStanding(scenarioVersions, records, day(70), scored(100, [fraud(day(375))]));
    expectStanding(scenarioVersions, records, day(375) - 1, scored(100, [fraud(day(375))]));
    expectStanding(scenarioVersions, records, day(375), scored(100));
  });
});

/* ---------- The random workload ---------- */

describe('reference scorer: random histories', () => {
  it(`agrees with derive + standing on ${historiesCount} seeded histories`, (t) => {
    const only = process.env.REFERENCE_SEED;
    const seeds = only === undefined ? Array.from({ length: historiesCount }, (_, i) => i + 1) : [Number(only)];
    let compared = 0;
    let records = 0;
    const failures: { seed: number; records: RecordFact[]; atMs: number }[] = [];
    for (const seed of seeds) {
      const history = generateHistory(seed);
      records += history.length;
      for (const atMs of instantsFor(seed, history)) {
        compared++;
        if (!agree(modelVersions, history, atMs)) failures.push({ seed, records: history, atMs });
      }
    }
    t.diagnostic(`${seeds.length} histories, ${records} records, ${compared} instants compared`);
    const first = failures[0];
    if (first === undefined) return;
    const smallest = minimise(first.records, first.atMs);
    const seedsFailing = [...new Set(failures.map((f) => f.seed))];
    assert.fail(
      [
        `${failures.length} of ${compared} answers disagree, in ${seedsFailing.length} histories (seeds ${seedsFailing.slice(0, 20).join(', ')}${seedsFailing.length > 20 ? ', ...' : ''}).`,
        'First disagreement, minimised:',
        report(first.seed, smallest, first.atMs),
        'Full history:',
        report(first.seed, first.records, first.atMs),
      ].join('\n'),
    );
  });
});
