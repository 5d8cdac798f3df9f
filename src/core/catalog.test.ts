/**
 * Tests for catalogs: a small valid draft, then one change at a time that must make it invalid, each asserting the
 * stable code, the field and the sentence that names the problem; then which version is in force at an instant
 * and how a new version is checked against the scheme's history.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkPublication,
  parseCatalogDraft,
  versionInForce,
  type CatalogDraft,
  type CatalogVersion,
  type Rule,
} from './catalog.ts';
import { listingTermDaysMax, validityDaysMax } from './constants.ts';

const basis = 'Demo City Social Credit Regulations (2025), art. 12';

function title(en: string) {
  return { 'zh-CN': `示例：${en}`, en };
}

/** A fresh, valid draft: a points scheme with six bands, one black list, five rules, three measures. */
function validDraft(): CatalogDraft {
  return {
    scheme: {
      id: 'demo-city',
      title: title('Demo city credit points'),
      authority: title('Demo City Development and Reform Commission'),
      jurisdiction: '110000',
      model: 'A city points scheme with base 1000 and grades AAA to D (FACTS.md)',
      subjectKinds: ['person', 'organisation'],
      objectionWindowDays: 15,
      objectionReviewWorkingDays: 15,
      disputedStopsCounting: false,
      points: {
        base: 1000,
        min: 0,
        max: 2000,
        grades: [
          { grade: 'AAA', minPoints: 1050 },
          { grade: 'AA', minPoints: 1030 },
          { grade: 'A', minPoints: 960 },
          { grade: 'B', minPoints: 850 },
          { grade: 'C', minPoints: 600 },
          { grade: 'D', minPoints: 0 },
        ],
      },
      thresholds: [],
      lists: [
        {
          id: 'dishonest-debtors',
          title: title('Dishonest judgment debtors'),
          color: 'black',
          maxTermDays: 1095,
          public: true,
          publicationDays: 365,
          legalBasis: basis,
        },
      ],
    },
    effectiveFrom: '2025-01-01T00:00:00+08:00',
    rules: [
      {
        code: 'traffic.drunk-driving',
        title: title('Driving under the influence'),
        category: 'traffic_safety',
        legalBasis: basis,
        agencies: ['traffic-police'],
        effects: [{ kind: 'points', points: -50 }],
        validityDays: 365,
      },
      {
        code: 'tax.arrears',
        title: title('Tax arrears'),
        category: 'tax',
        legalBasis: basis,
        agencies: ['tax-bureau'],
        effects: [
          {
            kind: 'points_by_amount',
            bands: [{ upTo: 10_000, points: -10 }, { upTo: 100_000, points: -30 }, { points: -100 }],
          },
        ],
        validityDays: 730,
      },
      {
        code: 'court.judgment-unperformed',
        title: title('Judgment not performed'),
        category: 'court_judgment',
        legalBasis: basis,
        agencies: ['intermediate-court'],
        effects: [
          { kind: 'grade', grade: 'D' },
          { kind: 'listing', list: 'dishonest-debtors', untilDelisted: true },
        ],
        validityDays: 1095,
      },
      {
        code: 'court.judgment-performed',
        title: title('Judgment performed'),
        category: 'court_judgment',
        legalBasis: basis,
        agencies: ['intermediate-court'],
        effects: [{ kind: 'delisting', list: 'dishonest-debtors' }],
        validityDays: 365,
      },
      {
        code: 'contract.fraud',
        title: title('Contract fraud'),
        category: 'contract_performance',
        legalBasis: basis,
        agencies: ['market-regulator'],
        effects: [
          { kind: 'points', points: -100 },
          { kind: 'listing', list: 'dishonest-debtors', termDays: 1095, untilDelisted: false },
        ],
        validityDays: 1095,
      },
    ],
    measures: [
      {
        id: 'no-high-consumption',
        title: title('Restrictions on high consumption'),
        kind: 'sanction',
        on: { list: 'dishonest-debtors' },
        actions: ['travel.flight', 'travel.rail.g_series', 'hotel.star_rated'],
        legalBasis: basis,
        extendsTo: ['legal_representative', 'responsible_manager'],
      },
      {
        id: 'close-supervision',
        title: title('Closer supervision'),
        kind: 'sanction',
        on: { grades: ['C', 'D'] },
        actions: ['procurement.bid'],
        legalBasis: basis,
        extendsTo: [],
      },
      {
        id: 'green-channel',
        title: title('Green channel'),
        kind: 'incentive',
        on: { grades: ['AAA', 'AA'] },
        actions: ['service.green_channel', 'rental.deposit_free'],
        legalBasis: basis,
        extendsTo: [],
      },
    ],
  };
}

/** The same scheme without points: lists only. */
function listOnlyDraft(): CatalogDraft {
  const draft = validDraft();
  delete draft.scheme.points;
  draft.rules = draft.rules.filter((r) => r.code.startsWith('court.'));
  const unperformed = ruleAt(draft, 0);
  unperformed.effects = unperformed.effects.filter((e) => e.kind === 'listing');
  draft.measures = draft.measures.filter((m) => 'list' in m.on);
  return draft;
}

function ruleAt(draft: CatalogDraft, i: number): Rule {
  const rule = draft.rules[i];
  assert.ok(rule, `rule ${i}`);
  return rule;
}

/** Writes a field with a value its type does not allow: these tests feed the parser wrong shapes on purpose. */
function put(target: object, path: readonly (string | number)[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next: unknown = Reflect.get(node, key);
    assert.ok(typeof next === 'object' && next !== null, `no object at ${String(key)}`);
    node = next;
  }
  const last = path.at(-1);
  assert.ok(last !== undefined);
  // Writing `undefined` leaves the field out, as a draft written by hand would.
  if (value === undefined) Reflect.deleteProperty(node, last);
  else Reflect.set(node, last, value);
}

describe('parseCatalogDraft accepts', () => {
  test('the valid draft, unchanged apart from defaults', () => {
    const draft = validDraft();
    assert.deepEqual(parseCatalogDraft(draft), { ok: true, value: validDraft() });
  });

  test('the valid draft with defaults left out', () => {
    const input = validDraft();
    put(input, ['scheme', 'thresholds'], undefined);
    put(input, ['rules', 2, 'effects', 1, 'untilDelisted'], true);
    put(input, ['rules', 4, 'effects', 1, 'untilDelisted'], undefined);
    put(input, ['measures', 1, 'extendsTo'], undefined);
    put(input, ['measures', 2, 'extendsTo'], undefined);
    assert.deepEqual(parseCatalogDraft(input), { ok: true, value: validDraft() });
  });

  test('a list-only scheme', () => {
    const draft = listOnlyDraft();
    assert.deepEqual(parseCatalogDraft(draft), { ok: true, value: draft });
  });

  const variants: { name: string; change: (d: CatalogDraft) => void }[] = [
    { name: 'validityDays at its maximum', change: (d) => put(d, ['rules', 0, 'validityDays'], validityDaysMax) },
    { name: 'validityDays 1', change: (d) => put(d, ['rules', 0, 'validityDays'], 1) },
    { name: 'termDays equal to the list maximum', change: (d) => put(d, ['rules', 4, 'effects', 1, 'termDays'], 1095) },
    {
      name: 'base at the minimum (the default grade becomes D, so the sanction moves to C)',
      change: (d) => {
        put(d, ['scheme', 'points', 'base'], 0);
        put(d, ['measures', 1, 'on'], { grades: ['C'] });
      },
    },
    { name: 'an incentive on the default grade', change: (d) => put(d, ['measures', 2, 'on'], { grades: ['A'] }) },
    { name: 'base at the maximum', change: (d) => put(d, ['scheme', 'points', 'base'], 2000) },
    {
      name: 'a worst band below the minimum',
      change: (d) => put(d, ['scheme', 'points', 'grades', 5, 'minPoints'], -100),
    },
    {
      name: 'a direct-only grade (no minPoints) after the bands',
      change: (d) => d.scheme.points?.grades.push({ grade: 'E' }),
    },
    {
      name: 'a single points_by_amount band without upTo',
      change: (d) => put(d, ['rules', 1, 'effects', 0, 'bands'], [{ points: -10 }]),
    },
    { name: 'a measure extending to the legal representative only', change: (d) => put(d, ['measures', 0, 'extendsTo'], ['legal_representative']) },
  ]; // prettier-ignore
  for (const { name, change } of variants) {
    test(name, () => {
      const draft = validDraft();
      change(draft);
      const result = parseCatalogDraft(draft);
      assert.ok(result.ok, result.ok ? '' : result.problem.message);
    });
  }

  test('every category in the taxonomy', () => {
    const categories = [
      'court_judgment',
      'financial_obligation',
      'tax',
      'market_regulation',
      'product_safety',
      'food_safety',
      'environment',
      'traffic_safety',
      'public_safety',
      'animal_control',
      'contract_performance',
      'volunteering',
      'donation',
      'award',
    ];
    for (const category of categories) {
      const draft = validDraft();
      put(draft, ['rules', 0, 'category'], category);
      assert.equal(parseCatalogDraft(draft).ok, true, category);
    }
  });
});

interface Rejection {
  name: string;
  draft?: () => CatalogDraft;
  change: (d: CatalogDraft) => void;
  field: string;
  /** A fragment of the message that names the problem (the message always starts with the field). */
  says: string;
}

const categoryMessage = 'category must be one of: court_judgment, financial_obligation, tax,';

const rejections: Rejection[] = [
  // The taxonomy is closed: no protected ground, and no rule without a category.
  {
    name: 'category religion',
    change: (d) => put(d, ['rules', 0, 'category'], 'religion'),
    field: 'rules.0.category',
    says: categoryMessage,
  },
  {
    name: 'category speech',
    change: (d) => put(d, ['rules', 0, 'category'], 'speech'),
    field: 'rules.0.category',
    says: categoryMessage,
  },
  {
    name: 'category petitions',
    change: (d) => put(d, ['rules', 3, 'category'], 'petitions'),
    field: 'rules.3.category',
    says: categoryMessage,
  },
  {
    name: 'category in the wrong case',
    change: (d) => put(d, ['rules', 0, 'category'], 'Tax'),
    field: 'rules.0.category',
    says: categoryMessage,
  },
  {
    name: 'missing category',
    change: (d) => put(d, ['rules', 1, 'category'], undefined),
    field: 'rules.1.category',
    says: categoryMessage,
  },
  // A legal basis on every rule, list and measure.
  {
    name: 'missing legalBasis on a rule',
    change: (d) => put(d, ['rules', 0, 'legalBasis'], undefined),
    field: 'rules.0.legalBasis',
    says: 'expected string',
  },
  {
    name: 'empty legalBasis on a rule',
    change: (d) => put(d, ['rules', 0, 'legalBasis'], ''),
    field: 'rules.0.legalBasis',
    says: 'a legal basis is required',
  },
  {
    name: 'blank legalBasis on a rule',
    change: (d) => put(d, ['rules', 2, 'legalBasis'], '   '),
    field: 'rules.2.legalBasis',
    says: 'a legal basis is required',
  },
  {
    name: 'empty legalBasis on a list',
    change: (d) => put(d, ['scheme', 'lists', 0, 'legalBasis'], ''),
    field: 'scheme.lists.0.legalBasis',
    says: 'a legal basis is required',
  },
  {
    name: 'empty legalBasis on a measure',
    change: (d) => put(d, ['measures', 1, 'legalBasis'], ' '),
    field: 'measures.1.legalBasis',
    says: 'a legal basis is required',
  },
  // Validity is finite.
  {
    name: 'missing validityDays',
    change: (d) => put(d, ['rules', 0, 'validityDays'], undefined),
    field: 'rules.0.validityDays',
    says: 'expected number',
  },
  {
    name: 'validityDays 0',
    change: (d) => put(d, ['rules', 0, 'validityDays'], 0),
    field: 'rules.0.validityDays',
    says: '>0',
  },
  {
    name: 'validityDays negative',
    change: (d) => put(d, ['rules', 0, 'validityDays'], -1),
    field: 'rules.0.validityDays',
    says: '>0',
  },
  {
    name: 'validityDays above the maximum',
    change: (d) => put(d, ['rules', 0, 'validityDays'], validityDaysMax + 1),
    field: 'rules.0.validityDays',
    says: String(validityDaysMax),
  },
  {
    name: 'validityDays infinite',
    change: (d) => put(d, ['rules', 0, 'validityDays'], Infinity),
    field: 'rules.0.validityDays',
    says: 'rules.0.validityDays: ',
  },
  {
    name: 'validityDays fractional',
    change: (d) => put(d, ['rules', 0, 'validityDays'], 1.5),
    field: 'rules.0.validityDays',
    says: 'int',
  },
  // Identity.
  {
    name: 'duplicate rule codes',
    change: (d) => put(d, ['rules', 3, 'code'], 'tax.arrears'),
    field: 'rules',
    says: 'rule code tax.arrears appears twice',
  },
  {
    name: 'duplicate list ids',
    change: (d) => d.scheme.lists.push({ ...(d.scheme.lists[0] ?? assert.fail('list 0')) }),
    field: 'scheme.lists',
    says: 'list dishonest-debtors appears twice',
  },
  {
    name: 'duplicate measure ids',
    change: (d) => put(d, ['measures', 2, 'id'], 'close-supervision'),
    field: 'measures',
    says: 'measure close-supervision appears twice',
  },
  {
    name: 'an unknown top-level key',
    change: (d) => put(d, ['version'], 3),
    field: '',
    says: 'version',
  },
  // Lists.
  {
    name: 'unknown list in a listing effect',
    change: (d) => put(d, ['rules', 2, 'effects', 1, 'list'], 'bad-neighbours'),
    field: 'rules.2.effects.1.list',
    says: 'unknown list bad-neighbours',
  },
  {
    name: 'unknown list in a delisting effect',
    change: (d) => put(d, ['rules', 3, 'effects', 0, 'list'], 'bad-neighbours'),
    field: 'rules.3.effects.0.list',
    says: 'unknown list bad-neighbours',
  },
  {
    name: 'listing with neither termDays nor untilDelisted',
    change: (d) => put(d, ['rules', 2, 'effects', 1, 'untilDelisted'], undefined),
    field: 'rules.2.effects.1',
    says: 'a listing needs a fixed termDays or untilDelisted',
  },
  {
    name: 'listing with untilDelisted false and no termDays',
    change: (d) => put(d, ['rules', 4, 'effects', 1, 'termDays'], undefined),
    field: 'rules.4.effects.1',
    says: 'a listing needs a fixed termDays or untilDelisted',
  },
  {
    name: "termDays beyond the list's maxTermDays",
    change: (d) => put(d, ['rules', 4, 'effects', 1, 'termDays'], 1096),
    field: 'rules.4.effects.1.termDays',
    says: 'term 1096 exceeds the list maximum of 1095 days',
  },
  {
    name: 'termDays beyond the global maximum',
    change: (d) => put(d, ['rules', 4, 'effects', 1, 'termDays'], listingTermDaysMax + 1),
    field: 'rules.4.effects.1.termDays',
    says: String(listingTermDaysMax),
  },
  {
    name: 'threshold on an unknown list',
    change: (d) => put(d, ['scheme', 'thresholds'], [{ atOrBelow: 600, list: 'bad-neighbours' }]),
    field: 'scheme.thresholds.0.list',
    says: 'unknown list bad-neighbours',
  },
  // Measures.
  {
    name: 'measure naming an unknown action',
    change: (d) => put(d, ['measures', 0, 'actions'], ['travel.flight', 'school.enrolment']),
    field: 'measures.0.actions',
    says: 'unknown action school.enrolment',
  },
  {
    name: 'measure on an unknown list',
    change: (d) => put(d, ['measures', 0, 'on'], { list: 'bad-neighbours' }),
    field: 'measures.0.on.list',
    says: 'unknown list bad-neighbours',
  },
  {
    name: 'measure on an unknown grade',
    change: (d) => put(d, ['measures', 1, 'on'], { grades: ['C', 'E'] }),
    field: 'measures.1.on.grades',
    says: 'unknown grade E',
  },
  {
    name: 'measure on grades in a list-only scheme',
    draft: listOnlyDraft,
    change: (d) => put(d, ['measures', 0, 'on'], { grades: ['D'] }),
    field: 'measures.0.on.grades',
    says: 'unknown grade D',
  },
  {
    name: 'sanction on the default grade (the grade of the base points)',
    change: (d) => put(d, ['measures', 1, 'on'], { grades: ['B', 'A'] }),
    field: 'measures.1.on.grades',
    says: 'a sanction on the default grade A would bind everyone without end',
  },
  {
    name: 'sanction on the default grade after the base moves',
    change: (d) => put(d, ['scheme', 'points', 'base'], 700),
    field: 'measures.1.on.grades',
    says: 'a sanction on the default grade C would bind everyone without end',
  },
  {
    name: 'extendsTo on a grade measure',
    change: (d) => put(d, ['measures', 1, 'extendsTo'], ['legal_representative']),
    field: 'measures.1.extendsTo',
    says: 'only a listing extends to',
  },
  {
    name: 'extendsTo family members',
    change: (d) => put(d, ['measures', 0, 'extendsTo'], ['legal_representative', 'family_member']),
    field: 'measures.0.extendsTo.1',
    says: 'expected one of "legal_representative"|"responsible_manager"',
  },
  {
    name: 'extendsTo children',
    change: (d) => put(d, ['measures', 0, 'extendsTo'], ['children']),
    field: 'measures.0.extendsTo.0',
    says: 'expected one of "legal_representative"|"responsible_manager"',
  },
  // Points.
  {
    name: 'grade effect in a list-only scheme',
    draft: listOnlyDraft,
    change: (d) => ruleAt(d, 0).effects.unshift({ kind: 'grade', grade: 'D' }),
    field: 'rules.0.effects.0',
    says: 'a grade effect needs a points scheme',
  },
  {
    name: 'points effect in a list-only scheme',
    draft: listOnlyDraft,
    change: (d) => ruleAt(d, 1).effects.push({ kind: 'points', points: 10 }),
    field: 'rules.1.effects.1',
    says: 'a points effect needs a points scheme',
  },
  {
    name: 'threshold in a list-only scheme',
    draft: listOnlyDraft,
    change: (d) => put(d, ['scheme', 'thresholds'], [{ atOrBelow: 600, list: 'dishonest-debtors' }]),
    field: 'scheme.thresholds.0',
    says: 'thresholds need a points scheme',
  },
  {
    name: 'grade effect naming an unknown grade',
    change: (d) => put(d, ['rules', 2, 'effects', 0, 'grade'], 'E'),
    field: 'rules.2.effects.0.grade',
    says: 'unknown grade E',
  },
  {
    name: 'band minimums equal',
    change: (d) => put(d, ['scheme', 'points', 'grades', 1, 'minPoints'], 1050),
    field: 'scheme.points.grades',
    says: 'band minimums must fall from the best grade to the worst',
  },
  {
    name: 'band minimums rising',
    change: (d) => put(d, ['scheme', 'points', 'grades', 4, 'minPoints'], 900),
    field: 'scheme.points.grades',
    says: 'band minimums must fall from the best grade to the worst',
  },
  {
    name: 'duplicate grade',
    change: (d) => put(d, ['scheme', 'points', 'grades', 1, 'grade'], 'AAA'),
    field: 'scheme.points.grades',
    says: 'grade AAA appears twice',
  },
  {
    name: 'worst band not reaching the minimum',
    change: (d) => put(d, ['scheme', 'points', 'grades', 5, 'minPoints'], 100),
    field: 'scheme.points.grades',
    says: 'the worst band must reach down to the scheme minimum 0',
  },
  {
    name: 'no bands at all',
    change: (d) => put(d, ['scheme', 'points', 'grades'], [{ grade: 'D' }]),
    field: 'scheme.points.grades',
    says: 'the worst band must reach down to the scheme minimum 0',
  },
  {
    name: 'points_by_amount bands out of order',
    change: (d) =>
      put(d, ['rules', 1, 'effects', 0, 'bands'], [{ upTo: 100_000, points: -30 }, { upTo: 10_000, points: -10 }, { points: -100 }]),
    field: 'rules.1.effects.0.bands',
    says: 'band limits must rise',
  },
  {
    name: 'points_by_amount bands with equal limits',
    change: (d) =>
      put(d, ['rules', 1, 'effects', 0, 'bands'], [{ upTo: 10_000, points: -10 }, { upTo: 10_000, points: -30 }, { points: -100 }]),
    field: 'rules.1.effects.0.bands',
    says: 'band limits must rise',
  },
  {
    name: 'points_by_amount last band with upTo',
    change: (d) => put(d, ['rules', 1, 'effects', 0, 'bands'], [{ upTo: 10_000, points: -10 }, { upTo: 100_000, points: -30 }]),
    field: 'rules.1.effects.0.bands',
    says: 'every band but the last has upTo; the last has none',
  },
  {
    name: 'points_by_amount middle band without upTo',
    change: (d) => put(d, ['rules', 1, 'effects', 0, 'bands'], [{ upTo: 10_000, points: -10 }, { points: -30 }, { points: -100 }]),
    field: 'rules.1.effects.0.bands',
    says: 'every band but the last has upTo; the last has none',
  },
  {
    name: 'base above the maximum',
    change: (d) => put(d, ['scheme', 'points', 'base'], 2001),
    field: 'scheme.points',
    says: 'base 2001 must lie within [0, 2000]',
  },
  {
    name: 'base below the minimum',
    change: (d) => put(d, ['scheme', 'points', 'base'], -1),
    field: 'scheme.points',
    says: 'base -1 must lie within [0, 2000]',
  },
  {
    name: 'minimum above the maximum',
    change: (d) => put(d, ['scheme', 'points', 'min'], 2500),
    field: 'scheme.points',
    says: 'base 1000 must lie within [2500, 2000]',
  },
  {
    name: 'repeat multiplierMax below multiplier',
    change: (d) => put(d, ['rules', 0, 'repeat'], { multiplier: 4, multiplierMax: 2 }),
    field: 'rules.0.repeat',
    says: 'multiplierMax must be at least multiplier',
  },
]; // prettier-ignore

describe('parseCatalogDraft rejects', () => {
  for (const { name, draft = validDraft, change, field, says } of rejections) {
    test(name, () => {
      const input = draft();
      change(input);
      const result = parseCatalogDraft(input);
      if (result.ok) assert.fail('expected the draft to be rejected');
      const { code, message } = result.problem;
      assert.equal(code, 'invalid_catalog');
      assert.equal(result.problem.field ?? '', field);
      assert.ok(message.startsWith(`${field || 'catalog'}: `), `message names the field: ${message}`);
      assert.ok(message.includes(says), `message ${JSON.stringify(message)} says ${JSON.stringify(says)}`);
    });
  }
});

const day = 86_400_000;
const t2025 = Date.parse('2025-01-01T00:00:00Z');

function version(n: number, effectiveFromMs: number, publishedAtMs = effectiveFromMs - 30 * day): CatalogVersion {
  return { schemeId: 'demo-city', version: n, publishedAtMs, effectiveFromMs, catalog: validDraft() };
}

describe('versionInForce', () => {
  const v1 = version(1, t2025);
  const v2 = version(2, t2025 + 100 * day);
  const v3 = version(3, t2025 + 200 * day);
  const history = [v1, v2, v3];

  const cases: { name: string; at: number; expected: number | undefined }[] = [
    { name: 'long before any version', at: 0, expected: undefined },
    { name: 'one millisecond before the first', at: t2025 - 1, expected: undefined },
    { name: 'exactly at the first effectiveFrom', at: t2025, expected: 1 },
    { name: 'between the first and second', at: t2025 + 50 * day, expected: 1 },
    { name: 'one millisecond before the second', at: t2025 + 100 * day - 1, expected: 1 },
    { name: 'exactly at the second effectiveFrom', at: t2025 + 100 * day, expected: 2 },
    { name: 'exactly at the third effectiveFrom', at: t2025 + 200 * day, expected: 3 },
    { name: 'long after the last', at: t2025 + 10_000 * day, expected: 3 },
  ];
  for (const { name, at, expected } of cases) {
    test(name, () => {
      assert.equal(versionInForce(history, at)?.version, expected);
      assert.equal(versionInForce([v3, v1, v2], at)?.version, expected, 'order of the history does not matter');
    });
  }

  test('no versions: undefined', () => {
    assert.equal(versionInForce([], t2025), undefined);
  });

  test('a version published later with the same effectiveFrom supersedes the earlier one', () => {
    const v4 = version(4, t2025 + 200 * day);
    assert.equal(versionInForce([v1, v2, v4, v3], t2025 + 200 * day)?.version, 4);
    assert.equal(versionInForce([v4, v3, v2, v1], t2025 + 300 * day)?.version, 4);
  });
});

describe('checkPublication', () => {
  function draftFrom(effectiveFrom: string): CatalogDraft {
    return { ...validDraft(), effectiveFrom };
  }

  test('the first version is number 1 and keeps its instants', () => {
    const draft = draftFrom('2025-01-01T00:00:00+08:00');
    const publishedAtMs = Date.parse('2024-12-01T00:00:00Z');
    assert.deepEqual(checkPublication(draft, [], publishedAtMs), {
      ok: true,
      value: {
        schemeId: 'demo-city',
        version: 1,
        publishedAtMs,
        effectiveFromMs: Date.parse('2024-12-31T16:00:00Z'),
        catalog: draft,
      },
    });
  });

  test('effectiveFrom equal to publication is not retroactive', () => {
    const result = checkPublication(draftFrom('2025-01-01T00:00:00Z'), [], t2025);
    assert.equal(result.ok && result.value.version, 1);
  });

  const rejected: {
    name: string;
    effectiveFrom: string;
    previous: CatalogVersion[];
    publishedAtMs: number;
    code: string;
    says: string;
  }[] = [
    {
      name: 'effectiveFrom before publication',
      effectiveFrom: '2024-12-31T23:59:59.999Z',
      previous: [],
      publishedAtMs: t2025,
      code: 'retroactive_catalog',
      says: 'effectiveFrom 2024-12-31T23:59:59.999Z is before publication',
    },
    {
      name: 'effectiveFrom before publication, written with an offset',
      effectiveFrom: '2025-01-01T07:00:00+08:00',
      previous: [],
      publishedAtMs: t2025,
      code: 'retroactive_catalog',
      says: 'is before publication',
    },
    {
      name: 'retroactive even when it would also be out of order',
      effectiveFrom: '2025-01-01T00:00:00Z',
      previous: [version(1, t2025 + 10 * day)],
      publishedAtMs: t2025 + day,
      code: 'retroactive_catalog',
      says: 'is before publication',
    },
    {
      name: "effectiveFrom before the latest version's effectiveFrom",
      effectiveFrom: '2025-03-01T00:00:00Z',
      previous: [version(1, t2025), version(2, Date.parse('2025-06-01T00:00:00Z'), t2025)],
      publishedAtMs: Date.parse('2025-02-01T00:00:00Z'),
      code: 'catalog_out_of_order',
      says: "effectiveFrom must not precede version 2's 2025-06-01T00:00:00.000Z",
    },
    {
      name: 'out of order against the highest version number, whatever the array order',
      effectiveFrom: '2025-03-01T00:00:00Z',
      previous: [version(2, Date.parse('2025-06-01T00:00:00Z'), t2025), version(1, t2025)],
      publishedAtMs: Date.parse('2025-02-01T00:00:00Z'),
      code: 'catalog_out_of_order',
      says: "version 2's 2025-06-01T00:00:00.000Z",
    },
  ];
  for (const { name, effectiveFrom, previous, publishedAtMs, code, says } of rejected) {
    test(`rejects ${name}`, () => {
      const result = checkPublication(draftFrom(effectiveFrom), previous, publishedAtMs);
      if (result.ok) assert.fail('expected the publication to be rejected');
      assert.equal(result.problem.code, code);
      assert.equal(result.problem.field, 'effectiveFrom');
      assert.ok(result.problem.message.includes(says), result.problem.message);
    });
  }

  test('version numbers count up from 1 across a history', () => {
    const history: CatalogVersion[] = [];
    const starts = [
      '2025-01-01T00:00:00Z',
      '2025-04-01T00:00:00Z',
      '2025-04-01T00:00:00Z',
      '2026-01-01T00:00:00+08:00',
    ];
    for (const [i, effectiveFrom] of starts.entries()) {
      const publishedAtMs = Date.parse(effectiveFrom) - 7 * day;
      const result = checkPublication(draftFrom(effectiveFrom), history, publishedAtMs);
      if (!result.ok) assert.fail(result.problem.message);
      assert.equal(result.value.version, i + 1);
      assert.equal(result.value.effectiveFromMs, Date.parse(effectiveFrom));
      history.push(result.value);
    }
    assert.equal(versionInForce(history, Date.parse('2025-04-01T00:00:00Z'))?.version, 3);
    assert.equal(versionInForce(history, Date.parse('2025-12-31T16:00:00Z'))?.version, 4);
  });
});
