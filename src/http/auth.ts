/**
 * Authentication and authorisation, in one place. Every route declares who may call it (`config.access`: public,
 * or a list of roles); the onRequest hook authenticates the bearer token and enforces that list, with a clear 401
 * (no or bad token) or 403 (wrong role). The finer rules, also here: an agency submits only rule codes in its
 * remit and scope and reads only its own records; a service point asks only about the actions in its scope; a
 * subject token reaches only routes about its own subject, or about an organisation the person it names is
 * recorded for now (legal representative, responsible manager), and files only in its own name.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { csrfTokenOf } from '../app/accounts.ts';
import type { CatalogSet } from '../core/catalog-set.ts';
import { parseSubjectId, type SubjectId } from '../core/identifiers.ts';
import { relationInForce, type Relation } from '../core/standing.ts';
import type { Principal, TokenAuthority } from '../app/tokens.ts';
import type { TokenRole } from '../store/ports.ts';
import { forbidden, unauthorized } from './errors.ts';

export type Access = 'public' | readonly TokenRole[];

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

export const staff: readonly TokenRole[] = ['reviewer', 'admin'];

/** Staff, or the subject the route names (a subject token reads and acts on its own data only). */
export const staffOrSelf: readonly TokenRole[] = ['reviewer', 'admin', 'subject'];

/** Where the representative rule reads an organisation's recorded relations, and the time. */
export interface RepresentationSource {
  relationsOfOrganisation(organisation: string): Promise<readonly Relation[]>;
  nowMs(): number;
}
/**
 * The hooks. `representation` lets a person's subject token through to the routes of an organisation it is
 * recorded for now (an organisation's data is seen by the representatives registered for it).
 */
export function registerAuth(
  app: FastifyInstance,
  tokens: TokenAuthority,
  keys: { lookup(text: string): string },
  representation: RepresentationSource,
): void {
  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access;
    // Routes without a declared access (Fastify's own 404) fall through to their handlers.
    if (access === undefined || access === 'public') return;
    const header = request.headers.authorization;
    const session = request.cookies[sessionCookie];
    let token: string | undefined;
    if (header !== undefined) {
      const [scheme, presented] = header.split(' ');
      if (scheme?.toLowerCase() !== 'bearer' || presented === undefined || presented === '') {
        throw unauthorized('the Authorization header must be: Bearer <token>');
      }
      token = presented;
    } else if (session !== undefined && session !== '') {
      // A browser's session: whatever changes something must also carry the session's CSRF token.
      if (!safeMethods.has(request.method)) checkCsrf(request, session);
      token = session;
    } else {
      throw unauthorized(
        'this route needs a bearer token (Authorization: Bearer <token>) or a session (POST /v1/session)',
      );
    }
    const principal = await tokens.authenticateFresh(token);
    if (!principal.ok) {
      throw unauthorized(
        header === undefined && principal.problem.code === 'invalid_token'
          ? 'the session is unknown or has ended; log in again (POST /v1/session)'
          : principal.problem.message,
      );
    }
    if (!access.includes(principal.value.role)) {
      throw forbidden(
        'forbidden_role',
        `this ${principal.value.role} token may not ${request.method} ${request.routeOptions.url}; allowed: ${access.join(', ')}`,
      );
    }
    // A subject token reaches routes about its own subject (and those about itself: who am I, log out).
    if (principal.value.role === 'subject' && request.routeOptions.url?.includes(':subject') === true)
      await checkOwnSubject(request, principal.value, keys, representation);
    request.principal = principal.value;
  });
  // A subject token files in its own name: an objection's filedBy, if given, is the person the token names.
  app.addHook('preHandler', async (request) => {
    if (request.principal?.role !== 'subject') return;
    const filedBy = (request.body as { filedBy?: unknown } | undefined)?.filedBy;
    if (filedBy === undefined) return;
    const filer = typeof filedBy === 'string' ? parseSubjectId(filedBy) : undefined;
    if (filer === undefined || !filer.ok || keys.lookup(filer.value.key) !== request.principal.name)
      throw forbidden('not_your_data', 'a subject token files in its own name only', 'filedBy');
  });
}

/**
 * A subject token names its subject by lookup token; the route's subject must be that one, or an organisation
 * with a relation to that person in force now.
 */
async function checkOwnSubject(
  request: FastifyRequest,
  principal: Principal,
  keys: { lookup(text: string): string },
  source: RepresentationSource,
) {
  const named = (request.params as { subject?: unknown } | undefined)?.subject;
  const subject = typeof named === 'string' ? parseSubjectId(named) : undefined;
  if (subject?.ok === true && keys.lookup(subject.value.key) === principal.name) return;
  if (subject?.ok === true && (await represents(source, keys, principal.name, subject.value))) return;
  throw forbidden(
    'not_your_data',
    'a subject token reads and acts on its own subject only, or on an organisation it is recorded for now',
  );
}

async function represents(
  source: RepresentationSource,
  keys: { lookup(text: string): string },
  personToken: string,
  organisation: SubjectId,
): Promise<boolean> {
  if (organisation.kind === 'person') return false;
  const nowMs = source.nowMs();
  const relations = await source.relationsOfOrganisation(organisation.key);
  return relations.some((r) => keys.lookup(r.person) === personToken && relationInForce(r, nowMs));
}

export const sessionCookie = 'credence_session';
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

function checkCsrf(request: FastifyRequest, session: string): void {
  const presented = request.headers['x-csrf-token'];
  if (typeof presented !== 'string' || presented === '')
    throw forbidden('csrf_missing', 'a change made with a session cookie needs its x-csrf-token header');
  const expected = Buffer.from(csrfTokenOf(session));
  const given = Buffer.from(presented);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw forbidden('csrf_mismatch', 'the x-csrf-token header is not this session’s');
}

export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === undefined) throw unauthorized('this route needs a bearer token');
  return request.principal;
}

/** An agency may submit a rule code only if the catalogs name it as a reporter and its token's scope allows it. */
export function checkAgencyMayReport(principal: Principal, catalogs: CatalogSet, code: string, field: string): void {
  if (principal.role !== 'agency') throw forbidden('forbidden_role', 'only an agency submits records');
  const inScope = principal.scope.length === 0 || principal.scope.includes(code);
  if (!catalogs.agencyMayReport(principal.name, code) || !inScope) {
    throw forbidden('outside_remit', `agency ${principal.name} may not report rule ${code}`, field);
  }
}

/** A service point may ask only about the actions in its token's scope. */
export function checkServicePointAction(principal: Principal, action: string): void {
  if (principal.role === 'service-point' && !principal.scope.includes(action)) {
    throw forbidden(
      'outside_scope',
      `this service point may ask only about ${principal.scope.join(', ')}, not ${action}`,
      'action',
    );
  }
}
