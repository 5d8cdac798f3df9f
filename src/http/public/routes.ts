/**
 * The public register, no token: each public list's members during their publication period (from the start of
 * the listing, for the list's publicationDays, while the listing lasts), identifiers masked for persons, with the
 * reason and its legal basis; as JSON or CSV. And aggregate statistics. Secret listings do not exist; a list that
 * is not public is still notified to its members, just not published.
 */
import { randomBytes } from 'node:crypto';
import { sealerFor } from '../../app/keyring.ts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { summarize, type Summary } from '../../app/summary.ts';
import { dayMs } from '../../core/constants.ts';
import { maskSubjectKey, parseSubjectId } from '../../core/identifiers.ts';
import { isoFromMs } from '../../core/time.ts';
import { badRequest, notFound } from '../errors.ts';
import { errors, isoInstant, localized, pageLimit } from '../schema.ts';
import type { Service } from '../service.ts';

const member = z.object({
  subject: z.string().describe('masked for persons (110105********002X); organisations and government bodies in full'),
  since: isoInstant,
  until: isoInstant,
  publishedUntil: isoInstant,
  code: z.string(),
  reason: localized,
  legalBasis: z.string(),
});

/** Statistics are computed over every subject; they are kept for a minute. */
const statisticsTtlMs = 60_000;

/**
 * Paging tokens for public pages: the page's last subject, sealed with a key that lives only in this process
 * (AES-256-GCM), so that a token never reveals an identifier the page masked. Tokens end with the process.
 */
function pageTokens() {
  const sealer = sealerFor(randomBytes(32));
  return {
    seal: sealer.seal,
    open(token: string): string | null {
      try {
        return sealer.open(token);
      } catch {
        return null;
      }
    },
  };
}

export function publicRoutes(app: FastifyInstance, service: Service): void {
  const { context, clock } = service;
  const pages = pageTokens();
  const api = app.withTypeProvider<ZodTypeProvider>();
  let statistics: { atMs: number; summary: Summary } | undefined;

  api.get(
    '/v1/public/lists/:list/members',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Published members of a public list (masked), as JSON or CSV',
        tags: ['public'],
        security: [],
        params: z.object({ list: z.string().min(1).max(64) }),
        querystring: z.object({
          format: z.enum(['json', 'csv']).default('json'),
          limit: pageLimit,
          after: z.string().max(200).optional().describe('page: the next token of the previous page'),
        }),
        response: {
          200: z.union([
            z.object({ list: z.string(), title: localized, members: z.array(member), next: z.string().optional() }),
            z.string().describe('text/csv when format=csv'),
          ]),
          ...errors(400, 404),
        },
      },
    },
    async (request, reply) => {
      const found = context.catalogs.list(request.params.list);
      if (!found || !found.list.public) throw notFound('unknown_list', `no public list ${request.params.list}`);
      const nowMs = clock();
      const publicationMs = found.list.publicationDays * dayMs;
      const after = request.query.after === undefined ? undefined : pages.open(request.query.after);
      if (after === null)
        throw badRequest('invalid_page_token', 'the after token is not one this server gave out', 'after');
      const members = await context.store.listMembers(
        found.list.id,
        nowMs,
        request.query.limit,
        after,
        nowMs - publicationMs,
      );
      const rows = members.map((m) => {
        const version = context.catalogs.versionsOf(found.schemeId).find((v) => v.version === m.version);
        const rule = version?.catalog.rules.find((r) => r.code === m.code);
        const id = parseSubjectId(m.subject);
        return {
          subject: id.ok ? maskSubjectKey(id.value) : '*',
          since: isoFromMs(m.startMs),
          until: isoFromMs(m.endMs),
          publishedUntil: isoFromMs(Math.min(m.endMs, m.startMs + publicationMs)),
          code: m.code,
          reason: rule?.title ?? { 'zh-CN': m.code, en: m.code },
          legalBasis: rule?.legalBasis ?? '',
        };
      });
      const last = members.at(-1);
      const next = members.length === request.query.limit && last ? pages.seal(last.subject) : undefined;
      if (request.query.format === 'csv') {
        const csv = stringify(
          rows.map((r) => [
            r.subject,
            r.since,
            r.until,
            r.publishedUntil,
            r.code,
            r.reason['zh-CN'],
            r.reason.en,
            r.legalBasis,
          ]),
          {
            header: true,
            columns: ['subject', 'since', 'until', 'publishedUntil', 'code', 'reasonZh', 'reasonEn', 'legalBasis'],
          },
        );
        // Sent as text, past the JSON serialiser.
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${found.list.id}.csv"`)
          .serializer((payload) => String(payload))
          .send(csv);
      }
      return { list: found.list.id, title: found.list.title, members: rows, ...(next ? { next } : {}) };
    },
  );

  api.get(
    '/v1/public/statistics',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Aggregate statistics: published members per list, records per rule per month, grades per scheme',
        tags: ['public'],
        security: [],
        response: {
          200: z.object({
            at: isoInstant,
            membersPerList: z.record(z.string(), z.number().int()),
            recordsPerRuleMonth: z.array(z.object({ code: z.string(), month: z.string(), records: z.number().int() })),
            gradesPerScheme: z.record(z.string(), z.record(z.string(), z.number().int())),
          }),
        },
      },
    },
    async () => {
      const nowMs = clock();
      if (statistics === undefined || nowMs - statistics.atMs >= statisticsTtlMs) {
        statistics = { atMs: nowMs, summary: await summarize(context, nowMs) };
      }
      const { summary } = statistics;
      return {
        at: isoFromMs(statistics.atMs),
        membersPerList: Object.fromEntries(
          Object.entries(summary.membersByList).filter(([id]) => context.catalogs.list(id)?.list.public ?? false),
        ),
        recordsPerRuleMonth: await context.store.recordsPerRuleMonth(),
        gradesPerScheme: summary.gradesByScheme,
      };
    },
  );
}
