/**
 * Password logins for the web app. An account acts as a role, a name and a scope, exactly as a token of those
 * would (validatePrincipal); logging in opens a session, which is such a token that expires (sessionTtlMs), so
 * authorisation, revocation, rate limits and the audit log treat both alike. A subject's account is found by the
 * lookup token of its identifier: the accounts table names nobody. Passwords are hashed with scrypt (node:crypto),
 * a fresh salt each, compared in constant time.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { passwordLengthMax, passwordLengthMin, sessionTtlMs } from '../core/constants.ts';
import { parseSubjectId } from '../core/identifiers.ts';
import { assert, fail, ok, type Result } from '../core/result.ts';
import type { AccountRecord, TokenRecord } from '../store/ports.ts';
import { appendAudit } from './audit-chain.ts';
import type { AppContext } from './context.ts';
import { issueToken, revokeToken, validatePrincipal } from './tokens.ts';

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  length: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/** scrypt's cost: 2^15 x 8 x 1 takes about 50 ms and 32 MB here; stored with each hash, so it can be raised. */
const cost = { N: 2 ** 15, r: 8, p: 1 } as const;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, 32, { ...cost, maxmem: 64 * 1024 * 1024 });
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

export async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: 64 * 1024 * 1024,
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** The stored login: a staff name as given (lower-cased), a subject's identifier as its lookup token. */
function loginKey(context: AppContext, login: string): Result<string> {
  const text = login.trim();
  const subject = parseSubjectId(text);
  if (subject.ok) return ok(context.keys.lookup(subject.value.key));
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/i.test(text))
    return fail(
      'invalid_login',
      'a login is a name (letters, digits, . _ -) or, for a subject, its identifier',
      'login',
    );
  return ok(text.toLowerCase());
}

/** The canonical text of a subject's identifier given as a login. */
function parsedLogin(login: string): string {
  const subject = parseSubjectId(login.trim());
  assert(subject.ok, 'a subject account was validated before');
  return subject.value.key;
}

export async function createAccount(
  context: AppContext,
  request: {
    readonly login: string;
    readonly password: string;
    readonly role: string;
    readonly name?: string;
    readonly scope?: readonly string[];
  },
  options: { readonly nowMs: number; readonly actor: string },
): Promise<Result<{ login: string }>> {
  if (request.password.length < passwordLengthMin || request.password.length > passwordLengthMax) {
    return fail('weak_password', `a password has ${passwordLengthMin} to ${passwordLengthMax} characters`, 'password');
  }
  const login = loginKey(context, request.login);
  if (!login.ok) return login;
  // A subject's account acts as its subject; a staff account as the role, name and scope given.
  const spec = await validatePrincipal(context, {
    role: request.role,
    name: request.role === 'subject' ? request.login : (request.name ?? ''),
    scope: request.scope ?? [],
  });
  if (!spec.ok) return spec;
  if (request.role === 'subject' && spec.value.name !== login.value)
    return fail('invalid_login', "a subject's account logs in with the subject's identifier", 'login');
  const account: AccountRecord = {
    login: login.value,
    ...spec.value,
    passwordHash: await hashPassword(request.password),
    createdAtMs: options.nowMs,
  };
  return context.store.transaction(async (tx) => {
    if (!(await tx.insertAccount(account)))
      return fail<{ login: string }>('login_taken', 'this login is taken', 'login');
    // A subject's session names its subject back to it (GET /v1/session): keep the identifier, sealed.
    if (account.role === 'subject') await tx.rememberIdentity(parsedLogin(request.login));
    const event = {
      atMs: options.nowMs,
      kind: 'account.created',
      actor: options.actor,
      payload: { login: account.login, role: account.role, name: account.name, scope: account.scope },
    };
    await appendAudit(tx, context.keys, [event]);
    return ok({ login: account.login });
  });
}

export interface Session {
  /** The session's bearer token: the web app keeps it in an httpOnly cookie. */
  readonly token: string;
  /** Sent back in the x-csrf-token header with every request that changes something. */
  readonly csrfToken: string;
  readonly record: TokenRecord;
}

/** The CSRF token that goes with a session token: derived, so nothing more is stored. */
export function csrfTokenOf(sessionToken: string): string {
  return createHash('sha256').update(`credence csrf\n${sessionToken}`).digest('base64url');
}

/** A password login. Any failure is the same `invalid_login`, and is audited (without the password). */
export async function logIn(
  context: AppContext,
  request: { readonly login: string; readonly password: string },
  options: { readonly nowMs: number },
): Promise<Result<Session>> {
  const refused = fail<Session>('invalid_login', 'the login or the password is wrong');
  const login = loginKey(context, request.login);
  const account = login.ok ? await context.store.account(login.value) : undefined;
  const matches =
    account !== undefined &&
    account.disabledAtMs === undefined &&
    (await passwordMatches(request.password, account.passwordHash));
  if (!matches || account === undefined) {
    await context.store.transaction(async (tx) => {
      const event = {
        atMs: options.nowMs,
        kind: 'login.refused',
        actor: login.ok ? login.value : 'unreadable login',
        payload: {},
      };
      await appendAudit(tx, context.keys, [event]);
    });
    return refused;
  }
  const issued = await issueToken(
    context,
    { role: account.role, name: account.name, scope: account.scope },
    { nowMs: options.nowMs, actor: account.login, expiresAtMs: options.nowMs + sessionTtlMs },
  );
  if (!issued.ok) return issued;
  return ok({ ...issued.value, csrfToken: csrfTokenOf(issued.value.token) });
}

export async function logOut(
  context: AppContext,
  tokenId: string,
  options: { readonly nowMs: number; readonly actor: string },
) {
  return revokeToken(context, tokenId, options);
}
