/** A subject's standing and its explanation, for staff. Read from the store, at now or a given instant. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { explain } from '../../app/decisions.ts';
import { parseInstant } from '../../core/time.ts';
import { staff } from '../auth.ts';
import { fromProblem } from '../errors.ts';
import { presentRecord, presentStanding } from '../present.ts';
import { errors, isoInstant, subjectText } from '../schema.ts';
import type { Service } from '../service.ts';

const params = z.object({ subject: subjectText });
const query = z.object({ at: isoInstant.optional().describe('default: now') });
const standing = z
  .object({})
  .passthrough()
  .meta({ id: 'Standing', description: 'scores, grades, listings and measures per scheme' });

export function subjectRoutes(app: FastifyInstance, service: Service): void {
  const { context, clock } = service;
  const api = app.withTypeProvider<ZodTypeProvider>();
  const atOf = (at: string | undefined) => {
    if (at === undefined) return clock();
    const parsed = parseInstant(at, 'at');
    if (!parsed.ok) throw fromProblem(parsed.problem);
    return parsed.value;
  };

  api.get(
    '/v1/subjects/:subject/standing',
    {
      config: { access: staff },
      schema: {
        summary: 'Scores, grades, listings and measures',
        tags: ['subjects'],
        params,
        querystring: query,
        response: { 200: standing, ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const explained = await explain(context, request.params.subject, atOf(request.query.at));
      if (!explained.ok) throw fromProblem({ ...explained.problem, field: 'subject' });
      return presentStanding(explained.value.standing);
    },
  );

  api.get(
    '/v1/subjects/:subject/explanation',
    {
      config: { access: staff },
      schema: {
        summary: 'The standing and every record behind it',
        tags: ['subjects'],
        params,
        querystring: query,
        response: {
          200: z.object({ standing, records: z.array(z.object({}).passthrough()) }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request) => {
      const explained = await explain(context, request.params.subject, atOf(request.query.at));
      if (!explained.ok) throw fromProblem({ ...explained.problem, field: 'subject' });
      return {
        standing: presentStanding(explained.value.standing),
        records: explained.value.records.map(presentRecord),
      };
    },
  );
}
