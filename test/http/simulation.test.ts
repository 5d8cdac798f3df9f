/**
 * The policy simulator's routes: a draft in the body or the saved draft, the report's shape, one subject side by
 * side, the access log of every subject a response names, and the refusals (role, bad draft, window, no draft,
 * unknown scheme, bad identifier).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CatalogDraft } from '../../src/core/catalog.ts';
import { demoCatalogInputs } from '../support/demo-catalogs.ts';
import { assertError, call, fixedNow, ids, startHarness, type Harness } from './support.ts';

const draftOf = (scheme: string): CatalogDraft => {
  const found = demoCatalogInputs().find((c) => (c as CatalogDraft).scheme.id === scheme);
  assert.ok(found, scheme);
  return structuredClone(found) as CatalogDraft;
};

/** The fined person has 980 points (-20): raising A's minimum to 981 moves them, and only them, to B. */
function bandMoved(): CatalogDraft {
  const draft = draftOf('rongcheng-residents');
  const band = draft.scheme.points?.grades.find((g) => g.grade === 'A');
  assert.ok(band);
  band.minPoints = 981;
  return draft;
}

interface Report {
  changed: number;
  changes: { label: string; subjects: number }[];
  histograms: { scheme: string; grades: { grade: string; before: number; after: number }[] }[];
  sample: { subject: string; district: string; direction: string }[];
  proportionality: { findings: { test: string; rule: string; measure?: string; introduced: boolean }[] };
  window: { from: string | null; to: string };
}

describe('simulation routes', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.stop());

  test('a draft identical to the published catalog reports no change', async () => {
    const answer = await call(h.app, 'POST', '/v1/simulations', {
      token: h.tokens.admin,
      body: draftOf('rongcheng-residents'),
    });
    assert.equal(answer.status, 200, answer.text);
    const report = answer.json as Report;
    assert.equal(report.changed, 0);
    assert.deepEqual(report.changes, []);
    assert.deepEqual(report.window, { from: null, to: fixedNow });
  });

  test('a band moved by one point: the one subject at the boundary, named and logged in its access log', async () => {
    const answer = await call(h.app, 'POST', '/v1/simulations?sample=10', { token: h.tokens.admin, body: bandMoved() });
    assert.equal(answer.status, 200, answer.text);
    const report = answer.json as Report;
    assert.deepEqual(
      report.sample.map((s) => [s.subject, s.direction]),
      [[ids.fined, 'adverse']],
    );
    assert.equal(report.changes.find((c) => c.label === 'rongcheng-residents A -> B')?.subjects, 1);
    const a = report.histograms.find((x) => x.scheme === 'rongcheng-residents')?.grades.find((g) => g.grade === 'A');
    assert.ok(a && a.before - a.after === 1);
    await h.service.decisionLog.flush();
    const log = await call(h.app, 'GET', `/v1/subjects/${ids.fined}/access-log`, { token: h.tokens.reviewer });
    const entries = (log.json as { accessLog: { what: string }[] }).accessLog.map((e) => e.what);
    assert.ok(entries.includes('read /v1/simulations'), entries.join('; '));
  });

  test('a flight ban on a traffic rule is flagged as unrelated-context, as the draft’s own', async () => {
    const draft = draftOf('conduct-bans');
    draft.rules.push({
      code: 'traffic.fine',
      title: { 'zh-CN': '交通违法罚款', en: 'Traffic fine' },
      category: 'traffic_safety',
      legalBasis: 'a test draft',
      agencies: ['traffic-police'],
      effects: [{ kind: 'listing', list: 'flight-conduct-ban', termDays: 365, untilDelisted: false }],
      validityDays: 365,
    });
    const answer = await call(h.app, 'POST', '/v1/simulations', { token: h.tokens.admin, body: draft });
    assert.equal(answer.status, 200, answer.text);
    const report = answer.json as Report & {
      proportionality: { unrelatedApplied: { measure: string; subjects: number }[] };
    };
    const finding = report.proportionality.findings.find((f) => f.test === 'unrelated_context');
    assert.deepEqual([finding?.rule, finding?.measure, finding?.introduced], ['traffic.fine', 'flight-ban', true]);
    assert.deepEqual(
      report.proportionality.unrelatedApplied.map((u) => [u.measure, u.subjects]),
      [['flight-ban', 1]],
    );
  });

  test('the saved draft, and one subject of it side by side', async () => {
    const saved = await call(h.app, 'PUT', '/v1/catalogs/rongcheng-residents/draft', {
      token: h.tokens.admin,
      body: bandMoved(),
    });
    assert.equal(saved.status, 200, saved.text);
    const answer = await call(h.app, 'POST', '/v1/catalogs/rongcheng-residents/draft/simulation', {
      token: h.tokens.admin,
    });
    assert.equal(answer.status, 200, answer.text);
    assert.equal((answer.json as Report).changed, 1);

    const one = await call(h.app, 'GET', `/v1/catalogs/rongcheng-residents/draft/simulation/subjects/${ids.fined}`, {
      token: h.tokens.admin,
    });
    assert.equal(one.status, 200, one.text);
    type Side = {
      standing: { schemes: { scheme: string; points?: { grade: string } }[] };
      records: { code: string }[];
    };
    const body = one.json as { subject: string; changes: string[]; before: Side; after: Side };
    const grade = (s: Side) => s.standing.schemes.find((x) => x.scheme === 'rongcheng-residents')?.points?.grade;
    assert.deepEqual([body.subject, grade(body.before), grade(body.after)], [ids.fined, 'A', 'B']);
    assert.deepEqual(body.changes, ['rongcheng-residents A -> B']);
    assert.deepEqual(
      body.after.records.map((r) => r.code),
      ['traffic.fine'],
    );
  });

  test('refusals: role, bad draft, window, no draft, unknown scheme, bad identifier', async () => {
    const asReviewer = await call(h.app, 'POST', '/v1/simulations', { token: h.tokens.reviewer, body: bandMoved() });
    assert.equal(asReviewer.status, 403);
    assert.equal((asReviewer.json as { error: { code: string } }).error.code, 'forbidden_role');
    assert.equal((await call(h.app, 'POST', '/v1/simulations', { body: bandMoved() })).status, 401);

    const bad = bandMoved() as unknown as { rules: { legalBasis: string }[] };
    const first = bad.rules[0];
    assert.ok(first);
    first.legalBasis = '';
    const invalid = await call(h.app, 'POST', '/v1/simulations', { token: h.tokens.admin, body: bad });
    assert.equal(invalid.status, 422);
    assert.equal((invalid.json as { error: { code: string; field: string } }).error.field, 'rules.0.legalBasis');

    const inverted = await call(h.app, 'POST', '/v1/simulations?from=2026-06-01T00:00:00Z&to=2026-01-01T00:00:00Z', {
      token: h.tokens.admin,
      body: bandMoved(),
    });
    assertError(inverted, 400, 'invalid_range', 'from must be before to', 'from');
    const badInstant = await call(h.app, 'POST', '/v1/simulations?to=yesterday', {
      token: h.tokens.admin,
      body: bandMoved(),
    });
    assert.equal((badInstant.json as { error: { code: string } }).error.code, 'invalid_instant');

    const noDraft = await call(h.app, 'POST', '/v1/catalogs/civic-honours/draft/simulation', { token: h.tokens.admin });
    assertError(noDraft, 404, 'no_draft', 'scheme civic-honours has no saved draft');
    const unknown = await call(h.app, 'POST', '/v1/catalogs/no-such-scheme/draft/simulation', {
      token: h.tokens.admin,
    });
    assert.equal((unknown.json as { error: { code: string } }).error.code, 'unknown_scheme');

    const badSubject = await call(
      h.app,
      'GET',
      '/v1/catalogs/rongcheng-residents/draft/simulation/subjects/110105194912310021',
      { token: h.tokens.admin },
    );
    assert.equal(badSubject.status, 400);
    assert.equal((badSubject.json as { error: { field: string } }).error.field, 'subject');
  });
});
