/** Tokens, for administrators: create (the secret is shown once), list (never the secret), revoke. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createToken, revokeToken, tokenRoles } from '../../app/tokens.ts';
import { isoFromMs } from '../../core/time.ts';
import { principalOf } from '../auth.ts';
import { fromProblem } from '../errors.ts';
import { errors, isoInstant } from '../schema.ts';
import type { Service } from '../service.ts';

const tokenSummary = z.object({
  id: z.string(),
  role: z.enum(tokenRoles),
  name: z.string(),
  scope: z.array(z.string()),
  createdAt: isoInstant,
  revokedAt: isoInstant.optional(),
  expiresAt: isoInstant.optional().describe("a login session's end (bearer tokens do not expire)"),
});

export function tokenRoutes(app: FastifyInstance, service: Service): void {
  const { context, tokens, clock } = service;
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post(
    '/v1/tokens',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Create a token (its secret is in this response only)',
        tags: ['tokens'],
        body: z.object({
          role: z.enum(tokenRoles),
          name: z.string().min(1).max(64),
          scope: z.array(z.string().min(1).max(64)).max(200).default([]),
        }),
        response: { 201: z.object({ token: z.string(), id: z.string() }), ...errors(400, 401, 403, 422) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const created = await createToken(context, request.body, { nowMs: clock(), actor: principal.name });
      if (!created.ok) throw fromProblem(created.problem, 422);
      await tokens.refresh();
      reply.code(201);
      return { token: created.value.token, id: created.value.record.id };
    },
  );

  api.get(
    '/v1/tokens',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Every token, without secrets',
        tags: ['tokens'],
        response: { 200: z.object({ tokens: z.array(tokenSummary) }), ...errors(401, 403) },
      },
    },
    async () => ({
      tokens: (await context.store.tokens()).map((t) => ({
        id: t.id,
        role: t.role,
        name: t.name,
        scope: [...t.scope],
        createdAt: isoFromMs(t.createdAtMs),
        ...(t.revokedAtMs === undefined ? {} : { revokedAt: isoFromMs(t.revokedAtMs) }),
        ...(t.expiresAtMs === undefined ? {} : { expiresAt: isoFromMs(t.expiresAtMs) }),
      })),
    }),
  );

  api.delete(
    '/v1/tokens/:id',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Revoke a token',
        tags: ['tokens'],
        params: z.object({ id: z.string().min(1).max(64) }),
        response: { 200: z.object({ id: z.string(), revoked: z.literal(true) }), ...errors(401, 403, 404) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const revoked = await revokeToken(context, request.params.id, { nowMs: clock(), actor: principal.name });
      if (!revoked.ok) throw fromProblem(revoked.problem, 404);
      await tokens.refresh();
      return { id: revoked.value.id, revoked: true as const };
    },
  );
}
