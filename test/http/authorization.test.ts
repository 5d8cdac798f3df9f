/**
 * The authorisation matrix: every route against every caller (no token, agency, service point, reviewer,
 * administrator). A caller a route allows gets the route's own answer; one it does not allow gets 401 without a
 * token and otherwise 403 `forbidden_role`, whose message names the caller's role, the route and who is allowed.
 * Requests are valid where the role is allowed, so "allowed" is seen as the route's ordinary status.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  assertError,
  call,
  forbiddenRoleMessage,
  ids,
  messages,
  startHarness,
  type Harness,
  type Method,
} from './support.ts';

type Caller = 'none' | 'agency' | 'service-point' | 'reviewer' | 'admin';
type Role = Exclude<Caller, 'none'>;

const callers: readonly Caller[] = ['none', 'agency', 'service-point', 'reviewer', 'admin'];
const staff: readonly Role[] = ['reviewer', 'admin'];
const askers: readonly Role[] = ['service-point', 'reviewer', 'admin'];

interface RouteCase {
  readonly method: Method;
  /** The route pattern, as the 403 message names it. */
  readonly route: string;
  readonly url: string;
  readonly body?: unknown;
  /** 'public', or the roles allowed. */
  readonly access: 'public' | readonly Role[];
  /** The status an allowed caller gets for this request. */
  readonly allowedStatus: number;
}

const fineRecord = {
  agencyRef: 'AUTHZ-1',
  subject: ids.clean2,
  code: 'traffic.fine',
  effectiveAt: '2026-10-01T08:00:00Z',
  evidence: 'ticket AUTHZ-1',
  amount: 300,
};

const routes: readonly RouteCase[] = [
  { method: 'GET', route: '/healthz', url: '/healthz', access: 'public', allowedStatus: 200 },
  { method: 'GET', route: '/metrics', url: '/metrics', access: 'public', allowedStatus: 200 },
  { method: 'GET', route: '/openapi.json', url: '/openapi.json', access: 'public', allowedStatus: 200 },
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
    access: staff,
    allowedStatus: 200,
  },
  {
    method: 'GET',
    route: '/v1/subjects/:subject/explanation',
    url: `/v1/subjects/${ids.defaulter}/explanation`,
    access: staff,
    allowedStatus: 200,
  },
  {
    method: 'GET',
    route: '/v1/subjects/:subject/notices',
    url: `/v1/subjects/${ids.defaulter}/notices`,
    access: staff,
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
  },
  {
    method: 'POST',
    route: '/v1/repairs/:id/decision',
    url: '/v1/repairs/999999/decision',
    body: { outcome: 'refused', reasons: 'checked' },
    access: ['reviewer'],
    allowedStatus: 404,
  },
  {
    method: 'POST',
    route: '/v1/subjects/:subject/repairs',
    url: `/v1/subjects/${ids.defaulter}/repairs`,
    body: { recordId: 999999, conditions: ['commitment_signed'], statement: 'done' },
    access: staff,
    allowedStatus: 404,
  },
  {
    method: 'GET',
    route: '/v1/subjects/:subject/export',
    url: `/v1/subjects/${ids.defaulter}/export`,
    access: staff,
    allowedStatus: 200,
  },
  {
    method: 'GET',
    route: '/v1/subjects/:subject/access-log',
    url: `/v1/subjects/${ids.defaulter}/access-log`,
    access: staff,
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
  { method: 'GET', route: '/v1/objections/:id', url: '/v1/objections/999999', access: staff, allowedStatus: 404 },
  {
    method: 'POST',
    route: '/v1/objections/:id/decision',
    url: '/v1/objections/999999/decision',
    body: { outcome: 'upheld', reasons: 'checked' },
    access: ['reviewer'],
    allowedStatus: 404,
  },
  {
    method: 'POST',
    route: '/v1/subjects/:subject/objections',
    url: `/v1/subjects/${ids.defaulter}/objections`,
    body: { recordId: 999999, grounds: 'not me' },
    access: staff,
    allowedStatus: 404,
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
  },
  {
    method: 'GET',
    route: '/v1/catalogs/:scheme/draft',
    url: '/v1/catalogs/civic-honours/draft',
    access: ['admin'],
    allowedStatus: 404,
  },
  {
    method: 'POST',
    route: '/v1/catalogs/:scheme/draft/publish',
    url: '/v1/catalogs/civic-honours/draft/publish',
    access: ['admin'],
    allowedStatus: 404,
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
  },
];

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.stop());

function tokenOf(caller: Caller): string | undefined {
  switch (caller) {
    case 'none':
      return undefined;
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

function expectationOf(route: RouteCase, caller: Caller): 'allowed' | 401 | 403 {
  if (route.access === 'public') return 'allowed';
  if (caller === 'none') return 401;
  return route.access.includes(caller) ? 'allowed' : 403;
}

for (const route of routes) {
  describe(`${route.method} ${route.route}`, () => {
    for (const caller of callers) {
      const expected = expectationOf(route, caller);
      test(`${caller}: ${expected}`, async () => {
        const token = tokenOf(caller);
        const answer = await call(h.app, route.method, route.url, {
          ...(token === undefined ? {} : { token }),
          ...(route.body === undefined ? {} : { body: route.body }),
        });
        if (expected === 401) {
          assertError(answer, 401, 'unauthorized', messages.noToken);
        } else if (expected === 403) {
          assert.notEqual(route.access, 'public');
          assertError(
            answer,
            403,
            'forbidden_role',
            forbiddenRoleMessage(caller, route.method, route.route, route.access === 'public' ? [] : route.access),
          );
        } else {
          assert.equal(answer.status, route.allowedStatus, `${caller} ${route.method} ${route.url}: ${answer.text}`);
        }
      });
    }
  });
}

describe('around the matrix', () => {
  test('the matrix covers every route the OpenAPI document lists', async () => {
    const answer = await call(h.app, 'GET', '/openapi.json');
    const paths = (answer.json as { paths: Record<string, Record<string, unknown>> }).paths;
    const documented = Object.entries(paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    const covered = new Set(routes.map((r) => `${r.method} ${r.route}`));
    assert.deepEqual(
      documented.filter((op) => !covered.has(op)),
      [],
    );
  });

  test('public routes ignore the Authorization header, even a bad one', async () => {
    for (const route of routes.filter((r) => r.access === 'public')) {
      for (const authorization of ['Bearer nonsense', 'Basic dXNlcjpwYXNz']) {
        const answer = await call(h.app, route.method, route.url, { headers: { authorization } });
        assert.equal(answer.status, route.allowedStatus, `${route.url} with ${authorization}: ${answer.text}`);
      }
    }
  });

  test('the HEAD twins Fastify adds to protected GET routes are guarded too', async () => {
    for (const route of routes.filter((r) => r.method === 'GET' && r.access !== 'public')) {
      const none = await h.app.inject({ method: 'HEAD', url: route.url });
      assert.equal(none.statusCode, 401, `HEAD ${route.url} without a token`);
      const agency = await h.app.inject({
        method: 'HEAD',
        url: route.url,
        headers: { authorization: `Bearer ${h.tokens.servicePoint}` },
      });
      const allowed = route.access !== 'public' && route.access.includes('service-point');
      assert.equal(agency.statusCode, allowed ? route.allowedStatus : 403, `HEAD ${route.url} as a service point`);
    }
  });

  test('a 401 for a bad token on a protected route says so, whatever the role would have been', async () => {
    for (const route of routes.filter((r) => r.access !== 'public')) {
      const answer = await call(h.app, route.method, route.url, {
        token: `${h.tokens.admin.slice(0, -1)}${h.tokens.admin.endsWith('A') ? 'B' : 'A'}`,
        ...(route.body === undefined ? {} : { body: route.body }),
      });
      assertError(answer, 401, 'unauthorized', messages.unknownToken);
    }
  });
});
