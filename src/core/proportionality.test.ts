/**
 * The proportionality tests on drafts made from the demo catalogs: a flight ban added to a traffic rule is an
 * unrelated context; the published travel bans and court sanctions are not; terms beyond FACTS.md's ranges and
 * validity or escalation beyond a scheme's published model are found, each naming the rule and the bound.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { demoVersions } from '../../test/support/demo-catalogs.ts';
import { categories, parseCatalogDraft, type CatalogDraft } from './catalog.ts';
import {
  actionsWithoutDomain,
  checkProportionality,
  relatedDomains,
  unrelatedActions,
  yardstick,
} from './proportionality.ts';

const catalogOf = (scheme: string): CatalogDraft => {
  const found = demoVersions().find((v) => v.schemeId === scheme);
  assert.ok(found, scheme);
  return structuredClone(found.catalog);
};

describe('proportionality', () => {
  test('a draft adding a flight ban to a traffic rule is flagged as unrelated-context', () => {
    const draft = catalogOf('conduct-bans');
    draft.rules.push({
      code: 'traffic.licence_suspended',
      title: { 'zh-CN': '暂扣机动车驾驶证', en: 'Driving licence suspended' },
      category: 'traffic_safety',
      legalBasis: 'a test draft',
      agencies: ['traffic-police'],
      effects: [{ kind: 'listing', list: 'flight-conduct-ban', termDays: 365, untilDelisted: false }],
      validityDays: 365,
    });
    assert.ok(parseCatalogDraft(draft).ok, 'the draft is valid: only proportionality finds it');
    const findings = checkProportionality(draft).filter((f) => f.test === 'unrelated_context');
    assert.deepEqual(
      findings.map((f) => [f.rule, f.measure, f.path, f.actions]),
      [['traffic.licence_suspended', 'flight-ban', 'listing', ['travel.flight']]],
    );
    assert.match(findings[0]?.why ?? '', /traffic_safety.*flight-ban.*travel\.flight/);
  });

  test('the published travel bans, court, market, tax and dog sanctions are in related contexts', () => {
    for (const scheme of [
      'conduct-bans',
      'court-defaulters',
      'market-serious-dishonesty',
      'tax-credit',
      'jinan-dog-owners',
    ])
      assert.deepEqual(checkProportionality(catalogOf(scheme)), [], scheme);
  });

  test('a general score that bars community awards for traffic records is named, by the points path', () => {
    const findings = checkProportionality(catalogOf('rongcheng-residents'));
    const traffic = findings.find((f) => f.rule === 'traffic.fine');
    assert.deepEqual(
      [traffic?.test, traffic?.measure, traffic?.path],
      ['unrelated_context', 'no-community-awards', 'points'],
    );
    // The court's direct grade D reaches the same bar directly.
    const court = findings.find((f) => f.rule === 'court.defaulter.refuses');
    assert.equal(court?.path, 'direct_grade');
    // Rewards never lead to a sanction.
    assert.equal(
      findings.find((f) => f.rule === 'award.heroic_act'),
      undefined,
    );
  });

  test('a flight ban longer than the published year, and a court listing beyond 2 years, exceed their ranges', () => {
    const bans = catalogOf('conduct-bans');
    const flight = bans.scheme.lists.find((l) => l.id === 'flight-conduct-ban');
    assert.ok(flight);
    flight.maxTermDays = 730;
    const aviation = bans.rules.find((r) => r.code === 'aviation.disruption');
    assert.ok(aviation);
    aviation.effects = [{ kind: 'listing', list: 'flight-conduct-ban', termDays: 730, untilDelisted: false }];
    const terms = checkProportionality(bans).filter((f) => f.test === 'listing_term');
    assert.deepEqual(
      terms.map((f) => [f.rule, f.value, f.limit]),
      [
        ['aviation.disruption', 730, 365],
        ['aviation.disruption', 730, 365],
      ],
    );
    assert.match(terms[0]?.source ?? '', /flight ban for 1 year/);

    const court = catalogOf('court-defaulters');
    const obstruction = court.rules.find((r) => r.code === 'court.defaulter.obstruction');
    assert.ok(obstruction);
    obstruction.effects = [{ kind: 'listing', list: 'court-defaulters', termDays: 1095, untilDelisted: false }];
    assert.deepEqual(
      checkProportionality(court).map((f) => [f.test, f.rule, f.value, f.limit]),
      [['listing_term', 'court.defaulter.obstruction', 1095, 730]],
    );
  });

  test('validity and escalation beyond the scheme’s published model are found', () => {
    const draft = catalogOf('rongcheng-residents');
    const warning = draft.rules.find((r) => r.code === 'traffic.warning');
    assert.ok(warning);
    warning.validityDays = 730; // a 5-point deduction counts 1 year in Rongcheng
    warning.repeat = { multiplier: 2, multiplierMax: 4 }; // Rongcheng doubles, once
    const found = checkProportionality(draft).filter((f) => f.test !== 'unrelated_context');
    assert.deepEqual(
      found.map((f) => [f.test, f.rule, f.value, f.limit]),
      [
        ['validity', 'traffic.warning', 730, 365],
        ['escalation', 'traffic.warning', 4, 2],
      ],
    );
    // Jinan's escalation beyond its scale: -12 doubled is more than the 12-point account.
    const jinan = catalogOf('jinan-dog-owners');
    const renewal = jinan.rules.find((r) => r.code === 'dog.licence_not_renewed');
    assert.ok(renewal);
    renewal.repeat = { multiplier: 2, multiplierMax: 2 };
    assert.deepEqual(
      checkProportionality(jinan).map((f) => [f.test, f.rule, f.value, f.limit]),
      [['escalation', 'dog.licence_not_renewed', 24, 12]],
    );
  });

  test('the tables cover every action and category, and name the yardstick', () => {
    assert.deepEqual(actionsWithoutDomain(), []);
    assert.deepEqual(Object.keys(relatedDomains).sort(), [...categories].sort());
    assert.deepEqual(unrelatedActions(['court_judgment'], ['travel.flight', 'travel.rail.any']), ['travel.rail.any']);
    assert.match(yardstick.name, /Article 5\(1\)\(c\)/);
  });
});
