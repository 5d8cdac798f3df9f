/** The public register: no token, masked persons, the publication period, CSV, opaque paging, statistics. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, ids, startHarness, type Harness } from './support.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.stop());

describe('GET /v1/public/lists/:list/members', () => {
  test('no token needed; persons masked, organisations in full, with the reason and its legal basis', async () => {
    const court = await call(h.app, 'GET', '/v1/public/lists/court-defaulters/members');
    assert.equal(court.status, 200, court.text);
    assert.ok(!court.text.includes(ids.defaulter), 'no resident ID in full');
    assert.ok(!court.text.includes(ids.defaulter.slice(6, 14)), 'no birth date');
    const body = court.json as {
      members: { subject: string; code: string; reason: { en: string }; legalBasis: string; publishedUntil: string }[];
    };
    const masked = `${ids.defaulter.slice(0, 6)}********${ids.defaulter.slice(14)}`;
    const member = body.members.find((m) => m.subject === masked);
    assert.ok(member, JSON.stringify(body.members.map((m) => m.subject)));
    assert.equal(member.code, 'court.defaulter.refuses');
    assert.equal(member.reason.en, 'Able to perform an effective judgment but refuses');
    assert.match(member.legalBasis, /法释〔2017〕7号/);
    // Published for the list's 1095 days from the listing's start.
    assert.equal(member.publishedUntil, '2029-02-28T00:00:00.000Z');
    const market = await call(h.app, 'GET', '/v1/public/lists/market-serious-dishonesty/members');
    assert.ok(market.text.includes(ids.company), 'an organisation is published by its code');
  });

  test('CSV download with a header row, masked like the JSON', async () => {
    const csv = await call(h.app, 'GET', '/v1/public/lists/court-defaulters/members?format=csv');
    assert.equal(csv.status, 200);
    assert.match(String(csv.headers['content-type']), /^text\/csv/);
    const [header, ...rows] = csv.text.trim().split('\n');
    assert.equal(header, 'subject,since,until,publishedUntil,code,reasonZh,reasonEn,legalBasis');
    assert.ok(rows.length >= 2);
    assert.ok(!csv.text.includes(ids.defaulter));
  });

  test('paging tokens are opaque: they never carry an identifier, and a forged one is refused', async () => {
    const first = await call(h.app, 'GET', '/v1/public/lists/court-defaulters/members?limit=1');
    const { next, members } = first.json as { next?: string; members: { subject: string }[] };
    assert.equal(members.length, 1);
    assert.ok(next, 'a next token');
    assert.ok(
      !Buffer.from(next, 'base64url').toString('latin1').includes('1101'),
      'the token does not hold the key in clear',
    );
    const second = await call(h.app, 'GET', `/v1/public/lists/court-defaulters/members?limit=1&after=${next}`);
    const page2 = second.json as { members: { subject: string }[] };
    assert.notEqual(page2.members[0]?.subject, members[0]?.subject);
    const forged = await call(
      h.app,
      'GET',
      `/v1/public/lists/court-defaulters/members?after=${Buffer.from(ids.defaulter).toString('base64url')}`,
    );
    assert.equal(forged.status, 400);
    assert.deepEqual(forged.json, {
      error: { code: 'invalid_page_token', message: 'the after token is not one this server gave out', field: 'after' },
    });
  });

  test('404 for an unknown list', async () => {
    const answer = await call(h.app, 'GET', '/v1/public/lists/nope/members');
    assert.equal(answer.status, 404);
    assert.deepEqual(answer.json, { error: { code: 'unknown_list', message: 'no public list nope' } });
  });
});

test('the publication period: a member is published from the listing start, for the list’s days, not after', async () => {
  const store = h.service.context.store;
  const dayMs = 86_400_000;
  const start = Date.parse('2026-03-01T00:00:00Z');
  const publication = 1095 * dayMs;
  const at = start + publication - 1;
  const published = (startedAfterMs: number, atMs: number) =>
    store
      .listMembers('court-defaulters', atMs, 100, '', startedAfterMs)
      .then((m) => m.some((x) => x.subject === ids.defaulter));
  assert.equal(await published(at - publication, at), true, 'the last millisecond of the period');
  assert.equal(await published(at + 1 - publication, at + 1), false, 'the period has ended');
});

test('GET /v1/public/statistics: members per public list, records per rule per month, grades per scheme', async () => {
  const answer = await call(h.app, 'GET', '/v1/public/statistics');
  assert.equal(answer.status, 200, answer.text);
  const body = answer.json as {
    membersPerList: Record<string, number>;
    recordsPerRuleMonth: { code: string; month: string; records: number }[];
    gradesPerScheme: Record<string, Record<string, number>>;
  };
  assert.ok((body.membersPerList['court-defaulters'] ?? 0) >= 2);
  assert.ok(
    body.recordsPerRuleMonth.some(
      (r) => r.code === 'court.defaulter.refuses' && r.month === '2026-03' && r.records >= 1,
    ),
  );
  assert.deepEqual(Object.keys(body.gradesPerScheme['rongcheng-residents'] ?? {}), ['AAA', 'AA', 'A', 'B', 'C', 'D']);
});
