/**
 * Password accounts, for administrators: list them (never a password or its hash) and create one. An account acts
 * as a role, a name and a scope, exactly as a token of those would (app/accounts.ts). Creating one without a
 * password makes a strong one, returned in this response only; one given must be long enough (`weak_password`).
 * A subject's account logs in with the subject's identifier but is stored under its lookup token, so the list
 * names the token: the accounts table names nobody.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createAccount } from '../../app/accounts.ts';
import { tokenRoles } from '../../app/tokens.ts';
import { generatedPasswordBytes, identifierLengthMax, passwordLengthMax } from '../../core/constants.ts';
import { assert } from '../../core/result.ts';
import { isoFromMs } from '../../core/time.ts';
import type { AccountRecord } from '../../store/ports.ts';
import { principalOf } from '../auth.ts';
import { HttpError } from '../errors.ts';
import { errors, isoInstant } from '../schema.ts';
import type { Service } from '../service.ts';

const account = z
  .object({
    login: z.string().describe("the login, lower-cased; for a subject's account, its identifier's lookup token"),
    role: z.enum(tokenRoles),
    name: z.string().describe('the agency id, a label, or for a subject its lookup token'),
    scope: z.array(z.string()),
    createdAt: isoInstant,
    disabledAt: isoInstant.optional(),
  })
  .meta({ id: 'Account' });

/** A refusal's status: bad input 400, a taken login 409, what the agencies and catalogs refuse 422 (as for tokens). */
const statusOf: Readonly<Record<string, number>> = {
  weak_password: 400,
  invalid_login: 400,
  invalid_role: 400,
  invalid_name: 400,
  login_taken: 409,
};

function present(a: AccountRecord) {
  return {
    login: a.login,
    role: a.role,
    name: a.name,
    scope: [...a.scope],
    createdAt: isoFromMs(a.createdAtMs),
    ...(a.disabledAtMs === undefined ? {} : { disabledAt: isoFromMs(a.disabledAtMs) }),
  };
}

/** A made password: random bytes as base64url (18 bytes: 24 characters, 144 bits). */
const newPassword = () => randomBytes(generatedPasswordBytes).toString('base64url');

export function accountRoutes(app: FastifyInstance, service: Service): void {
  const { context, clock } = service;
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/v1/accounts',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Every password account, oldest first (never a password or its hash)',
        tags: ['accounts'],
        response: { 200: z.object({ accounts: z.array(account) }), ...errors(401, 403) },
      },
    },
    async () => ({ accounts: (await context.store.accounts()).map(present) }),
  );

  api.post(
    '/v1/accounts',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Create a password account (a password made for it is in this response only)',
        tags: ['accounts'],
        body: z.object({
          login: z
            .string()
            .min(1)
            .max(identifierLengthMax)
            .describe("a staff login (letters, digits, . _ -), or for a subject's account its identifier"),
          role: z.enum(tokenRoles),
          name: z
            .string()
            .max(identifierLengthMax)
            .optional()
            .describe('the agency id for an agency, a label otherwise; a subject is named by its login'),
          scope: z.array(z.string().min(1).max(identifierLengthMax)).max(200).default([]),
          password: z
            .string()
            .min(1)
            .max(passwordLengthMax)
            .optional()
            .describe('omit it and a strong one is made and returned once'),
        }),
        response: {
          201: account.extend({
            password: z.string().optional().describe('the password made for the account: shown this once'),
          }),
          ...errors(400, 401, 403, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const made = request.body.password === undefined ? newPassword() : undefined;
      const created = await createAccount(
        context,
        {
          login: request.body.login,
          password: request.body.password ?? made ?? '',
          role: request.body.role,
          ...(request.body.name === undefined ? {} : { name: request.body.name }),
          scope: request.body.scope,
        },
        { nowMs: clock(), actor: principal.name },
      );
      if (!created.ok) {
        const p = created.problem;
        throw new HttpError(statusOf[p.code] ?? 422, p.code, p.message, p.field);
      }
      const stored = await context.store.account(created.value.login);
      assert(stored !== undefined, 'an account just created is in the store');
      reply.code(201);
      return { ...present(stored), ...(made === undefined ? {} : { password: made }) };
    },
  );
}
