/**
 * Tests for decisions and standings with the real demo catalogs: which measure decides (a sanction beats an
 * incentive; an incentive-only action is denied by default), how far an organisation's listing reaches (its
 * recorded legal representative or responsible manager, only while the relation holds, only for measures that say
 * so), until when a measure applies, which catalog versions a decision cites, and that the same input gives the
 * same output. Then `validateRecordInput`: each way a submitted record is refused, with its code and field.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { demoCatalogSet, demoVersions } from '../../test/support/demo-catalogs.ts';
import type { Outcome } from './actions.ts';
import { buildCatalogSet, builtOf, type CatalogSet } from './catalog-set.ts';
import { parseCatalogDraft, type CatalogVersion } from './catalog.ts';
import { dayMs } from './constants.ts';
import { decide, type Decision, type DecisionReason } from './decide.ts';
import { deriveSubject, type Derivation } from './derive.ts';
import type { SubjectKind } from './identifiers.ts';
import { validateRecordInput, type RecordFact, type RecordInput } from './record.ts';
import { standingAt, type Relation, type Role } from './standing.ts';

const catalogs = demoCatalogSet();
const effectiveFromMs = Date.parse('2025-11-01T00:00:00Z');
const t0 = Date.parse('2026-01-05T08:00:00Z');
const hourMs = 3_600_000;
const at = (days: number, ms = 0) => t0 + days * dayMs + ms;

const person = '11010519491231002X';
const spouse = '360426199101010071';
const foreigner = 'passport:DEU:C01X00T47';
const organisation = '91110108551385082Q';
const government = '11110000MB0138740B';

const agencyByCode = new Map<string, string>();
for (const v of demoVersions()) {
  for (const rule of v.catalog.rules)
    if (!agencyByCode.has(rule.code)) agencyByCode.set(rule.code, rule.agencies[0] ?? '');
}

interface Step {
  readonly code: string;
  readonly atMs: number;
  readonly caseRef?: string;
}

const step = (code: string, atMs: number, caseRef?: string): Step =>
  caseRef === undefined ? { code, atMs } : { code, atMs, caseRef };

function factsOf(subject: string, steps: readonly Step[]): RecordFact[] {
  return steps.map((s, i) => ({
    id: i + 1,
    agency: agencyByCode.get(s.code) ?? 'test-agency',
    agencyRef: `ref-${i + 1}`,
    subject,
    code: s.code,
    effectiveAtMs: s.atMs,
    recordedAtMs: s.atMs + hourMs,
    evidence: `evidence for record ${i + 1}`,
    ...(s.caseRef === undefined ? {} : { caseRef: s.caseRef }),
  }));
}

function derive(subject: string, kind: SubjectKind, steps: readonly Step[], set: CatalogSet = catalogs): Derivation {
  return deriveSubject(set, subject, kind, factsOf(subject, steps));
}

interface Ask {
  readonly subject: string;
  readonly kind: SubjectKind;
  readonly derivation: Derivation | undefined;
  readonly atMs: number;
  readonly action: string;
  readonly related?: readonly { readonly relation: Relation; readonly derivation: Derivation }[];
  readonly set?: CatalogSet;
}

function decideAt(ask: Ask): Decision {
  const set = ask.set ?? catalogs;
  const standing = standingAt(set, ask.subject, ask.kind, ask.derivation, ask.atMs, ask.related ?? []);
  const decision = decide(standing, ask.action);
  assert(decision.ok, `decide ${ask.action}`);
  return decision.value;
}

const title = (en: string) => ({ 'zh-CN': en, en });

/**
 * A test catalog that withdraws the green channel: the demo catalogs name no action both as a sanction and as an
 * incentive, so this one adds the conflict on top of them.
 */
function greenChannelBanVersion(): CatalogVersion {
  const parsed = parseCatalogDraft({
    scheme: {
      id: 'test-green-channel-bans',
      title: title('Green channel withdrawn'),
      authority: title('City Civil Affairs Bureau'),
      jurisdiction: '110000',
      model: 'A test scheme: a listing that withdraws the green channel.',
      subjectKinds: ['person'],
      objectionWindowDays: 15,
      objectionReviewWorkingDays: 15,
      disputedStopsCounting: false,
      lists: [
        {
          id: 'green-channel-ban',
          title: title('Green channel withdrawn'),
          color: 'black',
          maxTermDays: 100,
          public: true,
          publicationDays: 100,
          legalBasis: 'Test basis, art. 1',
        },
      ],
    },
    effectiveFrom: '2025-11-01T00:00:00Z',
    rules: [
      {
        code: 'test.green_channel_abuse',
        title: title('Green channel abused'),
        category: 'public_safety',
        legalBasis: 'Test basis, art. 2',
        agencies: ['civil-affairs'],
        effects: [{ kind: 'listing', list: 'green-channel-ban', termDays: 100 }],
        validityDays: 100,
      },
    ],
    measures: [
      {
        id: 'green-channel-withdrawn',
        title: title('Green channel withdrawn'),
        kind: 'sanction',
        on: { list: 'green-channel-ban' },
        actions: ['service.green_channel'],
        legalBasis: 'Test basis, art. 3',
      },
    ],
  });
  assert(parsed.ok, parsed.ok ? '' : parsed.problem.message);
  return {
    schemeId: 'test-green-channel-bans',
    version: 1,
    publishedAtMs: Date.parse('2025-10-01T00:00:00Z'),
    effectiveFromMs,
    catalog: parsed.value,
  };
}

describe('which measure decides', () => {
  const withBan = buildCatalogSet([...demoVersions(), greenChannelBanVersion()]);
  const honoured = derive(
    person,
    'person',
    [step('honour.star_volunteer', at(0)), step('test.green_channel_abuse', at(10))],
    withBan,
  );

  const timeline: { atMs: number; outcome: Outcome; measures: string[] }[] = [
    { atMs: at(10, -1), outcome: 'allow', measures: ['honours-incentives'] },
    { atMs: at(10), outcome: 'deny', measures: ['green-channel-withdrawn', 'honours-incentives'] },
    { atMs: at(110, -1), outcome: 'deny', measures: ['green-channel-withdrawn', 'honours-incentives'] },
    { atMs: at(110), outcome: 'allow', measures: ['honours-incentives'] },
    { atMs: at(365), outcome: 'deny', measures: [] },
  ];
  for (const row of timeline) {
    test(`sanction beats incentive: green channel at day ${(row.atMs - t0) / dayMs} is ${row.outcome}`, () => {
      const decision = decideAt({
        subject: person,
        kind: 'person',
        derivation: honoured,
        atMs: row.atMs,
        action: 'service.green_channel',
        set: withBan,
      });
      assert.equal(decision.outcome, row.outcome);
      // Sanctions come first among the reasons; the incentive stays as context.
      assert.deepEqual(
        decision.reasons.map((r) => r.measure),
        row.measures,
      );
    });
  }

  const defaults: { action: string; outcome: Outcome }[] = [
    { action: 'service.green_channel', outcome: 'deny' },
    { action: 'rental.deposit_free', outcome: 'deny' },
    { action: 'inspection.exempt', outcome: 'deny' },
    { action: 'travel.flight', outcome: 'allow' },
    { action: 'community.award', outcome: 'allow' },
    { action: 'pet.keep_dog', outcome: 'allow' },
  ];
  for (const c of defaults) {
    test(`a person with nothing recorded: ${c.action} is ${c.outcome} by default, with no reasons`, () => {
      const decision = decideAt({ subject: person, kind: 'person', derivation: undefined, atMs: t0, action: c.action });
      assert.equal(decision.outcome, c.outcome);
      assert.deepEqual(decision.reasons, []);
    });
  }

  test('a civic-honours member is allowed the green channel, with the listing as the reason', () => {
    const d = derive(person, 'person', [step('honour.star_volunteer', at(0))]);
    const decision = decideAt({
      subject: person,
      kind: 'person',
      derivation: d,
      atMs: at(1),
      action: 'service.green_channel',
    });
    assert.equal(decision.outcome, 'allow');
    assert.deepEqual(decision.reasons, [
      {
        measure: 'honours-incentives',
        kind: 'incentive',
        title: { 'zh-CN': '守信激励措施', en: 'Incentives for the honoured' },
        scheme: 'civic-honours',
        version: 1,
        legalBasis: '国发〔2016〕33号 第三部分 (守信联合激励)',
        because: {
          list: 'civic-honours',
          recordId: 1,
          code: 'honour.star_volunteer',
          ruleVersion: 1,
          untilDelisted: false,
        },
        untilMs: at(365),
      } satisfies DecisionReason,
    ]);
  });

  test('an AA resident is allowed the green channel because of the grade, until the grade lapses', () => {
    const d = derive(person, 'person', [step('award.heroic_act', at(0))]);
    const decision = decideAt({
      subject: person,
      kind: 'person',
      derivation: d,
      atMs: at(1),
      action: 'service.green_channel',
    });
    assert.equal(decision.outcome, 'allow');
    assert.deepEqual(
      decision.reasons.map((r) => [r.measure, r.because, r.untilMs]),
      [['community-benefits', { grade: 'AA' }, at(1095)]],
    );
    const after = decideAt({
      subject: person,
      kind: 'person',
      derivation: d,
      atMs: at(1095),
      action: 'service.green_channel',
    });
    assert.equal(after.outcome, 'deny');
  });

  test('an unknown action is refused with unknown_action', () => {
    const standing = standingAt(catalogs, person, 'person', undefined, t0);
    assert.deepEqual(decide(standing, 'travel.teleport'), {
      ok: false,
      problem: { code: 'unknown_action', message: 'unknown action travel.teleport', field: 'action' },
    });
  });
});

describe('an organisation’s listing reaches its recorded legal representative and responsible manager only', () => {
  const listedOrganisation = derive(organisation, 'organisation', [step('court.defaulter.refuses', at(0), 'c-1')]);
  const relation = (role: Role, fromMs: number, untilMs?: number, who = person): Relation =>
    untilMs === undefined
      ? { organisation, person: who, role, fromMs }
      : { organisation, person: who, role, fromMs, untilMs };
  const askAt = at(10);

  const cases: {
    name: string;
    subject: string;
    relations: Relation[];
    action: string;
    outcome: Outcome;
    via?: { organisation: string; role: Role };
    untilMs?: number;
  }[] = [
    {
      name: 'legal representative: flights denied, via the organisation',
      subject: person,
      relations: [relation('legal_representative', at(-100))],
      action: 'travel.flight',
      outcome: 'deny',
      via: { organisation, role: 'legal_representative' },
      untilMs: at(1825),
    },
    {
      name: 'responsible manager: star hotels denied, via the organisation',
      subject: person,
      relations: [relation('responsible_manager', at(-100))],
      action: 'hotel.star_rated',
      outcome: 'deny',
      via: { organisation, role: 'responsible_manager' },
      untilMs: at(1825),
    },
    {
      name: 'joint sanctions (no extendsTo) do not reach the legal representative',
      subject: person,
      relations: [relation('legal_representative', at(-100))],
      action: 'procurement.bid',
      outcome: 'allow',
    },
    {
      name: 'visa consequences (no extendsTo) do not reach a foreign legal representative',
      subject: foreigner,
      relations: [relation('legal_representative', at(-100), undefined, foreigner)],
      action: 'visa.issue',
      outcome: 'allow',
    },
    {
      name: 'a person with no recorded relation is not affected',
      subject: person,
      relations: [],
      action: 'travel.flight',
      outcome: 'allow',
    },
    {
      name: 'no family extension: the legal representative’s spouse is not affected',
      subject: spouse,
      relations: [relation('legal_representative', at(-100))],
      action: 'travel.flight',
      outcome: 'allow',
    },
    {
      name: 'a relation that ended 1 ms before the instant does not extend',
      subject: person,
      relations: [relation('legal_representative', at(-100), askAt - 1)],
      action: 'travel.flight',
      outcome: 'allow',
    },
    {
      name: 'a relation that ends at the instant does not extend',
      subject: person,
      relations: [relation('legal_representative', at(-100), askAt)],
      action: 'travel.flight',
      outcome: 'allow',
    },
    {
      name: 'a relation that ends 1 ms after the instant extends, until the relation ends',
      subject: person,
      relations: [relation('legal_representative', at(-100), askAt + 1)],
      action: 'travel.flight',
      outcome: 'deny',
      via: { organisation, role: 'legal_representative' },
      untilMs: askAt + 1,
    },
    {
      name: 'a relation that starts after the instant does not extend',
      subject: person,
      relations: [relation('legal_representative', askAt + 1)],
      action: 'travel.flight',
      outcome: 'allow',
    },
    {
      name: 'a relation that starts at the instant extends',
      subject: person,
      relations: [relation('legal_representative', askAt)],
      action: 'travel.flight',
      outcome: 'deny',
      via: { organisation, role: 'legal_representative' },
      untilMs: at(1825),
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const decision = decideAt({
        subject: c.subject,
        kind: 'person',
        derivation: undefined,
        atMs: askAt,
        action: c.action,
        related: c.relations.map((r) => ({ relation: r, derivation: listedOrganisation })),
      });
      assert.equal(decision.outcome, c.outcome);
      if (c.via === undefined) {
        assert.deepEqual(decision.reasons, []);
      } else {
        assert.deepEqual(
          decision.reasons.map((r) => [r.measure, r.via, r.untilMs, r.because]),
          [
            [
              'high-consumption-restrictions',
              c.via,
              c.untilMs,
              {
                list: 'court-defaulters',
                recordId: 1,
                code: 'court.defaulter.refuses',
                ruleVersion: 1,
                untilDelisted: true,
              },
            ],
          ],
        );
      }
    });
  }

  test('once the organisation performs, its legal representative may fly again from that instant', () => {
    const performed = derive(organisation, 'organisation', [
      step('court.defaulter.refuses', at(0), 'c-1'),
      step('court.performance', at(20), 'c-1'),
    ]);
    const related = [{ relation: relation('legal_representative', at(-100)), derivation: performed }];
    const ask = { subject: person, kind: 'person', derivation: undefined, action: 'travel.flight', related } as const;
    const before = decideAt({ ...ask, atMs: at(20, -1) });
    assert.equal(before.outcome, 'deny');
    assert.equal(before.reasons[0]?.untilMs, at(20));
    assert.equal(decideAt({ ...ask, atMs: at(20) }).outcome, 'allow');
  });

  const market: { role: Role; outcome: Outcome }[] = [
    { role: 'legal_representative', outcome: 'deny' },
    { role: 'responsible_manager', outcome: 'allow' },
  ];
  for (const c of market) {
    test(`a market serious-dishonesty listing reaches the ${c.role}: procurement ${c.outcome}`, () => {
      const listed = derive(organisation, 'organisation', [step('market.licence_revoked', at(0))]);
      const decision = decideAt({
        subject: person,
        kind: 'person',
        derivation: undefined,
        atMs: askAt,
        action: 'procurement.bid',
        related: [{ relation: relation(c.role, at(-100)), derivation: listed }],
      });
      assert.equal(decision.outcome, c.outcome);
    });
  }
});

describe('until when a measure applies', () => {
  test('for a listing: the listing’s end, after extension', () => {
    const d = derive(person, 'person', [
      step('court.defaulter.obstruction', at(0)),
      step('court.defaulter.extension', at(10)),
    ]);
    const decision = decideAt({
      subject: person,
      kind: 'person',
      derivation: d,
      atMs: at(11),
      action: 'travel.flight',
    });
    assert.equal(decision.outcome, 'deny');
    assert.deepEqual(
      decision.reasons.map((r) => [r.measure, r.untilMs]),
      [['high-consumption-restrictions', at(1095)]],
    );
  });

  test('for a listing ended by performance: the instant of performance', () => {
    const d = derive(person, 'person', [
      step('court.defaulter.refuses', at(0), 'c-1'),
      step('court.performance', at(30), 'c-1'),
    ]);
    const decision = decideAt({ subject: person, kind: 'person', derivation: d, atMs: at(1), action: 'travel.flight' });
    assert.equal(decision.reasons[0]?.untilMs, at(30));
  });

  const grades: { name: string; steps: Step[]; askAtMs: number; grade: string; untilMs: number }[] = [
    {
      name: 'C from deductions: when the deductions lapse, skipping a lapse that leaves it in C',
      // -100 (until day 730), -60 (until day 830), -5 (until day 565): 835 C; 840 C at day 565; 940 B at day 730.
      steps: [
        step('public.violence_officials', at(0)),
        step('traffic.licence_suspended', at(100)),
        step('traffic.warning', at(200)),
      ],
      askAtMs: at(200),
      grade: 'C',
      untilMs: at(730),
    },
    {
      name: 'D from deductions: through C (still barred) to B',
      // 595 D; 600 C at day 371 (the warning lapses); 700 C at day 730; 900 B at day 731.
      steps: [
        step('public.violence_officials', at(0)),
        step('public.violence_officials', at(1)),
        step('utility.theft', at(2)),
        step('traffic.licence_suspended', at(3)),
        step('donation.blood', at(4)),
        step('donation.blood', at(5)),
        step('traffic.warning', at(6)),
      ],
      askAtMs: at(6),
      grade: 'D',
      untilMs: at(731),
    },
    {
      name: 'direct D from a defaulter listing: when the direct grade lapses',
      steps: [step('court.defaulter.refuses', at(0))],
      askAtMs: at(1),
      grade: 'D',
      untilMs: at(1825),
    },
  ];
  for (const c of grades) {
    test(`for a grade, ${c.name}`, () => {
      const d = derive(person, 'person', c.steps);
      const decision = decideAt({
        subject: person,
        kind: 'person',
        derivation: d,
        atMs: c.askAtMs,
        action: 'community.award',
      });
      assert.equal(decision.outcome, 'deny');
      assert.deepEqual(decision.reasons, [
        {
          measure: 'no-community-awards',
          kind: 'sanction',
          title: { 'zh-CN': '不得参加社区评优（C级及以下）', en: 'No community awards for C and below' },
          scheme: 'rongcheng-residents',
          version: 1,
          legalBasis: '荣成市社会信用信息管理办法 (modelled), C and below barred from community awards',
          because: { grade: c.grade },
          untilMs: c.untilMs,
        } satisfies DecisionReason,
      ]);
      const ask = { subject: person, kind: 'person', derivation: d, action: 'community.award' } as const;
      assert.equal(decideAt({ ...ask, atMs: c.untilMs - 1 }).outcome, 'deny');
      assert.equal(decideAt({ ...ask, atMs: c.untilMs }).outcome, 'allow');
    });
  }
});

describe('until when a measure applies, read at a past instant', () => {
  // -100 at day 0, -60 at day 1: 840 C. A heroic act at day 100: 870 B. Violence again at day 200 (doubled, -200):
  // 670 C. The first deductions lapse at days 730 and 731 (770, 830: C); the doubled one at day 930 (1030 AA).
  const d = derive(person, 'person', [
    step('public.violence_officials', at(0)),
    step('traffic.licence_suspended', at(1)),
    step('award.heroic_act', at(100)),
    step('public.violence_officials', at(200)),
  ]);
  const ask = { subject: person, kind: 'person', derivation: d, action: 'community.award' } as const;

  test('the grade leaves C at day 100, so a measure read at day 50 applies until day 100', () => {
    assert.equal(decideAt({ ...ask, atMs: at(100, -1) }).outcome, 'deny');
    assert.equal(decideAt({ ...ask, atMs: at(100) }).outcome, 'allow');
    const decision = decideAt({ ...ask, atMs: at(50) });
    assert.equal(decision.outcome, 'deny');
    // Like a listing's end, which already counts later delisting and extension records, the grade's end should
    // count the later record that lifts it. Without later records it would be day 730; day 930 is neither.
    assert.equal(decision.reasons[0]?.untilMs, at(100));
  });
});

describe('the catalog versions a decision cites', () => {
  const personSchemes = [
    'civic-honours',
    'conduct-bans',
    'court-defaulters',
    'jinan-dog-owners',
    'rongcheng-residents',
  ];
  const cases: { name: string; subject: string; kind: SubjectKind; atMs: number; schemes: string[] }[] = [
    { name: 'a person', subject: person, kind: 'person', atMs: t0, schemes: personSchemes },
    { name: 'a foreigner', subject: foreigner, kind: 'person', atMs: t0, schemes: personSchemes },
    {
      name: 'an organisation',
      subject: organisation,
      kind: 'organisation',
      atMs: t0,
      schemes: ['court-defaulters', 'market-serious-dishonesty', 'tax-credit'],
    },
    {
      name: 'a government body',
      subject: government,
      kind: 'government',
      atMs: t0,
      schemes: ['court-defaulters', 'government-commitments'],
    },
    { name: 'anyone before effectiveFrom', subject: person, kind: 'person', atMs: effectiveFromMs - 1, schemes: [] },
  ];
  for (const c of cases) {
    test(`${c.name}: ${c.schemes.join(', ') || 'none'}`, () => {
      const decision = decideAt({
        subject: c.subject,
        kind: c.kind,
        derivation: undefined,
        atMs: c.atMs,
        action: 'travel.flight',
      });
      assert.deepEqual(
        decision.catalogVersions,
        c.schemes.map((scheme) => ({ scheme, version: 1 })),
      );
      assert.equal(decision.subject, c.subject);
      assert.equal(decision.atMs, c.atMs);
    });
  }

  test('every reason cites a scheme version the decision lists, also one reached through an organisation', () => {
    const listed = derive(organisation, 'organisation', [step('market.licence_revoked', at(0))]);
    const decision = decideAt({
      subject: person,
      kind: 'person',
      derivation: undefined,
      atMs: at(10),
      action: 'procurement.bid',
      related: [
        { relation: { organisation, person, role: 'legal_representative', fromMs: at(-100) }, derivation: listed },
      ],
    });
    assert.equal(decision.outcome, 'deny');
    assert.deepEqual(
      decision.reasons.map((r) => [r.scheme, r.version]),
      [['market-serious-dishonesty', 1]],
    );
    for (const r of decision.reasons) {
      assert(
        decision.catalogVersions.some((v) => v.scheme === r.scheme && v.version === r.version),
        `reason ${r.measure} cites ${r.scheme} v${r.version}, which catalogVersions does not list`,
      );
    }
  });
});

describe('determinism', () => {
  test('the same input gives deep-equal standings and decisions', () => {
    const steps = [
      step('award.heroic_act', at(0)),
      step('traffic.warning', at(1)),
      step('court.defaulter.obstruction', at(2), 'c-1'),
      step('dog.licence_not_renewed', at(3)),
    ];
    const orgSteps = [step('court.defaulter.refuses', at(0))];
    const run = () => {
      const d = deriveSubject(catalogs, person, 'person', factsOf(person, steps));
      const org = deriveSubject(catalogs, organisation, 'organisation', factsOf(organisation, orgSteps));
      const related = [
        {
          relation: { organisation, person, role: 'legal_representative', fromMs: at(-1) } satisfies Relation,
          derivation: org,
        },
      ];
      const standing = standingAt(catalogs, person, 'person', d, at(4), related);
      const decisions = ['travel.flight', 'pet.keep_dog', 'community.award', 'service.green_channel'].map((a) =>
        decide(standing, a),
      );
      return { standing, decisions };
    };
    const first = run();
    const second = run();
    assert.deepEqual(second, first);
    assert.equal(JSON.stringify(second), JSON.stringify(first));
    // Independent catalog sets built from the same files give the same answer too.
    const rebuilt = buildCatalogSet(demoVersions());
    const d = deriveSubject(rebuilt, person, 'person', factsOf(person, steps));
    assert.deepEqual(
      decide(standingAt(rebuilt, person, 'person', d, at(4)), 'pet.keep_dog'),
      decide(standingAt(catalogs, person, 'person', d, at(4)), 'pet.keep_dog'),
    );
  });
});

test('builtOf tells a catalog set built of exactly these versions from one missing or holding another', () => {
  const versions = demoVersions();
  const set = buildCatalogSet(versions);
  assert.equal(builtOf(set, versions), true);
  assert.equal(builtOf(set, [...versions].reverse()), true, 'in any order');
  assert.equal(builtOf(set, versions.slice(1)), false, 'one version fewer');
  assert.equal(builtOf(set, [...versions, greenChannelBanVersion()]), false, 'one more');
  const other = versions.map((v, i) => (i === 0 ? { ...v, version: v.version + 1 } : v));
  assert.equal(builtOf(set, other), false, 'as many, one of them another');
});

describe('validateRecordInput', () => {
  const nowMs = Date.parse('2026-01-06T00:00:00Z');
  const valid: RecordInput = {
    agency: 'traffic-police',
    agencyRef: 'TP-2026-000001',
    subject: '11010519491231002x',
    code: 'traffic.warning',
    effectiveAt: '2026-01-05T08:00:00Z',
    evidence: 'Ticket 000001, camera 17',
  };

  test('a valid record gives a canonical draft and its rule applications', () => {
    const result = validateRecordInput({ ...valid, agency: ' traffic-police ', caseRef: '' }, catalogs, nowMs);
    assert(result.ok, result.ok ? '' : result.problem.message);
    assert.deepEqual(result.value.draft, {
      agency: 'traffic-police',
      agencyRef: 'TP-2026-000001',
      subject: person,
      code: 'traffic.warning',
      effectiveAtMs: t0,
      evidence: 'Ticket 000001, camera 17',
    });
    assert.equal(result.value.subject.kind, 'person');
    assert.deepEqual(
      result.value.applications.map((a) => a.version.schemeId),
      ['rongcheng-residents'],
    );
  });

  const accepted: { name: string; input: RecordInput; check: (draft: Record<string, unknown>) => void }[] = [
    {
      name: 'effectiveAt exactly now',
      input: { ...valid, effectiveAt: '2026-01-06T00:00:00Z' },
      check: (draft) => assert.equal(draft.effectiveAtMs, nowMs),
    },
    {
      name: 'effectiveAt exactly at the catalogs’ effectiveFrom',
      input: { ...valid, effectiveAt: '2025-11-01T00:00:00Z' },
      check: (draft) => assert.equal(draft.effectiveAtMs, effectiveFromMs),
    },
    {
      name: 'a fine with its amount as text',
      input: { ...valid, code: 'traffic.fine', amount: '500.01' },
      check: (draft) => assert.equal(draft.amount, 500.01),
    },
    {
      name: 'a court record with a case reference, on an organisation',
      input: {
        ...valid,
        agency: 'city-court',
        code: 'court.defaulter.refuses',
        subject: organisation,
        caseRef: ' c-1 ',
      },
      check: (draft) => {
        assert.equal(draft.caseRef, 'c-1');
        assert.equal(draft.subject, organisation);
      },
    },
    {
      name: 'a passport, written in lower case',
      input: { ...valid, agency: 'civil-aviation', code: 'aviation.disruption', subject: 'passport:deu:c01x00t47' },
      check: (draft) => assert.equal(draft.subject, foreigner),
    },
  ];
  for (const c of accepted) {
    test(`accepts ${c.name}`, () => {
      const result = validateRecordInput(c.input, catalogs, nowMs);
      assert(result.ok, result.ok ? '' : result.problem.message);
      c.check({ ...result.value.draft });
    });
  }

  const rejected: { name: string; input: RecordInput; code: string; field: string; message?: string }[] = [
    ...(['agency', 'agencyRef', 'subject', 'code', 'effectiveAt', 'evidence'] as const).map((field) => ({
      name: `${field} missing`,
      input: { ...valid, [field]: undefined },
      code: 'missing_field',
      field,
      message: `${field} is required`,
    })),
    {
      name: 'agency blank',
      input: { ...valid, agency: '   ' },
      code: 'missing_field',
      field: 'agency',
    },
    {
      name: 'everything missing: agency is named first',
      input: {},
      code: 'missing_field',
      field: 'agency',
    },
    {
      name: 'a resident ID with a wrong check character',
      input: { ...valid, subject: '110105194912310021' },
      code: 'invalid_resident_id',
      field: 'subject',
      message: 'check character is 1 but the first 17 digits call for X',
    },
    {
      name: 'a USCC with a wrong check character',
      input: { ...valid, subject: '91110108551385082R' },
      code: 'invalid_uscc',
      field: 'subject',
      message: 'check character is R but the first 17 characters call for Q',
    },
    {
      name: 'a passport with an unknown nationality',
      input: { ...valid, subject: 'passport:XXX:C01X00T47' },
      code: 'invalid_passport',
      field: 'subject',
      message: 'nationality XXX is not an ISO 3166-1 alpha-3 country code',
    },
    {
      name: 'an identifier of no known kind',
      input: { ...valid, subject: 'Zhang San' },
      code: 'invalid_subject',
      field: 'subject',
    },
    {
      name: 'an invalid subject is named before an unknown code',
      input: { ...valid, subject: '110105194912310021', code: 'speech.online' },
      code: 'invalid_resident_id',
      field: 'subject',
    },
    {
      name: 'effectiveAt not an instant',
      input: { ...valid, effectiveAt: '05/01/2026' },
      code: 'invalid_instant',
      field: 'effectiveAt',
    },
    {
      name: 'effectiveAt 1 ms after now',
      input: { ...valid, effectiveAt: '2026-01-06T00:00:00.001Z' },
      code: 'effective_in_future',
      field: 'effectiveAt',
      message: 'effectiveAt 2026-01-06T00:00:00.001Z is after now (2026-01-06T00:00:00.000Z)',
    },
    {
      name: 'effectiveAt 1 ms before the catalogs’ effectiveFrom',
      input: { ...valid, effectiveAt: '2025-10-31T23:59:59.999Z' },
      code: 'no_rule_in_force',
      field: 'effectiveAt',
    },
    {
      name: 'evidence too long',
      input: { ...valid, evidence: 'x'.repeat(513) },
      code: 'too_long',
      field: 'evidence',
    },
    {
      name: 'an agency outside its remit (a court reporting a traffic warning)',
      input: { ...valid, agency: 'city-court' },
      code: 'outside_remit',
      field: 'code',
      message: 'agency city-court may not report rule traffic.warning',
    },
    {
      name: 'an agency outside its remit (traffic police listing a defaulter)',
      input: { ...valid, code: 'court.defaulter.refuses' },
      code: 'outside_remit',
      field: 'code',
    },
    {
      name: 'an agency that does not exist',
      input: { ...valid, agency: 'ministry-of-truth' },
      code: 'outside_remit',
      field: 'code',
    },
    {
      name: 'an unknown code',
      input: { ...valid, code: 'speech.online' },
      code: 'unknown_rule_code',
      field: 'code',
    },
    {
      name: 'a person rule on an organisation',
      input: { ...valid, subject: organisation },
      code: 'rule_not_for_subject_kind',
      field: 'subject',
    },
    {
      name: 'a fine without an amount',
      input: { ...valid, code: 'traffic.fine' },
      code: 'amount_required',
      field: 'amount',
      message: 'rule traffic.fine scores by amount; give amount in yuan',
    },
    {
      name: 'a fine with an empty amount',
      input: { ...valid, code: 'traffic.fine', amount: '' },
      code: 'amount_required',
      field: 'amount',
    },
    {
      // Blank text is missing everywhere else (requiredText trims); Number(' ') is 0, which would score -10.
      name: 'a fine with a blank amount',
      input: { ...valid, code: 'traffic.fine', amount: ' ' },
      code: 'amount_required',
      field: 'amount',
    },
    {
      // From a JSON line: Number(true) is 1 and Number([]) is 0; neither is an amount in yuan.
      name: 'an amount that is a boolean',
      input: { ...valid, code: 'traffic.fine', amount: true },
      code: 'invalid_amount',
      field: 'amount',
    },
    {
      name: 'an amount that is an array',
      input: { ...valid, code: 'traffic.fine', amount: [] },
      code: 'invalid_amount',
      field: 'amount',
    },
    {
      name: 'a negative amount',
      input: { ...valid, code: 'traffic.fine', amount: -1 },
      code: 'invalid_amount',
      field: 'amount',
    },
    {
      name: 'an amount that is not a number',
      input: { ...valid, code: 'traffic.fine', amount: '500 yuan' },
      code: 'invalid_amount',
      field: 'amount',
    },
  ];
  for (const c of rejected) {
    test(`refuses ${c.name}: ${c.code} on ${c.field}`, () => {
      const result = validateRecordInput(c.input, catalogs, nowMs);
      assert(!result.ok, 'rejected');
      assert.equal(result.problem.code, c.code);
      assert.equal(result.problem.field, c.field);
      if (c.message !== undefined) assert.equal(result.problem.message, c.message);
    });
  }
});
