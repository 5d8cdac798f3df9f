/**
 * A subject's own token (the portal's): it reads and acts on its own subject's data and nothing else. Every
 * operation in the OpenAPI document is tried with it, for its own subject and for another: the eleven routes about
 * a subject answer for its own (whatever the form of the identifier) and refuse any other with 403 not_your_data,
 * writing nothing; every staff, agency and service-point route refuses it with 403 forbidden_role.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testKeys } from '../support/keys.ts';
import { call, ids, startHarness, type Harness, type Method } from './support.ts';

let h: Harness;
let own: string;

/** Routes every token reaches, a subject's too: who am I, and log out. */
const anyTokenRoutes = new Set(['get /v1/session', 'delete /v1/session']);

const selfRoutes = new Set([
  'get /v1/subjects/{subject}/standing',
  'get /v1/subjects/{subject}/explanation',
  'get /v1/subjects/{subject}/notices',
  'get /v1/subjects/{subject}/export',
  'get /v1/subjects/{subject}/access-log',
  'get /v1/subjects/{subject}/history',
  'get /v1/subjects/{subject}/represents',
  'get /v1/subjects/{subject}/objections',
  'get /v1/subjects/{subject}/repairs',
  'post /v1/subjects/{subject}/objections',
  'post /v1/subjects/{subject}/repairs',
]);
const ownReads = [
  'standing',
  'explanation',
  'notices',
  'export',
  'access-log',
  'history',
  'represents',
  'objections',
  'repairs',
];

before(async () => {
  h = await startHarness();
  const created = await call(h.app, 'POST', '/v1/tokens', {
    token: h.tokens.admin,
    body: { role: 'subject', name: ids.defaulter, scope: [] },
  });
  assert.equal(created.status, 201, created.text);
  own = (created.json as { token: string }).token;
});
after(() => h.stop());

const codeOf = (json: unknown) => (json as { error?: { code?: string } } | undefined)?.error?.code;

/** A request body that passes validation where a route has one, so the answer is about who asks. */
function bodyFor(key: string): unknown {
  if (key === 'post /v1/subjects/{subject}/objections') return { recordId: 1, grounds: 'not mine' };
  if (key === 'post /v1/subjects/{subject}/repairs')
    return { recordId: 1, conditions: ['obligation_performed'], statement: 'paid' };
  return {};
}

describe('a subject token', () => {
  test('is stored under the lookup token of its subject, never the identifier', async () => {
    const listed = await call(h.app, 'GET', '/v1/tokens', { token: h.tokens.admin });
    const tokens = (listed.json as { tokens: { role: string; name: string }[] }).tokens;
    const subjectTokens = tokens.filter((t) => t.role === 'subject');
    assert.deepEqual(
      subjectTokens.map((t) => t.name),
      [testKeys.lookup(ids.defaulter)],
    );
    assert.ok(!listed.text.includes(ids.defaulter));
  });

  test('a subject token for an unreadable identifier, or with a scope, is refused', async () => {
    const bad = await call(h.app, 'POST', '/v1/tokens', {
      token: h.tokens.admin,
      body: { role: 'subject', name: '110105194912310021', scope: [] },
    });
    assert.equal(bad.status, 422);
    assert.equal(codeOf(bad.json), 'invalid_resident_id');
    const scoped = await call(h.app, 'POST', '/v1/tokens', {
      token: h.tokens.admin,
      body: { role: 'subject', name: ids.clean, scope: ['travel.flight'] },
    });
    assert.equal(codeOf(scoped.json), 'invalid_scope');
  });

  test('reads its own standing, explanation, history, notices, export, access log, objections and repairs, in any spelling of its identifier', async () => {
    for (const spelling of [ids.defaulter, ids.defaulter.toLowerCase()]) {
      for (const what of ownReads) {
        const answer = await call(h.app, 'GET', `/v1/subjects/${spelling}/${what}`, { token: own });
        assert.equal(answer.status, 200, `${what} as ${spelling}: ${answer.text}`);
      }
    }
  });

  test('files an objection to its own record', async () => {
    const records = (await h.service.context.store.recordsOf(ids.defaulter)).filter((r) => r.agencyRef === 'CC-1');
    const record = records[0];
    assert.ok(record);
    const answer = await call(h.app, 'POST', `/v1/subjects/${ids.defaulter}/objections`, {
      token: own,
      body: { recordId: record.id, grounds: 'the judgment was performed' },
    });
    // Allowed: the answer is about the objection (filed, or refused for its window), never about who asks.
    assert.ok(![401, 403].includes(answer.status), answer.text);
  });

  test('is refused with not_your_data on every route about another subject, and nothing is written', async () => {
    const others = [ids.defaulter2, ids.company, ids.legalRep, ids.passportDefaulter, 'not-an-identifier'];
    const objectionsBefore = (await h.service.context.store.objectionsOf(ids.defaulter2)).length;
    for (const other of others) {
      for (const key of selfRoutes) {
        const [method, path] = key.split(' ') as [string, string];
        const url = path.replace('{subject}', encodeURIComponent(other));
        const answer = await call(h.app, method.toUpperCase() as Method, url, { token: own, body: bodyFor(key) });
        assert.equal(answer.status, 403, `${key} for another subject: ${answer.text}`);
        assert.equal(codeOf(answer.json), 'not_your_data', key);
        assert.ok(!answer.text.includes(other), 'the refusal does not echo the identifier');
      }
    }
    assert.equal((await h.service.context.store.objectionsOf(ids.defaulter2)).length, objectionsBefore);
  });

  test('says who it is at GET /v1/session, and is not a session to end', async () => {
    const who = await call(h.app, 'GET', '/v1/session', { token: own });
    assert.equal(who.status, 200, who.text);
    // It names its subject (the portal's pages are about it); a bearer token has no CSRF token to learn.
    assert.deepEqual(who.json, {
      role: 'subject',
      name: testKeys.lookup(ids.defaulter),
      scope: [],
      subject: ids.defaulter,
    });
    const end = await call(h.app, 'DELETE', '/v1/session', { token: own });
    assert.equal(codeOf(end.json), 'not_a_session');
  });

  test('is refused with forbidden_role on every other protected operation of the OpenAPI document', async () => {
    const doc = (await call(h.app, 'GET', '/openapi.json')).json as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    let refused = 0;
    let publicOps = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const key = `${method} ${path}`;
        if (selfRoutes.has(key) || anyTokenRoutes.has(key)) continue;
        const url = path
          .replace('{subject}', ids.defaulter)
          .replace('{agencyRef}', 'CC-1')
          .replace('{scheme}', 'court-defaulters')
          .replace('{version}', '1')
          .replace('{list}', 'court-defaulters')
          .replace('{id}', '1');
        const answer = await call(h.app, method.toUpperCase() as Method, url, { token: own, body: {} });
        if (Array.isArray(op.security) && op.security.length === 0) {
          publicOps++;
          assert.ok(![401, 403].includes(answer.status), `${key} is public: ${answer.text}`);
          continue;
        }
        refused++;
        assert.equal(answer.status, 403, `${key}: ${answer.text}`);
        assert.equal(codeOf(answer.json), 'forbidden_role', key);
      }
    }
    assert.ok(refused >= 20 && publicOps >= 5, `refused ${refused}, public ${publicOps}`);
    // Cells: own data (the reads in 2 spellings, 1 objection), the routes x 5 other subjects, and the rest.
    const cells = {
      own: ownReads.length * 2 + 1,
      otherSubjects: selfRoutes.size * 5,
      forbiddenRole: refused,
      public: publicOps,
    };
    console.log(JSON.stringify({ subjectCells: Object.values(cells).reduce((a, b) => a + b, 0), ...cells }));
  });
});
