/**
 * Rate limits per token and route: past its limit a token gets 429 rate_limited with Retry-After, in the usual error shape,
 * and a refused write stores nothing. Other tokens, and reads that are neither decisions nor writes, go on.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, ids, startHarness, type Harness } from './support.ts';

let h: Harness;
before(async () => {
  h = await startHarness({ rateLimits: { decisions: 5, writes: 3, publicPages: 4 } });
});
after(() => h.stop());

const decision = (token: string) =>
  call(h.app, 'GET', `/v1/decisions?subject=${ids.defaulter}&action=travel.flight`, { token });

test('decisions: a token past its limit gets 429 rate_limited with Retry-After; other tokens go on', async () => {
  for (let i = 0; i < 5; i++) assert.equal((await decision(h.tokens.servicePoint)).status, 200);
  const refused = await decision(h.tokens.servicePoint);
  assert.equal(refused.status, 429, refused.text);
  assert.equal((refused.json as { error: { code: string } }).error.code, 'rate_limited');
  const retryAfter = Number(refused.headers['retry-after']);
  assert.ok(retryAfter > 0 && retryAfter <= 60, `retry-after: ${String(refused.headers['retry-after'])}`);
  // The batch endpoint has a count of its own, under the same limit.
  const batch = () =>
    call(h.app, 'POST', '/v1/decisions/batch', {
      token: h.tokens.servicePoint,
      body: { action: 'travel.flight', subjects: [ids.clean] },
    });
  for (let i = 0; i < 5; i++) assert.equal((await batch()).status, 200);
  assert.equal((await batch()).status, 429);
  // Another token has its own count; reads that are not decisions are not limited.
  assert.equal((await decision(h.tokens.reviewer)).status, 200);
  for (let i = 0; i < 8; i++) {
    const read = await call(h.app, 'GET', '/v1/audit/events?limit=1', { token: h.tokens.reviewer });
    assert.equal(read.status, 200);
  }
});

test('writes: past the limit a batch is refused whole and nothing of it is stored', async () => {
  const record = (n: number) => ({
    agencyRef: `RL-${n}`,
    subject: ids.clean2,
    code: 'traffic.fine',
    effectiveAt: '2026-10-01T08:00:00Z',
    evidence: `ticket RL-${n}`,
    amount: 100,
  });
  const post = (n: number) =>
    call(h.app, 'POST', '/v1/records', { token: h.tokens.trafficPolice, body: { records: [record(n)] } });
  for (let n = 1; n <= 3; n++) assert.equal((await post(n)).status, 200);
  const refused = await post(4);
  assert.equal(refused.status, 429, refused.text);
  assert.equal((refused.json as { error: { code: string } }).error.code, 'rate_limited');
  const stored = await h.service.context.store.recordsOf(ids.clean2);
  assert.deepEqual(
    stored.map((r) => r.agencyRef).filter((ref) => ref.startsWith('RL-')),
    ['RL-1', 'RL-2', 'RL-3'],
  );
});

test('public list pages: an address past its limit gets 429, searches included; another address goes on', async () => {
  const page = (query: string, address = '192.0.2.7') =>
    h.app.inject({ method: 'GET', url: `/v1/public/lists/court-defaulters/members${query}`, remoteAddress: address });
  for (const query of ['', '?limit=1', `?subject=${ids.defaulter}`, '?format=csv'])
    assert.equal((await page(query)).statusCode, 200, query);
  const refused = await page(`?subject=${ids.clean}`);
  assert.equal(refused.statusCode, 429, refused.body);
  assert.equal((refused.json() as { error: { code: string } }).error.code, 'rate_limited');
  assert.ok(Number(refused.headers['retry-after']) > 0);
  // The refusal does not echo the identifier searched for.
  assert.ok(!refused.body.includes(ids.clean));
  assert.equal((await page('', '192.0.2.8')).statusCode, 200, 'another address has its own count');
  // Other public pages are not counted.
  for (let i = 0; i < 6; i++)
    assert.equal(
      (await h.app.inject({ method: 'GET', url: '/v1/catalogs', remoteAddress: '192.0.2.7' })).statusCode,
      200,
    );
});
