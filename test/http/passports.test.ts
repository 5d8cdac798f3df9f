/** POST /v1/subjects/{subject}/passports: an administrator links a citizen's passport; checks by it reach the person. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, ids, startHarness, type Harness } from './support.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.stop());

test('linking makes a check by passport answer for the listed person at once; conflicts and bad input are refused', async () => {
  const passport = 'passport:CHN:E55556666';
  const ask = () =>
    call(h.app, 'GET', `/v1/decisions?subject=${passport}&action=travel.flight`, { token: h.tokens.servicePoint });
  assert.equal(((await ask()).json as { outcome: string }).outcome, 'allow');
  const linked = await call(h.app, 'POST', `/v1/subjects/${ids.defaulter}/passports`, {
    token: h.tokens.admin,
    body: { passport },
  });
  assert.equal(linked.status, 201, linked.text);
  assert.deepEqual(linked.json, { subject: ids.defaulter, passport });
  const after = (await ask()).json as { outcome: string; subject: string };
  assert.equal(after.outcome, 'deny');
  assert.equal(after.subject, ids.defaulter);
  const again = await call(h.app, 'POST', `/v1/subjects/${ids.clean}/passports`, {
    token: h.tokens.admin,
    body: { passport },
  });
  assert.equal(again.status, 409);
  assert.equal((again.json as { error: { code: string } }).error.code, 'passport_linked');
  const foreign = await call(h.app, 'POST', `/v1/subjects/${ids.clean}/passports`, {
    token: h.tokens.admin,
    body: { passport: 'passport:DEU:C01X00T47' },
  });
  assert.equal(foreign.status, 422);
  const bad = await call(h.app, 'POST', `/v1/subjects/${ids.clean}/passports`, {
    token: h.tokens.admin,
    body: { passport: 'passport:CHN:!' },
  });
  assert.equal(bad.status, 400);
  const reviewer = await call(h.app, 'POST', `/v1/subjects/${ids.clean}/passports`, {
    token: h.tokens.reviewer,
    body: { passport },
  });
  assert.equal(reviewer.status, 403);
});
