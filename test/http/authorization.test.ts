/**
 * The authorisation matrix: every endpoint the service has against every caller. The callers are the four roles
 * (agency, service point, reviewer, administrator) and four that hold no valid token: none, a malformed
 * Authorization header, a well-formed token with a wrong secret, and a revoked token of a role the route allows.
 * A caller a route allows gets the route's own answer; on a protected route the four without a valid token get 401
 * saying why, and a role the route does not allow gets 403 `forbidden_role`, whose message names the role, the
 * route and who is allowed. Requests are valid where the role is allowed, so "allowed" is seen as the route's
 * ordinary status (and, where that is an error, the handler's own code, not a 404 for a route that is not there).
 *
 * Every endpoint must be in the matrix: the endpoints are read from the OpenAPI document the service generates
 * and, because a route can be hidden from that document (`/openapi.json` itself, the Swagger UI under `/docs`),
 * from Fastify's route table too. A new endpoint fails the coverage tests, naming it, until it is listed here.
 * The finer rules (remit, scope, own records, revocation) are in authorization-rules.test.ts.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import {
  assertError,
  call,
  forbiddenRoleMessage,
  ids,
  messages,
  startHarness,
  type Answer,
  type Harness,
  type Method,
} from './support.ts';
import { webRoot } from '../../src/http/web.ts';

type Role = 'agency' | 'service-point' | 'reviewer' | 'admin';
/** Roles a route may allow: a subject token too, whose cells are in authorization-subject.test.ts. */
type AccessRole = Role | 'subject';
type Caller = 'none' | 'malformed' | 'bad-token' | 'revoked' | Role;

const roles: readonly Role[] = ['agency', 'service-point', 'reviewer', 'admin'];
const callers: readonly Caller[] = ['none', 'malformed', 'bad-token', 'revoked', ...roles];
const staff: readonly Role[] = ['reviewer', 'admin'];
const staffOrSelf: readonly AccessRole[] = ['reviewer', 'admin', 'subject'];
const askers: readonly Role[] = ['service-point', 'reviewer', 'admin'];

interface RouteCase {
  readonly method: Method;
  /** The route pattern, as the 403 message names it (Fastify's `:param` form). */
  readonly route: string;
  readonly url: string;
  readonly body?: unknown;
  /** 'public', or the roles allowed. */
  readonly access: 'public' | readonly AccessRole[];
  /** The status an allowed caller gets for this request. */
  readonly allowedStatus: number;
  /** Where that status is an error: the handler's code, so a 404 is the route's own and not `route_not_found`. */
  readonly allowedCode?: string;
}

const fineRecord = {
  agencyRef: 'AUTHZ-1',
  subject: ids.clean2,
  code: 'traffic.fine',
  effectiveAt: '2026-10-01T08:00:00Z',
  evidence: 'ticket AUTHZ-1',
  amount: 300,
};

/** Swagger UI's routes: public, and not in the OpenAPI document. */
const docsRoutes: readonly RouteCase[] = [
  { method: 'GET', route: '/docs', url: '/docs', access: 'public', allowedStatus: 200 },
  { method: 'GET', route: '/docs/', url: '/docs/', access: 'public', allowedStatus: 200 },
  { method: 'GET', route: '/docs/json', url: '/docs/json', access: 'public', allowedStatus: 200 },
  { method: 'GET', route: '/docs/yaml', url: '/docs/yaml', access: 'public', allowedStatus: 200 },
  {
    method: 'GET',
    route: '/docs/static/index.html',
    url: '/docs/static/index.html',
    access: 'public',
    allowedStatus: 302,
  },
  {
    method: 'GET',
    route: '/docs/static/swagger-initializer.js',
    url: '/docs/static/swagger-initializer.js',
    access: 'public',
    allowedStatus: 200,
  },
  { method: 'GET', route: '/docs/static/*', url: '/docs/static/swagger-ui.css', access: 'public', allowedStatus: 200 },
];

/** The web app's routes (src/http/web.ts), hidden from the OpenAPI document: its page, its icon, its assets. */
function webRoutes(): RouteCase[] {
  const assets = join(webRoot, 'assets');
  assert.ok(existsSync(assets), `no web app build in ${webRoot}: run npm run build:web (npm ci does it)`);
  const asset = readdirSync(assets).find((name) => name.endsWith('.css'));
  return [
    { method: 'GET', route: '/', url: '/', access: 'public', allowedStatus: 200 },
    { method: 'GET', route: '/favicon.svg', url: '/favicon.svg', access: 'public', allowedStatus: 200 },
    { method: 'GET', route: '/assets/*', url: `/assets/${asset ?? ''}`, access: 'public', allowedStatus: 200 },
  ];
}

const routes: readonly RouteCase[] = [
  ...webRoutes(),
  { method: 'GET', route: '/healthz', url: '/healthz', access: 'public', allowedStatus: 200 },
  { method: 'GET', route: '/metrics', url: '/metrics', access: 'public', allowedStatus: 200 },
  { method: 'GET', route: '/openapi.json', url: '/openapi.json', access: 'public', allowedStatus: 200 },
  ...docsRoutes,
  {
    method: 'POST',
    route: '/v1/records',
    url: '/v1/records',
    body: { records: [fineRecord] },
    access: ['agency'],
    allowedStatus: 200,
  },
  { method: 'GET', route: '/v1/records', url: '/v1/records', access: ['agency'], allowedStatus: 200 },
  {
    method: 'POST',
    route: '/v1/records/:agencyRef/retraction',
    url: '/v1/records/NO-SUCH-REF/retraction',
    body: { agencyRef: 'AUTHZ-R', reason: 'no such record' },
    access: ['agency'],
    allowedStatus: 404,
    allowedCode: 'record_not_found',
  },
  {
    method: 'GET',
    route: '/v1/decisions',
    url: `/v1/decisions?subject=${ids.defaulter}&action=travel.flight`,
    access: askers,
    allowedStatus: 200,
  },
  {
    method: 'POST',
    route: '/v1/decisions/batch',
    url: '/v1/decisions/batch',
    body: { action: 'travel.flight', subjects: [ids.defaulter, ids.clean] },
    access: askers,
    allowedStatus: 200,
  },
  {
    method: 'GET',
    route: '/v1/subjects/:subject/standing',
    url: `/v1/subjects/${ids.defaulter}/standing`,
    access: staffOrSelf,
    allowedStatus: 200,
  },
  {
    method: 'GET',
    route: '/v1/subjects/:subject/explanation',
    url: `/v1/subjects/${ids.defaulter}/explanation`,
    access: staffOrSelf,
    allowedStatus: 200,
  },
  {
    method: 'GET',
    route: '/v1/subjects/:subject/notices',
    url: `/v1/subjects/${ids.defaulter}/notices`,
    access: staffOrSelf,
    allowedStatus: 200,
  },
  { method: 'GET', route: '/v1/objections', url: '/v1/objections', access: staff, allowedStatus: 200 },
  { method: 'GET', route: '/v1/repairs', url: '/v1/repairs', access: staff, allowedStatus: 200 },
  {
    method: 'POST',
    route: '/v1/subjects/:subject/passports',
    url: `/v1/subjects/${ids.clean}/passports`,
    body: { passport: 'passport:DEU:C01X00T47' },
    access: ['admin'],
    allowedStatus: 422,
    allowedCode: 'not_a_chinese_passport',
  },
  {
    method: 'POST',
    route: '/v1/repairs/:id/decision',
    url: '/v1/repairs/999999/decision',
    body: { outcome: 'refused', reasons: 'checked' },
    access: ['reviewer'],
    allowedStatus: 404,
    allowedCode: 'repair_not_found',
  },
  {
    method: 'POST',
    route: '/v1/subjects/:subject/repairs',
    url: `/v1/subjects/${ids.defaulter}/repairs`,
    body: { recordId: 999999, conditions: ['commitment_signed'], statement: 'done' },
    access: staffOrSelf,
    allowedStatus: 404,
    allowedCode: 'record_not_found',
  },
  {
    method: 'GET',
    route: '/v1/subjects/:subject/export',
    url: `/v1/subjects/${ids.defaulter}/export`,
    access: staffOrSelf,
    allowedStatus: 200,
  },
  {
    method: 'GET',
    route: '/v1/subjects/:subject/access-log',
    url: `/v1/subjects/${ids.defaulter}/access-log`,
    access: staffOrSelf,
    allowedStatus: 200,
  },
  {
    method: 'GET',
    route: '/v1/subjects/:subject/history',
    url: `/v1/subjects/${ids.defaulter}/history`,
    access: staffOrSelf,
    allowedStatus: 200,
  },
  {
    method: 'GET',
    route: '/v1/subjects/:subject/represents',
    url: `/v1/subjects/${ids.legalRep}/represents`,
    access: staffOrSelf,
    allowedStatus: 200,
  },
  {
    method: 'GET',
    route: '/v1/subjects/:subject/objections',
    url: `/v1/subjects/${ids.defaulter}/objections`,
    access: staffOrSelf,
    allowedStatus: 200,
  },
  {
    method: 'GET',
    route: '/v1/subjects/:subject/repairs',
    url: `/v1/subjects/${ids.defaulter}/repairs`,
    access: staffOrSelf,
    allowedStatus: 200,
  },
  {
    method: 'GET',
    route: '/v1/public/lists/:list/members',
    url: '/v1/public/lists/court-defaulters/members',
    access: 'public',
    allowedStatus: 200,
  },
  { method: 'GET', route: '/v1/public/statistics', url: '/v1/public/statistics', access: 'public', allowedStatus: 200 },
  {
    method: 'GET',
    route: '/v1/objections/:id',
    url: '/v1/objections/999999',
    access: staff,
    allowedStatus: 404,
    allowedCode: 'objection_not_found',
  },
  {
    method: 'POST',
    route: '/v1/objections/:id/decision',
    url: '/v1/objections/999999/decision',
    body: { outcome: 'upheld', reasons: 'checked' },
    access: ['reviewer'],
    allowedStatus: 404,
    allowedCode: 'objection_not_found',
  },
  {
    method: 'POST',
    route: '/v1/subjects/:subject/objections',
    url: `/v1/subjects/${ids.defaulter}/objections`,
    body: { recordId: 999999, grounds: 'not me' },
    access: staffOrSelf,
    allowedStatus: 404,
    allowedCode: 'record_not_found',
  },
  { method: 'GET', route: '/v1/catalogs', url: '/v1/catalogs', access: 'public', allowedStatus: 200 },
  {
    method: 'GET',
    route: '/v1/catalogs/:scheme/versions',
    url: '/v1/catalogs/court-defaulters/versions',
    access: 'public',
    allowedStatus: 200,
  },
  {
    method: 'GET',
    route: '/v1/catalogs/:scheme/versions/:version',
    url: '/v1/catalogs/court-defaulters/versions/1',
    access: 'public',
    allowedStatus: 200,
  },
  {
    method: 'PUT',
    route: '/v1/catalogs/:scheme/draft',
    url: '/v1/catalogs/civic-honours/draft',
    body: {},
    access: ['admin'],
    allowedStatus: 422,
    allowedCode: 'invalid_catalog',
  },
  {
    method: 'GET',
    route: '/v1/catalogs/:scheme/draft',
    url: '/v1/catalogs/civic-honours/draft',
    access: ['admin'],
    allowedStatus: 404,
    allowedCode: 'no_draft',
  },
  {
    method: 'POST',
    route: '/v1/catalogs/:scheme/draft/publish',
    url: '/v1/catalogs/civic-honours/draft/publish',
    access: ['admin'],
    allowedStatus: 404,
    allowedCode: 'no_draft',
  },
  {
    method: 'POST',
    route: '/v1/simulations',
    url: '/v1/simulations',
    body: {},
    access: ['admin'],
    allowedStatus: 422,
    allowedCode: 'invalid_catalog',
  },
  {
    method: 'POST',
    route: '/v1/catalogs/:scheme/draft/simulation',
    url: '/v1/catalogs/civic-honours/draft/simulation',
    access: ['admin'],
    allowedStatus: 404,
    allowedCode: 'no_draft',
  },
  {
    method: 'GET',
    route: '/v1/catalogs/:scheme/draft/simulation/subjects/:subject',
    url: `/v1/catalogs/civic-honours/draft/simulation/subjects/${ids.clean}`,
    access: ['admin'],
    allowedStatus: 404,
    allowedCode: 'no_draft',
  },
  { method: 'GET', route: '/v1/lists', url: '/v1/lists', access: 'public', allowedStatus: 200 },
  {
    method: 'GET',
    route: '/v1/lists/:list/members',
    url: '/v1/lists/court-defaulters/members',
    access: staff,
    allowedStatus: 200,
  },
  { method: 'GET', route: '/v1/audit/events', url: '/v1/audit/events?limit=5', access: staff, allowedStatus: 200 },
  { method: 'GET', route: '/v1/audit/public-key', url: '/v1/audit/public-key', access: 'public', allowedStatus: 200 },
  {
    method: 'POST',
    route: '/v1/session',
    url: '/v1/session',
    body: { login: 'nobody', password: 'not a password' },
    access: 'public',
    allowedStatus: 401,
    allowedCode: 'invalid_login',
  },
  {
    method: 'GET',
    route: '/v1/session',
    url: '/v1/session',
    access: ['agency', 'service-point', 'reviewer', 'admin', 'subject'],
    allowedStatus: 200,
  },
  {
    method: 'DELETE',
    route: '/v1/session',
    url: '/v1/session',
    access: ['agency', 'service-point', 'reviewer', 'admin', 'subject'],
    allowedStatus: 409,
    allowedCode: 'not_a_session',
  },
  {
    method: 'POST',
    route: '/v1/audit/checkpoints',
    url: '/v1/audit/checkpoints',
    access: ['admin'],
    allowedStatus: 200,
  },
  {
    method: 'GET',
    route: '/v1/audit/checkpoints',
    url: '/v1/audit/checkpoints',
    access: 'public',
    allowedStatus: 200,
  },
  {
    method: 'GET',
    route: '/v1/audit/checkpoints/latest',
    url: '/v1/audit/checkpoints/latest',
    access: 'public',
    allowedStatus: 200,
  },
  {
    method: 'GET',
    route: '/v1/audit/proofs/inclusion',
    url: '/v1/audit/proofs/inclusion?seq=1&size=2',
    access: 'public',
    allowedStatus: 200,
  },
  {
    method: 'GET',
    route: '/v1/audit/proofs/consistency',
    url: '/v1/audit/proofs/consistency?from=1&to=2',
    access: 'public',
    allowedStatus: 200,
  },
  {
    method: 'POST',
    route: '/v1/tokens',
    url: '/v1/tokens',
    body: { role: 'reviewer', name: 'matrix-reviewer' },
    access: ['admin'],
    allowedStatus: 201,
  },
  { method: 'GET', route: '/v1/tokens', url: '/v1/tokens', access: ['admin'], allowedStatus: 200 },
  {
    method: 'DELETE',
    route: '/v1/tokens/:id',
    url: '/v1/tokens/0000000000000000',
    access: ['admin'],
    allowedStatus: 404,
    allowedCode: 'token_not_found',
  },
  { method: 'GET', route: '/v1/accounts', url: '/v1/accounts', access: ['admin'], allowedStatus: 200 },
  {
    method: 'POST',
    route: '/v1/accounts',
    url: '/v1/accounts',
    // Refused as weak, so the one allowed caller writes nothing and the row can run again.
    body: { login: 'matrix-reviewer', role: 'reviewer', name: 'matrix-reviewer', password: 'short' },
    access: ['admin'],
    allowedStatus: 400,
    allowedCode: 'weak_password',
  },
  { method: 'GET', route: '/v1/agencies', url: '/v1/agencies', access: ['admin'], allowedStatus: 200 },
];

/** Tokens revoked (over HTTP, by an administrator) before the matrix runs, one per role. */
const revokedSpecs: Readonly<Record<Role, { role: Role; name: string; scope: string[] }>> = {
  agency: { role: 'agency', name: 'traffic-police', scope: [] },
  'service-point': { role: 'service-point', name: 'revoked-desk', scope: ['travel.flight'] },
  reviewer: { role: 'reviewer', name: 'revoked-reviewer', scope: [] },
  admin: { role: 'admin', name: 'revoked-admin', scope: [] },
};

let h: Harness;
const revoked = {} as Record<Role, string>;
before(async () => {
  h = await startHarness();
  for (const role of roles) {
    const created = await call(h.app, 'POST', '/v1/tokens', { token: h.tokens.admin, body: revokedSpecs[role] });
    assert.equal(created.status, 201, created.text);
    const { token, id } = created.json as { token: string; id: string };
    const deleted = await call(h.app, 'DELETE', `/v1/tokens/${id}`, { token: h.tokens.admin });
    assert.equal(deleted.status, 200, deleted.text);
    revoked[role] = token;
  }
});
after(() => h.stop());

function tokenOfRole(role: Role): string {
  switch (role) {
    case 'agency':
      return h.tokens.trafficPolice;
    case 'service-point':
      return h.tokens.servicePoint;
    case 'reviewer':
      return h.tokens.reviewer;
    case 'admin':
      return h.tokens.admin;
  }
}

/** A role the route allows (the administrator's for a public route), so a 401 cannot be a wrong role in disguise. */
function allowedRoleOf(route: RouteCase): Role {
  if (route.access === 'public') return 'admin';
  return route.access.find((r): r is Role => r !== 'subject') ?? 'admin';
}

/** The token with its secret's last character changed: the id is known, the secret is not. */
function withWrongSecret(token: string): string {
  return `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
}

function headersOf(route: RouteCase, caller: Caller): Record<string, string> {
  switch (caller) {
    case 'none':
      return {};
    case 'malformed':
      return { authorization: 'Basic dXNlcjpwYXNz' };
    case 'bad-token':
      return { authorization: `Bearer ${withWrongSecret(tokenOfRole(allowedRoleOf(route)))}` };
    case 'revoked':
      return { authorization: `Bearer ${revoked[allowedRoleOf(route)]}` };
    default:
      return { authorization: `Bearer ${tokenOfRole(caller)}` };
  }
}

type Expectation = { kind: 'allowed' } | { kind: 401; message: string } | { kind: 403 };

function expectationOf(route: RouteCase, caller: Caller): Expectation {
  if (route.access === 'public') return { kind: 'allowed' };
  switch (caller) {
    case 'none':
      return { kind: 401, message: messages.noToken };
    case 'malformed':
      return { kind: 401, message: messages.malformed };
    case 'bad-token':
    case 'revoked':
      return { kind: 401, message: messages.unknownToken };
    default:
      return route.access.includes(caller) ? { kind: 'allowed' } : { kind: 403 };
  }
}

function statusOf(route: RouteCase, expected: Expectation): number {
  return expected.kind === 'allowed' ? route.allowedStatus : expected.kind;
}

function assertAllowed(route: RouteCase, caller: Caller, answer: Answer): void {
  const what = `${caller} ${route.method} ${route.url}: ${answer.text.slice(0, 300)}`;
  assert.equal(answer.status, route.allowedStatus, what);
  if (route.allowedCode !== undefined) {
    assert.equal((answer.json as { error?: { code?: string } }).error?.code, route.allowedCode, what);
  }
}

let cellsRun = 0;

for (const route of routes) {
  describe(`${route.method} ${route.route}`, () => {
    for (const caller of callers) {
      const expected = expectationOf(route, caller);
      test(`${caller}: ${expected.kind}`, async () => {
        cellsRun += 1;
        const answer = await call(h.app, route.method, route.url, {
          headers: headersOf(route, caller),
          ...(route.body === undefined ? {} : { body: route.body }),
        });
        if (expected.kind === 401) {
          assertError(answer, 401, 'unauthorized', expected.message);
        } else if (expected.kind === 403) {
          assert.notEqual(route.access, 'public');
          assertError(
            answer,
            403,
            'forbidden_role',
            forbiddenRoleMessage(caller, route.method, route.route, route.access === 'public' ? [] : route.access),
          );
        } else {
          assertAllowed(route, caller, answer);
        }
      });
    }
  });
}

/** OpenAPI's `{param}` as Fastify's `:param`, the form the matrix and the 403 message use. */
function fastifyPath(openApiPath: string): string {
  return openApiPath.replace(/\{(\w+)\}/g, ':$1');
}

/**
 * Every method and path in Fastify's route table, read from `printRoutes` (Fastify has no public list of its
 * routes). Each line of the tree is a path fragment under its parent, with the methods in brackets.
 */
function routeTableOf(app: FastifyInstance): string[] {
  const found: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes().split('\n')) {
    const match = /^((?:│ {3}| {4})*)(?:├── |└── )(\S+)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    stack.length = depth;
    const path = `${stack.at(-1) ?? ''}${match[2] ?? ''}`;
    stack.push(path);
    for (const method of (match[3] ?? '').split(',').map((m) => m.trim())) {
      if (method !== '') found.push(`${method} ${path}`);
    }
  }
  return found;
}

const listed = new Set(routes.map((r) => `${r.method} ${r.route}`));

describe('around the matrix', () => {
  test('every operation in the OpenAPI document is in the matrix, and every documented one the matrix lists exists', async () => {
    const answer = await call(h.app, 'GET', '/openapi.json');
    assert.equal(answer.status, 200, answer.text);
    const paths = (answer.json as { paths: Record<string, Record<string, unknown>> }).paths;
    const documented = Object.entries(paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${fastifyPath(path)}`),
    );
    assert.ok(documented.length > 0, 'the OpenAPI document lists operations');
    const missing = documented.filter((op) => !listed.has(op));
    assert.deepEqual(missing, [], `the authorisation matrix does not list: ${missing.join('; ')}`);
    // Rows for documented-looking paths the service no longer documents are stale; hidden routes are checked below.
    const hidden = new Set([
      'GET /openapi.json',
      ...[...docsRoutes, ...webRoutes()].map((r) => `${r.method} ${r.route}`),
    ]);
    const stale = [...listed].filter((op) => !hidden.has(op) && !documented.includes(op));
    assert.deepEqual(stale, [], `the matrix lists operations the OpenAPI document does not: ${stale.join('; ')}`);
  });

  test('every route in Fastify’s route table is in the matrix, hidden ones too (HEAD twins aside)', () => {
    const table = routeTableOf(h.app);
    assert.ok(
      table.includes('POST /v1/records/:agencyRef/retraction'),
      `the route table was read: ${table.join('; ')}`,
    );
    const missing = table.filter(
      (op) => !listed.has(op) && !(op.startsWith('HEAD ') && listed.has(op.replace(/^HEAD /, 'GET '))),
    );
    assert.deepEqual(missing, [], `the authorisation matrix does not list: ${missing.join('; ')}`);
    const absent = [...listed].filter((op) => !table.includes(op));
    assert.deepEqual(absent, [], `the matrix lists routes the service does not have: ${absent.join('; ')}`);
  });

  test('the HEAD twins Fastify adds to GET routes answer as their GET does, for every caller', async () => {
    for (const route of routes.filter((r) => r.method === 'GET')) {
      for (const caller of callers) {
        const answer = await h.app.inject({ method: 'HEAD', url: route.url, headers: headersOf(route, caller) });
        const expected = statusOf(route, expectationOf(route, caller));
        assert.equal(answer.statusCode, expected, `HEAD ${route.url} as ${caller}`);
      }
    }
  });

  test('the revoked tokens the matrix uses are one per role, and revoked', async () => {
    const answer = await call(h.app, 'GET', '/v1/tokens', { token: h.tokens.admin });
    const stored = (answer.json as { tokens: { id: string; role: string; revokedAt?: string }[] }).tokens;
    for (const role of roles) {
      const id = /^cr_([0-9a-f]{16})_/.exec(revoked[role])?.[1];
      const found = stored.find((t) => t.id === id);
      assert.equal(found?.role, role);
      assert.equal(typeof found?.revokedAt, 'string', `the ${role} token is revoked`);
    }
  });

  // Runs last: the cells above have all run by now (tests in a file run in order).
  test('counts the cells', (t) => {
    assert.equal(cellsRun, routes.length * callers.length, 'every cell of the matrix ran');
    t.diagnostic(JSON.stringify({ matrixCells: cellsRun, routes: routes.length, callers: callers.length }));
  });
});
