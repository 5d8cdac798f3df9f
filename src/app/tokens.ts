/**
 * Bearer tokens for agencies, service points, reviewers and administrators. A token is `cr_<id>_<secret>`; only
 * sha256(secret) is stored, and a presented secret is compared in constant time. `TokenAuthority` keeps the
 * active tokens in memory so that authenticating a request never waits on the store; it re-reads them
 * periodically, so a token revoked from the command line stops working within that period.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { parseSubjectId } from '../core/identifiers.ts';
import { findAction } from '../core/actions.ts';
import { tokenMissRefreshMs } from '../core/constants.ts';
import { fail, ok, type Result } from '../core/result.ts';
import type { TokenRecord, TokenRole } from '../store/ports.ts';
import { appendAudit } from './audit-chain.ts';
import type { AppContext } from './context.ts';

export const tokenRoles: readonly TokenRole[] = ['agency', 'service-point', 'reviewer', 'admin', 'subject'];

export interface Principal {
  readonly tokenId: string;
  readonly role: TokenRole;
  readonly name: string;
  readonly scope: readonly string[];
}

const hashSecret = (secret: string) => createHash('sha256').update(secret).digest();

/** What a token or an account acts as: checked against the agencies, the catalogs and the actions. */
export interface PrincipalSpec {
  readonly role: TokenRole;
  readonly name: string;
  readonly scope: readonly string[];
}

export async function validatePrincipal(
  context: AppContext,
  request: { readonly role: string; readonly name: string; readonly scope: readonly string[] },
): Promise<Result<PrincipalSpec>> {
  const role = tokenRoles.find((r) => r === request.role);
  if (role === undefined) return fail('invalid_role', `role must be one of ${tokenRoles.join(', ')}`, 'role');
  let name = request.name.trim();
  if (role === 'subject') {
    // Named by the subject's identifier, stored as its lookup token: the tokens table names nobody.
    const subject = parseSubjectId(name);
    if (!subject.ok) return fail(subject.problem.code, subject.problem.message, 'name');
    if (request.scope.length > 0) return fail('invalid_scope', 'a subject token has no scope', 'scope');
    name = context.keys.lookup(subject.value.key);
  } else if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(name)) {
    return fail('invalid_name', 'name is 1-64 lower-case letters, digits, . _ -', 'name');
  }
  const scope = [...new Set(request.scope.map((s) => s.trim()).filter((s) => s !== ''))].sort();
  if (role === 'agency') {
    const agencies = await context.store.agencies();
    if (!agencies.some((a) => a.id === name)) {
      return fail('unknown_agency', `no agency ${name}; an agency token is named by its agency id`, 'name');
    }
    for (const code of scope) {
      if (!context.catalogs.agencyMayReport(name, code)) {
        return fail(
          'outside_remit',
          `agency ${name} may not report rule ${code}, so it cannot be in its scope`,
          'scope',
        );
      }
    }
  } else if (role === 'service-point') {
    if (scope.length === 0)
      return fail('missing_scope', 'a service point token names the actions it may ask about', 'scope');
    for (const action of scope)
      if (!findAction(action)) return fail('unknown_action', `unknown action ${action}`, 'scope');
  } else if (role === 'reviewer' && scope.length > 0) {
    // A reviewer's scope names the one agency they work for: they may not decide objections to its records.
    const agencies = await context.store.agencies();
    if (scope.length > 1 || !agencies.some((a) => a.id === scope[0])) {
      return fail(
        'invalid_scope',
        'a reviewer token’s scope is at most the one agency the reviewer works for',
        'scope',
      );
    }
  } else if (role === 'admin' && scope.length > 0) {
    return fail('invalid_scope', 'an admin token has no scope', 'scope');
  }
  return ok({ role, name, scope });
}

export async function createToken(
  context: AppContext,
  request: { readonly role: string; readonly name: string; readonly scope: readonly string[] },
  options: { readonly nowMs: number; readonly actor: string; readonly expiresAtMs?: number },
): Promise<Result<{ token: string; record: TokenRecord }>> {
  const spec = await validatePrincipal(context, request);
  if (!spec.ok) return spec;
  return issueToken(context, spec.value, options);
}

/** Stores a new token for a principal already checked, audited; returns its secret once. */
export async function issueToken(
  context: AppContext,
  spec: PrincipalSpec,
  options: { readonly nowMs: number; readonly actor: string; readonly expiresAtMs?: number },
): Promise<Result<{ token: string; record: TokenRecord }>> {
  const { role, name, scope } = spec;
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const record: TokenRecord = {
    id,
    role,
    name,
    scope,
    secretHash: hashSecret(secret).toString('hex'),
    createdAtMs: options.nowMs,
    ...(options.expiresAtMs === undefined ? {} : { expiresAtMs: options.expiresAtMs }),
  };
  await context.store.transaction(async (tx) => {
    await tx.putToken(record);
    const event = {
      atMs: options.nowMs,
      kind: 'token.created',
      actor: options.actor,
      payload: { id, role, name, scope },
    };
    await appendAudit(tx, context.keys, [event]);
  });
  return ok({ token: `cr_${id}_${secret}`, record });
}

export async function revokeToken(
  context: AppContext,
  id: string,
  options: { readonly nowMs: number; readonly actor: string },
): Promise<Result<{ id: string }>> {
  return context.store.transaction(async (tx) => {
    if (!(await tx.revokeToken(id, options.nowMs))) {
      return fail<{ id: string }>('token_not_found', `no active token ${id}`, 'id');
    }
    const event = { atMs: options.nowMs, kind: 'token.revoked', actor: options.actor, payload: { id } };
    await appendAudit(tx, context.keys, [event]);
    return ok({ id });
  });
}

/** The in-memory view of active tokens used to authenticate requests. */
export class TokenAuthority {
  readonly #context: AppContext;
  readonly #clock: () => number;
  #byId = new Map<string, TokenRecord>();

  constructor(context: AppContext, clock: () => number = Date.now) {
    this.#context = context;
    this.#clock = clock;
  }

  #refreshedAtMs = 0;

  async refresh(): Promise<void> {
    const tokens = await this.#context.store.tokens();
    this.#byId = new Map(tokens.filter((t) => t.revokedAtMs === undefined).map((t) => [t.id, t]));
    this.#refreshedAtMs = performance.now();
  }

  /**
   * A token created a moment ago (from the command line) works at once: an unknown id re-reads the tokens, at most
   * every 100 ms, so a flood of made-up tokens costs at most ten small reads a second.
   */
  async authenticateFresh(token: string): Promise<Result<Principal>> {
    const first = this.authenticate(token);
    if (first.ok || performance.now() - this.#refreshedAtMs < tokenMissRefreshMs) return first;
    await this.refresh();
    return this.authenticate(token);
  }

  get size(): number {
    return this.#byId.size;
  }

  /** The principal a bearer token stands for, or why it does not stand for one. */
  authenticate(token: string): Result<Principal> {
    const match = /^cr_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/.exec(token);
    const record = match ? this.#byId.get(match[1] ?? '') : undefined;
    if (!match || record === undefined) return fail('invalid_token', 'the bearer token is unknown or revoked');
    const presented = hashSecret(match[2] ?? '');
    const stored = Buffer.from(record.secretHash, 'hex');
    if (stored.length !== presented.length || !timingSafeEqual(stored, presented)) {
      return fail('invalid_token', 'the bearer token is unknown or revoked');
    }
    if (record.expiresAtMs !== undefined && this.#clock() >= record.expiresAtMs) {
      return fail('session_expired', 'the session has ended; log in again');
    }
    return ok({ tokenId: record.id, role: record.role, name: record.name, scope: record.scope });
  }
}
