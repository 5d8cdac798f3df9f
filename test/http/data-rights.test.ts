/** Subject data rights: who read my data (the access log) and everything Credence holds about me (the export). */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, ids, startHarness, type Harness } from './support.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.stop());

type Entry = { at: string; kind: string; actor: string; what: string };
const accessLogOf = async (subject: string) => {
  const answer = await call(h.app, 'GET', `/v1/subjects/${subject}/access-log`, { token: h.tokens.reviewer });
  assert.equal(answer.status, 200, answer.text);
  return (answer.json as { accessLog: Entry[] }).accessLog;
};

test('every staff read, decision and list page that shows a subject is in its access log, newest first', async () => {
  assert.deepEqual(await accessLogOf(ids.clean2), []);
  assert.equal(
    (await call(h.app, 'GET', `/v1/subjects/${ids.defaulter}/standing`, { token: h.tokens.reviewer })).status,
    200,
  );
  assert.equal(
    (
      await call(h.app, 'GET', `/v1/decisions?subject=${ids.defaulter}&action=travel.flight`, {
        token: h.tokens.servicePoint,
      })
    ).status,
    200,
  );
  assert.equal((await call(h.app, 'GET', '/v1/lists/court-defaulters/members', { token: h.tokens.admin })).status, 200);
  const log = await accessLogOf(ids.defaulter);
  const kinds = log.map((e) => `${e.kind} ${e.what}`);
  assert.ok(kinds.includes('data.read read /v1/subjects/:subject/standing'), kinds.join('; '));
  assert.ok(kinds.includes('decision.made decision on travel.flight: deny'), kinds.join('; '));
  assert.ok(kinds.includes('data.read read /v1/lists/court-defaulters/members'), kinds.join('; '));
  const times = log.map((e) => e.at);
  assert.deepEqual(times, [...times].sort().reverse());
  // Reading the access log is itself a read, shown next time.
  const again = await accessLogOf(ids.defaulter);
  assert.equal(again[0]?.what, 'read /v1/subjects/:subject/access-log');
});

test('the export holds the subject’s records, notices, standing, objections and access log, and is logged', async () => {
  const answer = await call(h.app, 'GET', `/v1/subjects/${ids.defaulter}/export`, { token: h.tokens.reviewer });
  assert.equal(answer.status, 200, answer.text);
  const body = answer.json as {
    subject: { key: string };
    records: { agencyRef: string }[];
    notices: { kind: string }[];
    standing: { measures: { measure: string }[] };
    objections: unknown[];
    accessLog: Entry[];
  };
  assert.equal(body.subject.key, ids.defaulter);
  assert.ok(body.records.some((r) => r.agencyRef === 'CC-1'));
  assert.ok(body.notices.some((n) => n.kind === 'listing.started'));
  assert.ok(body.standing.measures.some((m) => m.measure === 'high-consumption-restrictions'));
  assert.deepEqual(body.objections, []);
  assert.equal(body.accessLog[0]?.kind, 'data.exported');
  const refused = await call(h.app, 'GET', `/v1/subjects/${ids.defaulter}/export`, { token: h.tokens.servicePoint });
  assert.equal(refused.status, 403);
  const bad = await call(h.app, 'GET', '/v1/subjects/110105194912310021/export', { token: h.tokens.reviewer });
  assert.equal(bad.status, 400);
});
