/** Tests for the catalog diff: on the demo's real catalogs, one change at a time, and the leaf differences. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { demoVersions } from '../../test/support/demo-catalogs.ts';
import { diffCatalogs, diffValues } from './catalog-diff.ts';
import type { CatalogDraft } from './catalog.ts';

const court = demoVersions().find((v) => v.schemeId === 'court-defaulters')?.catalog;
assert.ok(court, 'the demo has the court defaulter catalog');
const copy = (): CatalogDraft => structuredClone(court);

describe('diffCatalogs', () => {
  test('a catalog compared with itself has no change', () => {
    assert.deepEqual(diffCatalogs(court, copy()), []);
  });

  test('a first version is the scheme, its lists, rules and measures added', () => {
    const changes = diffCatalogs(undefined, court);
    assert.deepEqual(changes[0], { section: 'scheme', id: 'court-defaulters', change: 'added', fields: [] });
    assert.equal(changes.filter((c) => c.section === 'rule').length, court.rules.length);
    assert.equal(changes.filter((c) => c.section === 'measure').length, court.measures.length);
    assert.ok(changes.every((c) => c.change === 'added'));
  });

  test('a changed rule field, an added and a removed rule, a changed list term and a new effective date', () => {
    const next = copy();
    const [first, second] = next.rules;
    assert.ok(first && second);
    first.validityDays += 30;
    first.title = { ...first.title, en: `${first.title.en} (revised)` };
    next.rules = [first, { ...second, code: 'court.new_rule' }, ...next.rules.slice(2)];
    const list = next.scheme.lists[0];
    assert.ok(list);
    list.maxTermDays -= 1;
    next.effectiveFrom = '2027-01-01T00:00:00Z';
    const changes = diffCatalogs(court, next);
    assert.deepEqual(
      changes.find((c) => c.section === 'catalog'),
      {
        section: 'catalog',
        id: 'catalog',
        change: 'changed',
        fields: [{ path: 'effectiveFrom', before: court.effectiveFrom, after: '2027-01-01T00:00:00Z' }],
      },
    );
    const rule = changes.find((c) => c.id === first.code);
    assert.deepEqual(
      rule?.fields.map((f) => f.path),
      ['title.en', 'validityDays'],
    );
    assert.equal(rule.fields[1]?.after, (court.rules[0]?.validityDays ?? 0) + 30);
    assert.deepEqual(changes.find((c) => c.id === 'court.new_rule')?.change, 'added');
    assert.deepEqual(changes.find((c) => c.id === second.code)?.change, 'removed');
    const listChange = changes.find((c) => c.section === 'list');
    assert.deepEqual(listChange?.fields, [
      { path: 'maxTermDays', before: list.maxTermDays + 1, after: list.maxTermDays },
    ]);
    // The scheme's lists are compared one by one, not as a field of the scheme.
    assert.equal(
      changes.find((c) => c.section === 'scheme'),
      undefined,
    );
  });
});

describe('diffValues', () => {
  test('arrays by position, objects by key, absent and undefined alike', () => {
    assert.deepEqual(diffValues({ a: [1, 2], b: { c: 'x' }, d: undefined }, { a: [1, 3, 4], b: { c: 'x', e: true } }), [
      { path: 'a.1', before: 2, after: 3 },
      { path: 'a.2', after: 4 },
      { path: 'b.e', after: true },
    ]);
    assert.deepEqual(diffValues({ a: 1 }, {}), [{ path: 'a', before: 1 }]);
    assert.deepEqual(diffValues('x', 'x'), []);
  });
});
