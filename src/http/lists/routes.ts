/** Lists: which exist and how many members (public); their members, unmasked, for staff. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isoFromMs } from '../../core/time.ts';
import { principalOf, staff } from '../auth.ts';
import { notFound } from '../errors.ts';
import { errors, isoInstant, localized, pageLimit } from '../schema.ts';
import type { Service } from '../service.ts';

export function listRoutes(app: FastifyInstance, service: Service): void {
  const { context, clock } = service;
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/v1/lists',
    {
      config: { access: 'public' },
      schema: {
        security: [],
        summary: 'Every list and its current number of members',
        tags: ['lists'],
        response: {
          200: z.object({
            lists: z.array(
              z.object({
                id: z.string(),
                scheme: z.string(),
                title: localized,
                color: z.enum(['black', 'red']),
                members: z.number().int(),
              }),
            ),
          }),
        },
      },
    },
    async () => {
      const counts = await context.store.countListMembers(clock());
      return {
        lists: context.catalogs.listIds.flatMap((id) => {
          const found = context.catalogs.list(id);
          return found
            ? [
                {
                  id,
                  scheme: found.schemeId,
                  title: found.list.title,
                  color: found.list.color,
                  members: counts.get(id) ?? 0,
                },
              ]
            : [];
        }),
      };
    },
  );

  api.get(
    '/v1/lists/:list/members',
    {
      config: { access: staff },
      schema: {
        summary: 'Current members of a list (staff: identifiers unmasked)',
        tags: ['lists'],
        params: z.object({ list: z.string().min(1).max(64) }),
        querystring: z.object({
          limit: pageLimit,
          after: z.string().max(64).optional().describe('page: members after this subject'),
        }),
        response: {
          200: z.object({
            list: z.string(),
            members: z.array(
              z.object({
                subject: z.string(),
                since: isoInstant,
                until: isoInstant,
                recordId: z.number().int(),
                code: z.string(),
              }),
            ),
            next: z.string().optional(),
          }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const { list } = request.params;
      if (!context.catalogs.list(list))
        throw notFound('unknown_list', `no list ${list}; lists: ${context.catalogs.listIds.join(', ')}`);
      const members = await context.store.listMembers(list, clock(), request.query.limit, request.query.after);
      // Staff see members unmasked: each member's access log says so.
      const actor = principalOf(request).name;
      await service.decisionLog.append(
        members.map((m) => ({
          atMs: clock(),
          kind: 'data.read',
          actor,
          subject: m.subject,
          payload: { route: `/v1/lists/${list}/members` },
        })),
      );
      const last = members.at(-1);
      return {
        list,
        members: members.map((m) => ({
          subject: m.subject,
          since: isoFromMs(m.startMs),
          until: isoFromMs(m.endMs),
          recordId: m.recordId,
          code: m.code,
        })),
        ...(members.length === request.query.limit && last ? { next: last.subject } : {}),
      };
    },
  );
}
