/**
 * Sessions for the web app: a password login opens one (an httpOnly, SameSite=Strict cookie holding a token that
 * expires), `GET` says who it is, `DELETE` ends it. Whatever a session changes needs its CSRF token in the
 * x-csrf-token header (auth.ts); bearer tokens need none.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { csrfTokenOf, logIn, logOut } from '../../app/accounts.ts';
import { parseSubjectId } from '../../core/identifiers.ts';
import { tokenRoles } from '../../app/tokens.ts';
import { passwordLengthMax, sessionTtlMs } from '../../core/constants.ts';
import { isoFromMs } from '../../core/time.ts';
import { principalOf, sessionCookie } from '../auth.ts';
import { fromProblem, HttpError } from '../errors.ts';
import { errors, isoInstant, subjectText } from '../schema.ts';
import type { Service } from '../service.ts';

/** Login attempts per address per minute: enough for people, too few for guessing. */
const loginsPerMinute = 20;

const sessionBody = z.object({
  role: z.enum(tokenRoles),
  name: z.string().describe('the agency id, a label, or for a subject its lookup token'),
  scope: z.array(z.string()),
  subject: subjectText.optional().describe("a subject's session: its identifier"),
  csrfToken: z.string().optional().describe('a session: send it as x-csrf-token with every change'),
});

export function sessionRoutes(app: FastifyInstance, service: Service): void {
  const { context, clock } = service;
  const api = app.withTypeProvider<ZodTypeProvider>();
  const setCookie = (reply: FastifyReply, value: string, maxAgeSeconds: number, secure: boolean) =>
    reply.setCookie(sessionCookie, value, {
      httpOnly: true,
      sameSite: 'strict',
      secure,
      path: '/',
      maxAge: maxAgeSeconds,
    });

  api.post(
    '/v1/session',
    {
      config: { access: 'public', rateLimit: { max: loginsPerMinute, timeWindow: 60_000 } },
      schema: {
        summary: 'Log in with a password: opens a session (cookie) and returns its CSRF token',
        tags: ['session'],
        security: [],
        body: z.object({
          login: z.string().min(1).max(64).describe("a staff login, or a subject's identifier"),
          password: z.string().min(1).max(passwordLengthMax),
        }),
        response: {
          201: sessionBody.extend({ csrfToken: z.string(), expiresAt: isoInstant }),
          ...errors(400, 401),
        },
      },
    },
    async (request, reply) => {
      const nowMs = clock();
      const session = await logIn(context, request.body, { nowMs });
      if (!session.ok) throw new HttpError(401, session.problem.code, session.problem.message);
      // The session works from the next request on, however soon it comes.
      await service.tokens.refresh();
      setCookie(reply, session.value.token, sessionTtlMs / 1000, request.protocol === 'https');
      reply.code(201);
      const { role, name, scope } = session.value.record;
      const loggedInAs = parseSubjectId(request.body.login.trim());
      return {
        role,
        name,
        scope: [...scope],
        ...(role === 'subject' && loggedInAs.ok ? { subject: loggedInAs.value.key } : {}),
        csrfToken: session.value.csrfToken,
        expiresAt: isoFromMs(session.value.record.expiresAtMs ?? nowMs + sessionTtlMs),
      };
    },
  );

  api.get(
    '/v1/session',
    {
      config: { access: tokenRoles },
      schema: {
        summary: 'Who the session (or bearer token) acts as',
        tags: ['session'],
        response: { 200: sessionBody, ...errors(401, 403) },
      },
    },
    async (request) => {
      const { role, name, scope } = principalOf(request);
      const subject = role === 'subject' ? await context.store.identifierOf(name) : undefined;
      // A session (not a bearer token) learns its CSRF token again, so a reloaded page can still make changes.
      const cookie = request.headers.authorization === undefined ? request.cookies[sessionCookie] : undefined;
      return {
        role,
        name,
        scope: [...scope],
        ...(subject === undefined ? {} : { subject }),
        ...(cookie === undefined ? {} : { csrfToken: csrfTokenOf(cookie) }),
      };
    },
  );

  api.delete(
    '/v1/session',
    {
      config: { access: tokenRoles },
      schema: {
        summary: 'Log out: the session ends at once (a bearer token is revoked with DELETE /v1/tokens/{id})',
        tags: ['session'],
        response: { 204: z.null(), ...errors(401, 403, 409) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (request.headers.authorization !== undefined)
        throw new HttpError(409, 'not_a_session', 'this request came with a bearer token, not a session to end');
      const ended = await logOut(context, principal.tokenId, { nowMs: clock(), actor: principal.name });
      if (!ended.ok) throw fromProblem(ended.problem, 404);
      await service.tokens.refresh();
      setCookie(reply, '', 0, request.protocol === 'https');
      reply.code(204);
      return null;
    },
  );
}
