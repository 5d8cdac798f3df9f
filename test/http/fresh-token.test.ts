/** A token created outside the running service (the command line) works on the next request. */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { createToken } from '../../src/app/tokens.ts';
import { call, fixedNowMs, ids, startHarness, type Harness } from './support.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.stop());

test('an unknown token id makes the service re-read its tokens; a revoked or made-up one stays refused', async () => {
  // Created through the app, as `credence tokens create` does, without telling the running service.
  const created = await createToken(
    h.service.context,
    { role: 'service-point', name: 'new-desk', scope: ['travel.flight'] },
    { nowMs: fixedNowMs, actor: 'cli' },
  );
  assert.ok(created.ok);
  // Past the re-read rate limit (100 ms) since the service last read its tokens.
  await sleep(150);
  const answer = await call(h.app, 'GET', `/v1/decisions?subject=${ids.defaulter}&action=travel.flight`, {
    token: created.value.token,
  });
  assert.equal(answer.status, 200, answer.text);
  await sleep(150);
  const madeUp = `cr_${'0'.repeat(16)}_${'A'.repeat(43)}`;
  const refused = await call(h.app, 'GET', `/v1/decisions?subject=${ids.defaulter}&action=travel.flight`, {
    token: madeUp,
  });
  assert.equal(refused.status, 401);
});
