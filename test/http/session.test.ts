/**
 * Password logins and sessions: accounts act as tokens of their role would; a login sets an httpOnly, SameSite
 * cookie; what a session changes needs its CSRF token; a session ends at logout and by itself after its time; a
 * subject's account reaches its own data only; wrong passwords are one refusal, audited, and rate limited.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createAccount, hashPassword, passwordMatches } from '../../src/app/accounts.ts';
import { TokenAuthority } from '../../src/app/tokens.ts';
import { sessionTtlMs } from '../../src/core/constants.ts';
import { testKeys } from '../support/keys.ts';
import { call, fixedNowMs, ids, startHarness, type Harness } from './support.ts';

let h: Harness;
const password = 'correct horse battery staple';

before(async () => {
  h = await startHarness();
  const make = (request: Parameters<typeof createAccount>[1]) =>
    createAccount(h.service.context, request, { nowMs: fixedNowMs, actor: 'admin' });
  for (const request of [
    { login: 'ada', password, role: 'admin', name: 'ada' },
    { login: 'rita', password, role: 'reviewer', name: 'rita' },
    { login: ids.defaulter, password, role: 'subject' },
  ]) {
    const made = await make(request);
    assert.ok(made.ok, JSON.stringify(made));
  }
});
after(() => h.stop());

async function send(
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  options: { cookie?: string; csrf?: string; body?: unknown } = {},
) {
  const response = await h.app.inject({
    method,
    url,
    headers: {
      ...(options.cookie === undefined ? {} : { cookie: `credence_session=${options.cookie}` }),
      ...(options.csrf === undefined ? {} : { 'x-csrf-token': options.csrf }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { payload: JSON.stringify(options.body) }),
  });
  const json = response.body === '' ? undefined : (JSON.parse(response.body) as Record<string, unknown>);
  return { status: response.statusCode, json, cookies: response.cookies, headers: response.headers };
}

const codeOf = (json: unknown) => (json as { error?: { code?: string } } | undefined)?.error?.code;

async function logIn(login: string, secret = password) {
  const answer = await send('POST', '/v1/session', { body: { login, password: secret } });
  const cookie = answer.cookies.find((c) => c.name === 'credence_session');
  return { answer, cookie, csrf: (answer.json as { csrfToken?: string } | undefined)?.csrfToken };
}

describe('accounts', () => {
  test('passwords are hashed with scrypt, salted, and checked', async () => {
    const one = await hashPassword(password);
    const two = await hashPassword(password);
    assert.match(one, /^scrypt\$32768\$8\$1\$/);
    assert.notEqual(one, two, 'a fresh salt each time');
    assert.ok(await passwordMatches(password, one));
    assert.equal(await passwordMatches(`${password}!`, one), false);
    assert.equal(await passwordMatches(password, 'plain'), false);
  });

  test('a weak password, an unknown agency, a taken login and an unreadable subject are refused', async () => {
    const context = h.service.context;
    const options = { nowMs: fixedNowMs, actor: 'admin' };
    const codes = [
      await createAccount(context, { login: 'bob', password: 'short', role: 'admin', name: 'bob' }, options),
      await createAccount(context, { login: 'bob', password, role: 'agency', name: 'no-such-agency' }, options),
      await createAccount(context, { login: 'ADA', password, role: 'admin', name: 'ada' }, options),
      await createAccount(context, { login: '110105194912310021', password, role: 'subject' }, options),
    ].map((r) => (r.ok ? 'ok' : r.problem.code));
    assert.deepEqual(codes, ['weak_password', 'unknown_agency', 'login_taken', 'invalid_resident_id']);
  });

  test("a subject's account is stored under its lookup token, never the identifier", async () => {
    assert.equal(await h.service.context.store.account(ids.defaulter), undefined);
    const stored = await h.service.context.store.account(testKeys.lookup(ids.defaulter));
    assert.equal(stored?.role, 'subject');
    assert.equal(stored.name, testKeys.lookup(ids.defaulter));
  });
});

describe('sessions', () => {
  test('a login sets an httpOnly, SameSite=Strict cookie and says who it acts as', async () => {
    const { answer, cookie, csrf } = await logIn('rita');
    assert.equal(answer.status, 201, JSON.stringify(answer.json));
    assert.ok(cookie, 'a session cookie');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.path, '/');
    assert.equal(cookie.maxAge, sessionTtlMs / 1000);
    assert.equal(typeof csrf, 'string');
    const who = await send('GET', '/v1/session', { cookie: cookie.value });
    // A reloaded page learns the CSRF token again from the session itself.
    assert.deepEqual(who.json, { role: 'reviewer', name: 'rita', scope: [], csrfToken: csrf });
    // An administrator sees the session among the tokens, with its end (the web app's token list leaves them out).
    const listed = await call(h.app, 'GET', '/v1/tokens', { token: h.tokens.admin });
    const sessions = (listed.json as { tokens: { name: string; expiresAt?: string }[] }).tokens.filter(
      (t) => t.name === 'rita' && t.expiresAt !== undefined,
    );
    assert.ok(sessions.length >= 1, JSON.stringify(listed.json));
    // The session is a reviewer: staff routes answer, an administrator's do not.
    assert.equal((await send('GET', '/v1/objections', { cookie: cookie.value })).status, 200);
    const tokens = await send('GET', '/v1/tokens', { cookie: cookie.value });
    assert.equal(codeOf(tokens.json), 'forbidden_role');
  });

  test('a wrong password and an unknown login get the same 401, and both are audited', async () => {
    const before = (await h.service.context.store.auditEvents(0, 100_000)).filter((e) => e.kind === 'login.refused');
    const wrong = await logIn('rita', 'not the password at all');
    const unknown = await logIn('nobody-here');
    for (const answer of [wrong.answer, unknown.answer]) {
      assert.equal(answer.status, 401);
      assert.equal(codeOf(answer.json), 'invalid_login');
      assert.equal(answer.cookies.length, 0);
    }
    const after = (await h.service.context.store.auditEvents(0, 100_000)).filter((e) => e.kind === 'login.refused');
    assert.equal(after.length, before.length + 2);
    assert.ok(
      after.every((e) => !JSON.stringify(e).includes('not the password')),
      'no password in the log',
    );
  });

  test('what a session changes needs its CSRF token: missing, wrong and right', async () => {
    const { cookie, csrf } = await logIn('ada');
    assert.ok(cookie && csrf);
    const missing = await send('POST', '/v1/audit/checkpoints', { cookie: cookie.value });
    assert.equal(missing.status, 403);
    assert.equal(codeOf(missing.json), 'csrf_missing');
    const other = await logIn('ada');
    const wrong = await send('POST', '/v1/audit/checkpoints', { cookie: cookie.value, csrf: other.csrf ?? '' });
    assert.equal(codeOf(wrong.json), 'csrf_mismatch');
    const right = await send('POST', '/v1/audit/checkpoints', { cookie: cookie.value, csrf });
    assert.equal(right.status, 200);
  });

  test("a subject's session reads its own notices and no one else's", async () => {
    const { answer, cookie, csrf } = await logIn(ids.defaulter.toLowerCase());
    assert.equal(answer.status, 201, JSON.stringify(answer.json));
    assert.equal((answer.json as { subject?: string }).subject, ids.defaulter, 'the login names its subject');
    assert.ok(cookie);
    const who = await send('GET', '/v1/session', { cookie: cookie.value });
    // The session names its subject back to it (the identifier is kept sealed beside the account).
    assert.deepEqual(who.json, {
      role: 'subject',
      name: testKeys.lookup(ids.defaulter),
      scope: [],
      subject: ids.defaulter,
      csrfToken: csrf,
    });
    assert.equal((await send('GET', `/v1/subjects/${ids.defaulter}/notices`, { cookie: cookie.value })).status, 200);
    const other = await send('GET', `/v1/subjects/${ids.defaulter2}/notices`, { cookie: cookie.value });
    assert.equal(codeOf(other.json), 'not_your_data');
  });

  test('logout ends the session at once and clears the cookie', async () => {
    const { cookie, csrf } = await logIn('rita');
    assert.ok(cookie && csrf);
    const out = await send('DELETE', '/v1/session', { cookie: cookie.value, csrf });
    assert.equal(out.status, 204);
    const cleared = out.cookies.find((c) => c.name === 'credence_session');
    assert.equal(cleared?.value, '');
    const after = await send('GET', '/v1/session', { cookie: cookie.value });
    assert.equal(after.status, 401);
    assert.deepEqual(after.json, {
      error: { code: 'unauthorized', message: 'the session is unknown or has ended; log in again (POST /v1/session)' },
    });
  });

  test('a session ends by itself when its time is up', async () => {
    const { cookie } = await logIn('rita');
    assert.ok(cookie);
    let now = fixedNowMs + sessionTtlMs - 1;
    const authority = new TokenAuthority(h.service.context, () => now);
    await authority.refresh();
    assert.equal(authority.authenticate(cookie.value).ok, true);
    now = fixedNowMs + sessionTtlMs;
    const ended = authority.authenticate(cookie.value);
    assert.equal(ended.ok ? 'ok' : ended.problem.code, 'session_expired');
  });

  test('logins are rate limited per address: 429 after 20 a minute', async () => {
    let last = 0;
    for (let i = 0; i < 25; i++) last = (await logIn('nobody', 'wrong password here')).answer.status;
    assert.equal(last, 429);
  });
});
