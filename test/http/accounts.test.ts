/**
 * Password accounts over HTTP: an administrator lists them (never a hash) and creates them, with a password made
 * and shown once or one given; bad input is refused with stable codes and writes nothing; each creation is an
 * audit event; a subject's account is listed under its lookup token, never its identifier; the new account logs in.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import { generatedPasswordBytes } from '../../src/core/constants.ts';
import { testKeys } from '../support/keys.ts';
import { call, fixedNow, ids, parseBody, startHarness, type Answer, type Harness } from './support.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.stop());

const account = z.strictObject({
  login: z.string(),
  role: z.enum(['agency', 'service-point', 'reviewer', 'admin', 'subject']),
  name: z.string(),
  scope: z.array(z.string()),
  createdAt: z.string(),
  disabledAt: z.string().optional(),
});
const created = account.extend({ password: z.string().optional() });
const listing = z.strictObject({ accounts: z.array(account) });

const create = (body: unknown, token = h.tokens.admin) => call(h.app, 'POST', '/v1/accounts', { token, body });
const list = async () => parseBody(await call(h.app, 'GET', '/v1/accounts', { token: h.tokens.admin }), listing);
const codeOf = (answer: Answer) => (answer.json as { error?: { code?: string } }).error?.code;
const fieldOf = (answer: Answer) => (answer.json as { error?: { field?: string } }).error?.field;
const password = 'a long enough pass phrase';

async function accountEvents() {
  const events = await h.service.context.store.auditEvents(0, 100_000);
  return events.filter((e) => e.kind === 'account.created');
}

describe('POST /v1/accounts', () => {
  test('without a password, one is made, returned once, and logs in', async () => {
    const answer = await create({ login: 'Rita.Reviewer', role: 'reviewer', name: 'rita' });
    assert.equal(answer.status, 201, answer.text);
    const body = parseBody(answer, created);
    assert.deepEqual(
      { ...body, password: undefined },
      { login: 'rita.reviewer', role: 'reviewer', name: 'rita', scope: [], createdAt: fixedNow, password: undefined },
    );
    assert.equal(body.password?.length, Math.ceil((generatedPasswordBytes * 4) / 3));
    const session = await call(h.app, 'POST', '/v1/session', {
      body: { login: 'rita.reviewer', password: body.password },
    });
    assert.equal(session.status, 201, session.text);
    assert.equal((session.json as { role: string }).role, 'reviewer');
    // Shown once: the list never has it, nor its hash.
    const listed = await call(h.app, 'GET', '/v1/accounts', { token: h.tokens.admin });
    assert.ok(!listed.text.includes(body.password ?? 'none'));
    assert.ok(!listed.text.includes('scrypt'));
  });

  test('with a password given, none is returned; scopes are checked and kept sorted', async () => {
    const answer = await create({
      login: 'desk-7',
      role: 'service-point',
      name: 'gate-7',
      scope: ['travel.rail.any', 'travel.flight'],
      password,
    });
    assert.equal(answer.status, 201, answer.text);
    const body = parseBody(answer, created);
    assert.equal(body.password, undefined);
    assert.deepEqual(body.scope, ['travel.flight', 'travel.rail.any']);
    const agency = parseBody(
      await create({
        login: 'court-clerk-2',
        role: 'agency',
        name: 'city-court',
        scope: ['court.defaulter.refuses'],
        password,
      }),
      created,
    );
    assert.deepEqual([agency.role, agency.name, agency.scope], ['agency', 'city-court', ['court.defaulter.refuses']]);
  });

  test("a subject's account is kept and listed under its lookup token, never its identifier", async () => {
    const answer = await create({ login: ids.defaulter, role: 'subject', password });
    assert.equal(answer.status, 201, answer.text);
    const token = testKeys.lookup(ids.defaulter);
    const body = parseBody(answer, created);
    assert.deepEqual([body.login, body.name, body.role], [token, token, 'subject']);
    assert.ok(!answer.text.includes(ids.defaulter));
    const listed = await call(h.app, 'GET', '/v1/accounts', { token: h.tokens.admin });
    assert.ok(!listed.text.includes(ids.defaulter), 'the list names nobody');
    assert.ok((await list()).accounts.some((a) => a.role === 'subject' && a.login === token));
    // The same person again, in another spelling, is the same login.
    const again = await create({ login: ids.defaulter.toLowerCase(), role: 'subject', password });
    assert.equal(again.status, 409);
    assert.equal(codeOf(again), 'login_taken');
  });

  test('bad input is refused with a stable code and its field, and writes nothing', async () => {
    const before = (await list()).accounts.length;
    const eventsBefore = (await accountEvents()).length;
    const cases: [unknown, number, string, string][] = [
      [{ login: 'weak', role: 'admin', name: 'weak', password: 'short' }, 400, 'weak_password', 'password'],
      [{ login: 'rita.reviewer', role: 'reviewer', name: 'rita', password }, 409, 'login_taken', 'login'],
      [{ login: 'RITA.REVIEWER', role: 'reviewer', name: 'rita', password }, 409, 'login_taken', 'login'],
      [{ login: 'no such login!', role: 'admin', name: 'x', password }, 400, 'invalid_login', 'login'],
      [{ login: 'clerk-9', role: 'agency', name: 'no-such-agency', password }, 422, 'unknown_agency', 'name'],
      [
        { login: 'clerk-9', role: 'agency', name: 'traffic-police', scope: ['court.defaulter.refuses'], password },
        422,
        'outside_remit',
        'scope',
      ],
      [{ login: 'desk-9', role: 'service-point', name: 'desk-9', password }, 422, 'missing_scope', 'scope'],
      [
        { login: 'desk-9', role: 'service-point', name: 'desk-9', scope: ['travel.teleport'], password },
        422,
        'unknown_action',
        'scope',
      ],
      [{ login: 'ada-2', role: 'admin', name: 'ada', scope: ['city-court'], password }, 422, 'invalid_scope', 'scope'],
      [{ login: 'ada-2', role: 'admin', name: 'Not A Name', password }, 400, 'invalid_name', 'name'],
      [{ login: 'ada-2', role: 'king', name: 'ada', password }, 400, 'invalid_request', 'role'],
      [{ role: 'admin', name: 'ada', password }, 400, 'invalid_request', 'login'],
      // A resident ID with a wrong check character: refused, and the message does not repeat it.
      [{ login: '110105194912310021', role: 'subject', password }, 422, 'invalid_resident_id', 'name'],
    ];
    for (const [body, status, code, field] of cases) {
      const answer = await create(body);
      const what = `${JSON.stringify(body)}: ${answer.text}`;
      assert.equal(answer.status, status, what);
      assert.equal(codeOf(answer), code, what);
      assert.equal(fieldOf(answer), field, what);
      assert.ok(!answer.text.includes('110105194912310021'), what);
    }
    assert.equal((await list()).accounts.length, before);
    assert.equal((await accountEvents()).length, eventsBefore);
  });

  test('each account created is one audit event naming the administrator, with no password in it', async () => {
    const events = await accountEvents();
    assert.deepEqual(
      events.map((e) => [e.actor, e.payload.login, e.payload.role]),
      [
        ['admin-1', 'rita.reviewer', 'reviewer'],
        ['admin-1', 'desk-7', 'service-point'],
        ['admin-1', 'court-clerk-2', 'agency'],
        ['admin-1', testKeys.lookup(ids.defaulter), 'subject'],
      ],
    );
    const text = JSON.stringify(events);
    assert.ok(!text.includes(password) && !text.includes('scrypt') && !text.includes(ids.defaulter));
  });

  test('only an administrator creates or lists accounts', async () => {
    for (const token of [h.tokens.reviewer, h.tokens.servicePoint, h.tokens.cityCourt]) {
      const made = await create({ login: 'sneaky', role: 'admin', name: 'sneaky', password }, token);
      assert.equal(made.status, 403);
      assert.equal(codeOf(made), 'forbidden_role');
      const read = await call(h.app, 'GET', '/v1/accounts', { token });
      assert.equal(read.status, 403);
    }
    assert.ok(!(await list()).accounts.some((a) => a.login === 'sneaky'));
  });
});

describe('GET /v1/accounts', () => {
  test('lists every account oldest first (then by login), with role, name, scope and creation, and nothing else', async () => {
    const { accounts } = await list();
    const subject = testKeys.lookup(ids.defaulter);
    // The harness's clock stands still, so all were created at one instant: by login.
    const expected = [
      ['rita.reviewer', 'reviewer', 'rita', ''],
      ['desk-7', 'service-point', 'gate-7', 'travel.flight,travel.rail.any'],
      ['court-clerk-2', 'agency', 'city-court', 'court.defaulter.refuses'],
      [subject, 'subject', subject, ''],
    ].sort(([a = ''], [b = '']) => (a < b ? -1 : a > b ? 1 : 0));
    assert.deepEqual(
      accounts.map((a) => [a.login, a.role, a.name, a.scope.join(',')]),
      expected,
    );
    assert.ok(accounts.every((a) => a.createdAt === fixedNow && a.disabledAt === undefined));
  });
});
