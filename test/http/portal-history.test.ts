/**
 * GET /v1/subjects/{subject}/history: the standing's steps per points scheme, for staff and for the subject itself.
 * The harness's court defaulter (CC-1, court.defaulter.refuses, 2026-03-01) drops to a direct D in Rongcheng's
 * resident points; a subject with no records stands at base from the day the catalogs took effect. Bad instants
 * and ranges are 400s naming the field; another subject's token is refused, and every read is in the access log.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import { assertError, call, fixedNow, ids, parseBody, startHarness, type Harness } from './support.ts';

const history = z.object({
  subject: z.string(),
  from: z.string(),
  to: z.string(),
  schemes: z.array(
    z.object({
      scheme: z.string(),
      steps: z.array(
        z.strictObject({
          at: z.string(),
          version: z.number().int().optional(),
          score: z.number().optional(),
          grade: z.string().optional(),
          gradeSource: z.enum(['band', 'direct']).optional(),
        }),
      ),
    }),
  ),
});

/** Every demo catalog takes effect then (test/support/demo-catalogs.ts). */
const catalogsEffectiveFrom = '2025-11-01T00:00:00.000Z';

let h: Harness;
let own: string;
let other: string;

before(async () => {
  h = await startHarness();
  const token = async (name: string) => {
    const created = await call(h.app, 'POST', '/v1/tokens', {
      token: h.tokens.admin,
      body: { role: 'subject', name, scope: [] },
    });
    assert.equal(created.status, 201, created.text);
    return (created.json as { token: string }).token;
  };
  own = await token(ids.defaulter);
  other = await token(ids.defaulter2);
});
after(() => h.stop());

const url = (subject: string, query = '') => `/v1/subjects/${subject}/history${query}`;
const rongcheng = (body: z.infer<typeof history>) => body.schemes.find((s) => s.scheme === 'rongcheng-residents');

describe('standing history', () => {
  test('a court defaulter’s own token sees the resident score fall to a direct D on the day of the record', async () => {
    const answer = await call(h.app, 'GET', url(ids.defaulter), { token: own });
    assert.equal(answer.status, 200, answer.text);
    const body = parseBody(answer, history);
    assert.equal(body.subject, ids.defaulter);
    // Default stretch: the last two years to now.
    assert.equal(body.to, fixedNow);
    assert.equal(body.from, '2024-11-22T00:00:00.000Z');
    assert.deepEqual(rongcheng(body)?.steps, [
      { at: catalogsEffectiveFrom, version: 1, score: 1000, grade: 'A', gradeSource: 'band' },
      { at: '2026-03-01T00:00:00.000Z', version: 1, score: 1000, grade: 'D', gradeSource: 'direct' },
    ]);
    // The court's list has no points: it is not a scheme with a history.
    assert.ok(!body.schemes.some((s) => s.scheme === 'court-defaulters'));
  });

  test('a stretch of its own: from and to are honoured, and a stretch inside the D grade starts at D', async () => {
    const answer = await call(h.app, 'GET', url(ids.defaulter, '?from=2026-06-01T00:00:00Z&to=2026-07-01T00:00:00Z'), {
      token: h.tokens.reviewer,
    });
    const body = parseBody(answer, history);
    assert.equal(body.from, '2026-06-01T00:00:00.000Z');
    assert.equal(body.to, '2026-07-01T00:00:00.000Z');
    assert.deepEqual(rongcheng(body)?.steps, [
      { at: '2026-06-01T00:00:00.000Z', version: 1, score: 1000, grade: 'D', gradeSource: 'direct' },
    ]);
  });

  test('a subject with no records stands at base in every scheme of its kind', async () => {
    const body = parseBody(await call(h.app, 'GET', url(ids.clean), { token: h.tokens.admin }), history);
    assert.deepEqual(rongcheng(body)?.steps, [
      { at: catalogsEffectiveFrom, version: 1, score: 1000, grade: 'A', gradeSource: 'band' },
    ]);
    for (const scheme of body.schemes) assert.equal(scheme.steps.length, 1, scheme.scheme);
    const company = parseBody(await call(h.app, 'GET', url(ids.cleanCompany), { token: h.tokens.admin }), history);
    assert.ok(company.schemes.length > 0);
    assert.ok(!company.schemes.some((s) => s.scheme === 'rongcheng-residents'), 'resident points are for persons');
  });

  test('a bad instant, a reversed range and one too long are 400s naming the field', async () => {
    const as = { token: h.tokens.reviewer };
    const badFrom = await call(h.app, 'GET', url(ids.defaulter, '?from=yesterday'), as);
    assertError(
      badFrom,
      400,
      'invalid_instant',
      'from must be an ISO 8601 instant such as 2026-03-01T08:00:00Z, not "yesterday"',
      'from',
    );
    const badTo = await call(h.app, 'GET', url(ids.defaulter, '?to=2026-02-30T00:00:00Z'), as);
    assertError(badTo, 400, 'invalid_instant', 'to "2026-02-30T00:00:00Z" is not a real date and time', 'to');
    const reversed = await call(
      h.app,
      'GET',
      url(ids.defaulter, '?from=2026-05-01T00:00:00Z&to=2026-04-01T00:00:00Z'),
      as,
    );
    assertError(reversed, 400, 'invalid_range', 'from must not be after to', 'from');
    const long = await call(h.app, 'GET', url(ids.defaulter, '?from=2010-01-01T00:00:00Z'), as);
    assertError(long, 400, 'range_too_long', 'a history spans at most 3650 days', 'from');
    const badSubject = await call(h.app, 'GET', url('110105194912310021'), as);
    assert.equal(badSubject.status, 400);
    assert.equal((badSubject.json as { error: { field?: string } }).error.field, 'subject');
  });

  test('another subject’s token, an agency and no token are refused', async () => {
    const refused = await call(h.app, 'GET', url(ids.defaulter), { token: other });
    assert.equal(refused.status, 403);
    assert.equal((refused.json as { error: { code: string } }).error.code, 'not_your_data');
    assert.ok(!refused.text.includes(ids.defaulter));
    const agency = await call(h.app, 'GET', url(ids.defaulter), { token: h.tokens.cityCourt });
    assert.equal((agency.json as { error: { code: string } }).error.code, 'forbidden_role');
    assert.equal((await call(h.app, 'GET', url(ids.defaulter))).status, 401);
  });

  test('every read of the history is in the subject’s access log', async () => {
    await call(h.app, 'GET', url(ids.fined), { token: h.tokens.reviewer });
    const log = await call(h.app, 'GET', `/v1/subjects/${ids.fined}/access-log`, { token: h.tokens.reviewer });
    const entries = (log.json as { accessLog: { actor: string; what: string }[] }).accessLog;
    assert.ok(
      entries.some((e) => e.actor === 'reviewer-1' && e.what === 'read /v1/subjects/:subject/history'),
      JSON.stringify(entries),
    );
  });
});
