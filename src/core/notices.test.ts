/**
 * Notices keep their facts and render their words on read. The words must be exactly what the register told when
 * it stored them: test/vectors/notices-as-told.json holds notices of the demo city as the code before rendering on
 * read stored them (facts and words), and each must render to the same words from its facts alone.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { demoCatalogSet } from '../../test/support/demo-catalogs.ts';
import { renderNotice, type NoticeDraft, type NoticeFacts } from './notices.ts';

const told = JSON.parse(
  readFileSync(new URL('../../test/vectors/notices-as-told.json', import.meta.url), 'utf8'),
) as NoticeDraft[];

function factsOf(n: NoticeDraft): NoticeFacts {
  const { rule, legalBasis, measures, text, ...facts } = n;
  const { listTitle, ...details } = facts.details;
  return { ...facts, details };
}

describe('renderNotice', () => {
  const catalogs = demoCatalogSet();

  test('renders every kind of stored notice to the words it was told with', () => {
    assert.ok(told.length >= 30, 'the vectors hold notices');
    assert.deepEqual(new Set(told.map((n) => n.kind)).size, 6);
    for (const n of told) assert.deepEqual(renderNotice(catalogs, factsOf(n)), n, `notice of record ${n.recordId}`);
  });

  test('renders a notice stored with its words (before rendering on read) to the same notice', () => {
    for (const n of told) assert.deepEqual(renderNotice(catalogs, n), n);
  });

  test('falls back to the rule code and no legal basis when the cited version is not published here', () => {
    const [first] = told;
    assert.ok(first);
    const orphan = renderNotice(catalogs, { ...factsOf(first), scheme: 'no-such-scheme' });
    assert.deepEqual(orphan.rule, { 'zh-CN': first.code, en: first.code });
    assert.equal(orphan.legalBasis, '');
    assert.deepEqual(orphan.measures, []);
  });

  test('a changed fact changes the words: the evidence and the deadline are read from the facts', () => {
    const adverse = told.find((n) => n.objectionDeadlineMs !== undefined && n.kind === 'points.deducted');
    assert.ok(adverse);
    const later = renderNotice(catalogs, {
      ...factsOf(adverse),
      evidence: 'another/doc/1',
      objectionDeadlineMs: Date.parse('2030-01-31T00:00:00Z'),
    });
    assert.match(later.text.en, /evidence: another\/doc\/1\. You may object until 2030-01-31/);
    assert.match(later.text['zh-CN'], /证据：another\/doc\/1。如有异议，请于2030-01-31前/);
  });
});
