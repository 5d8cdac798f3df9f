/** The audit log, for staff: every write, publication and decision, hash-chained. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditEventsPageMax } from '../../core/constants.ts';
import { isoFromMs } from '../../core/time.ts';
import { staff } from '../auth.ts';
import { errors, isoInstant } from '../schema.ts';
import type { Service } from '../service.ts';

export function auditRoutes(app: FastifyInstance, service: Service): void {
  const { context } = service;
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/audit/events',
    {
      config: { access: staff },
      schema: {
        summary: 'Audit events in order, after a sequence number',
        tags: ['audit'],
        querystring: z.object({
          after: z.coerce.number().int().min(0).default(0),
          limit: z.coerce.number().int().min(1).max(auditEventsPageMax).default(100),
        }),
        response: {
          200: z.object({
            events: z.array(
              z.object({
                seq: z.number().int(),
                at: isoInstant,
                kind: z.string(),
                actor: z.string(),
                subject: z.string().optional(),
                payload: z.object({}).passthrough(),
                prevHash: z.string(),
                hash: z.string(),
              }),
            ),
            next: z.number().int().optional(),
          }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request) => {
      const events = await context.store.auditEvents(request.query.after, request.query.limit);
      const last = events.at(-1);
      return {
        events: events.map((e) => ({
          seq: e.seq,
          at: isoFromMs(e.atMs),
          kind: e.kind,
          actor: e.actor,
          ...(e.subject === undefined ? {} : { subject: e.subject }),
          payload: e.payload,
          prevHash: e.prevHash,
          hash: e.hash,
        })),
        ...(events.length === request.query.limit && last ? { next: last.seq } : {}),
      };
    },
  );
}
