/** The public register: no token, masked persons, the publication period, CSV, opaque paging, statistics. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertError, call, ids, startHarness, type Harness } from './support.ts';

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

test('GET /v1/public/statistics: published members of each public list at each of the last 12 months’ ends', async () => {
  const answer = await call(h.app, 'GET', '/v1/public/statistics');
  const body = answer.json as {
    membersPerList: Record<string, number>;
    membersPerListMonth: { list: string; month: string; members: number }[];
  };
  const court = body.membersPerListMonth.filter((m) => m.list === 'court-defaulters');
  // The clock is 2026-11-22: twelve months back from December 2025. Listed 03-01, 04-01 and 06-01 (never ended).
  assert.deepEqual(
    court.map((m) => m.month),
    ['2025-12', ...Array.from({ length: 11 }, (_, i) => `2026-${String(i + 1).padStart(2, '0')}`)],
  );
  assert.deepEqual(
    court.map((m) => m.members),
    [0, 0, 0, 1, 2, 2, 3, 3, 3, 3, 3, 3],
  );
  assert.equal(body.membersPerList['court-defaulters'], 3, 'now, as in the month so far');
  const lists = new Set(body.membersPerListMonth.map((m) => m.list));
  assert.deepEqual([...lists].sort(), Object.keys(body.membersPerList).sort(), 'the same public lists');
  for (const list of lists) assert.equal(body.membersPerListMonth.filter((m) => m.list === list).length, 12);
});

describe('GET /v1/public/lists/:list/members?code=: members listed under one rule', () => {
  const masked = (id: string) => `${id.slice(0, 6)}********${id.slice(14)}`;
  type Page = { members: { subject: string; code: string }[]; next?: string };

  test('only that rule’s members, paged with the same opaque tokens', async () => {
    const obstruction = await call(
      h.app,
      'GET',
      '/v1/public/lists/court-defaulters/members?code=court.defaulter.obstruction',
    );
    assert.equal(obstruction.status, 200, obstruction.text);
    assert.deepEqual(
      (obstruction.json as Page).members.map((m) => [m.subject, m.code]),
      [[masked(ids.defaulter2), 'court.defaulter.obstruction']],
    );
    const seen: string[] = [];
    let next: string | undefined;
    for (let round = 0; round < 5; round++) {
      const url = `/v1/public/lists/court-defaulters/members?code=court.defaulter.refuses&limit=1${next ? `&after=${next}` : ''}`;
      const page = (await call(h.app, 'GET', url)).json as Page;
      seen.push(...page.members.map((m) => m.code));
      next = page.next;
      if (next === undefined) break;
    }
    assert.deepEqual(seen, ['court.defaulter.refuses', 'court.defaulter.refuses'], 'the two refusers, one a page');
  });

  test('a code the list’s scheme does not have is a 400', async () => {
    for (const code of ['traffic.fine', 'nope']) {
      const answer = await call(h.app, 'GET', `/v1/public/lists/court-defaulters/members?code=${code}`);
      assertError(answer, 400, 'unknown_rule_code', `scheme court-defaulters has no rule ${code}`, 'code');
    }
  });
});

describe('GET /v1/public/lists/:list/members?subject=: search by one full identifier', () => {
  const search = (list: string, subject: string, extra = '') =>
    call(h.app, 'GET', `/v1/public/lists/${list}/members?subject=${encodeURIComponent(subject)}${extra}`);
  type Page = { list: string; members: { subject: string; code: string; legalBasis: string }[]; next?: string };

  test('finds a published member, masked as on the list; any spelling of the identifier', async () => {
    for (const spelling of [ids.defaulter, ids.defaulter.toLowerCase(), ` ${ids.defaulter} `]) {
      const answer = await search('court-defaulters', spelling);
      assert.equal(answer.status, 200, answer.text);
      const body = answer.json as Page;
      assert.deepEqual(
        body.members.map((m) => [m.subject, m.code]),
        [[`${ids.defaulter.slice(0, 6)}********${ids.defaulter.slice(14)}`, 'court.defaulter.refuses']],
      );
      assert.match(body.members[0]?.legalBasis ?? '', /法释〔2017〕7号/);
      assert.equal(body.next, undefined, 'no paging for a search');
      assert.ok(!answer.text.includes(ids.defaulter), 'the identifier is not echoed in full');
    }
    const company = (await search('market-serious-dishonesty', ids.company)).json as Page;
    assert.deepEqual(
      company.members.map((m) => m.subject),
      [ids.company],
      'an organisation by its code',
    );
    const csv = await search('court-defaulters', ids.defaulter2, '&format=csv');
    const lines = csv.text.trim().split('\n');
    assert.equal(lines[0], 'subject,since,until,publishedUntil,code,reasonZh,reasonEn,legalBasis');
    assert.equal(lines.length, 2);
    assert.ok(lines[1]?.startsWith(`${ids.defaulter2.slice(0, 6)}********${ids.defaulter2.slice(14)},`));
  });

  test('someone not on the list, on another list, or listed under another code gets the empty answer', async () => {
    const empty = {
      list: 'court-defaulters',
      title: { 'zh-CN': '失信被执行人名单', en: 'Court defaulters' },
      members: [],
    };
    for (const [subject, extra] of [
      [ids.clean, ''],
      [ids.cleanPassport, ''],
      [ids.cleanCompany, ''],
      [ids.fined, ''],
      [ids.company, ''],
      [ids.defaulter, '&code=court.defaulter.obstruction'],
    ] as const) {
      const answer = await search('court-defaulters', subject, extra);
      assert.equal(answer.status, 200, answer.text);
      assert.deepEqual(answer.json, empty, subject);
    }
  });

  test('an invalid identifier is a 400 naming the problem, without echoing what was typed', async () => {
    const wrongCheck = `${ids.defaulter.slice(0, 17)}1`;
    const cases = [
      [
        wrongCheck,
        'invalid_resident_id',
        'the subject is not a valid resident ID: check its 18 characters, region code, birth date and check character',
      ],
      [
        ids.defaulter.slice(0, 17),
        'invalid_resident_id',
        'the subject is not a valid resident ID: check its 18 characters, region code, birth date and check character',
      ],
      [
        '91110108551385082A',
        'invalid_uscc',
        'the subject is not a valid Unified Social Credit Code: check its 18 characters and check character',
      ],
      [
        'passport:XXX:C01X00T47',
        'invalid_passport',
        'the subject is not a valid passport: write passport:CCC:NUMBER with an ISO 3166-1 alpha-3 nationality',
      ],
      [
        'zhang san',
        'invalid_subject',
        'the subject is not an identifier: expected an 18-character resident ID, an 18-character USCC or passport:CCC:NUMBER',
      ],
    ] as const;
    for (const [subject, code, message] of cases) {
      const answer = await search('court-defaulters', subject);
      assertError(answer, 400, code, message, 'subject');
    }
    // A subject too long for any identifier is refused by the schema.
    const long = await search('court-defaulters', '1'.repeat(65));
    assert.equal(long.status, 400);
    assert.equal((long.json as { error: { code: string } }).error.code, 'invalid_request');
  });

  test('an unknown or unpublished list is a 404 whoever is searched for', async () => {
    for (const subject of [ids.defaulter, ids.clean]) {
      assertError(await search('nope', subject), 404, 'unknown_list', 'no public list nope');
    }
  });
});
