/**
 * The public register, no token: each public list's members during their publication period (from the start of
 * the listing, for the list's publicationDays, while the listing lasts), identifiers masked for persons, with the
 * reason and its legal basis; as JSON or CSV; filtered by rule code, or searched by one full identifier (which
 * finds that subject's published listing and nothing else: a person not published gets the same empty answer as
 * one never listed). And aggregate statistics, with published members per list at each of the last months' ends.
 * Secret listings do not exist; a list that is not public is still notified to its members, just not published.
 */
import { randomBytes } from 'node:crypto';
import { sealerFor } from '../../app/keyring.ts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { summarize, type Summary } from '../../app/summary.ts';
import type { ListDefinition } from '../../core/catalog.ts';
import {
  dayMs,
  identifierLengthMax,
  listMembersPageMax,
  publicListFilterScanMax,
  statisticsMonthsCount,
} from '../../core/constants.ts';
import { maskSubjectKey, parseSubjectId } from '../../core/identifiers.ts';
import { isoFromMs } from '../../core/time.ts';
import type { ListMember } from '../../store/ports.ts';
import { badRequest, notFound } from '../errors.ts';
import { errors, isoInstant, localized, pageLimit, subjectText } from '../schema.ts';
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
 * What a search by identifier answers when the identifier is not one: the problem's code, and a message that
 * does not echo any part of what was typed (the core's messages quote the region, birth date or check character).
 */
function identifierProblem(code: string): string {
  switch (code) {
    case 'invalid_resident_id':
      return 'the subject is not a valid resident ID: check its 18 characters, region code, birth date and check character';
    case 'invalid_uscc':
      return 'the subject is not a valid Unified Social Credit Code: check its 18 characters and check character';
    case 'invalid_passport':
      return 'the subject is not a valid passport: write passport:CCC:NUMBER with an ISO 3166-1 alpha-3 nationality';
    default:
      return 'the subject is not an identifier: expected an 18-character resident ID, an 18-character USCC or passport:CCC:NUMBER';
  }
}

/** The last `count` months (UTC) up to the one holding `nowMs`, oldest first, each with its last instant (or now). */
function monthEnds(nowMs: number, count: number): { readonly month: string; readonly atMs: number }[] {
  const now = new Date(nowMs);
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  return Array.from({ length: count }, (_, i) => {
    const back = count - 1 - i;
    const start = new Date(Date.UTC(year, month - back, 1));
    const nextStartMs = Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1);
    return { month: start.toISOString().slice(0, 7), atMs: Math.min(nextStartMs - 1, nowMs) };
  });
}

/** Of one subject's active, published listings on a list, the one a list page shows (as listMembers picks it). */
function shownListing<T extends { readonly endMs: number; readonly recordId: number }>(listings: readonly T[]) {
  return listings.reduce<T | undefined>(
    (best, l) =>
      best === undefined || l.endMs > best.endMs || (l.endMs === best.endMs && l.recordId < best.recordId) ? l : best,
    undefined,
  );
}

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

interface MonthCount {
  readonly list: string;
  readonly month: string;
  readonly members: number;
}

const hasRule = (catalog: { readonly rules: readonly { readonly code: string }[] }, code: string) =>
  catalog.rules.some((r) => r.code === code);

export function publicRoutes(app: FastifyInstance, service: Service): void {
  const { context, clock } = service;
  const pages = pageTokens();
  const api = app.withTypeProvider<ZodTypeProvider>();
  let statistics: { atMs: number; summary: Summary; months: MonthCount[]; published: Map<string, number> } | undefined;

  /**
   * A page of published members, after a subject; with a code, only that code's, reading up to
   * publicListFilterScanMax members. `nextAfter` is where the next page starts, absent when the list is done.
   */
  async function pageOf(
    list: string,
    nowMs: number,
    startedAfterMs: number,
    limit: number,
    after: string | undefined,
    code: string | undefined,
  ): Promise<{ members: ListMember[]; nextAfter?: string }> {
    if (code === undefined) {
      const members = await context.store.listMembers(list, nowMs, limit, after, startedAfterMs);
      const last = members.at(-1);
      return members.length === limit && last ? { members, nextAfter: last.subject } : { members };
    }
    const members: ListMember[] = [];
    let cursor = after;
    for (let read = 0; read < publicListFilterScanMax;) {
      const batchSize = Math.min(listMembersPageMax, publicListFilterScanMax - read);
      const batch = await context.store.listMembers(list, nowMs, batchSize, cursor, startedAfterMs);
      read += batch.length;
      for (const m of batch) {
        cursor = m.subject;
        if (m.code !== code) continue;
        members.push(m);
        if (members.length === limit) return { members, nextAfter: m.subject };
      }
      if (batch.length < batchSize) return { members };
    }
    return cursor === undefined ? { members } : { members, nextAfter: cursor };
  }

  /** One subject's published listing on a list, as the list's pages would show it; [] when it has none. */
  async function publishedListingOf(
    subject: string,
    list: ListDefinition,
    nowMs: number,
    code: string | undefined,
  ): Promise<ListMember[]> {
    const derivation = await context.store.derivation(subject);
    const startedAfterMs = nowMs - list.publicationDays * dayMs;
    const shown = shownListing(
      (derivation?.listings ?? []).filter(
        (l) => l.list === list.id && l.startMs <= nowMs && nowMs < l.endMs && l.startMs > startedAfterMs,
      ),
    );
    if (shown === undefined || (code !== undefined && shown.code !== code)) return [];
    return [
      {
        subject,
        list: shown.list,
        version: shown.version,
        startMs: shown.startMs,
        endMs: shown.endMs,
        recordId: shown.recordId,
        code: shown.code,
      },
    ];
  }

  /** Published members of every public list now, and at the end of each of the last months. */
  async function publishedCounts(nowMs: number): Promise<{ months: MonthCount[]; published: Map<string, number> }> {
    const ends = monthEnds(nowMs, statisticsMonthsCount);
    const months: MonthCount[] = [];
    const published = new Map<string, number>();
    for (const id of context.catalogs.listIds) {
      const list = context.catalogs.list(id)?.list;
      if (!list?.public) continue;
      const periodMs = list.publicationDays * dayMs;
      const instants = [...ends.map((e) => e.atMs), nowMs];
      const counts = await context.store.countListMembersAt(
        id,
        instants.map((atMs) => ({ atMs, startedAfterMs: atMs - periodMs })),
      );
      ends.forEach((e, i) => months.push({ list: id, month: e.month, members: counts[i] ?? 0 }));
      published.set(id, counts.at(-1) ?? 0);
    }
    return { months, published };
  }

  api.get(
    '/v1/public/lists/:list/members',
    {
      // Limited per address (server.ts): enough to read and download any list, too few to unmask it by guessing.
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
          code: z
            .string()
            .min(1)
            .max(identifierLengthMax)
            .optional()
            .describe(
              `only members listed under this rule code (a page may then hold fewer than limit, with a next token, after reading ${publicListFilterScanMax} members)`,
            ),
          subject: subjectText
            .optional()
            .describe(
              'search: one full identifier; its published listing only (masked), or none; paging does not apply',
            ),
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
      const { code, subject } = request.query;
      if (code !== undefined && !context.catalogs.versionsOf(found.schemeId).some((v) => hasRule(v.catalog, code)))
        throw badRequest('unknown_rule_code', `scheme ${found.schemeId} has no rule ${code}`, 'code');
      const nowMs = clock();
      const publicationMs = found.list.publicationDays * dayMs;
      let members: ListMember[];
      let nextAfter: string | undefined;
      if (subject !== undefined) {
        const id = parseSubjectId(subject);
        if (!id.ok) throw badRequest(id.problem.code, identifierProblem(id.problem.code), 'subject');
        members = await publishedListingOf(id.value.key, found.list, nowMs, code);
      } else {
        const after = request.query.after === undefined ? undefined : pages.open(request.query.after);
        if (after === null)
          throw badRequest('invalid_page_token', 'the after token is not one this server gave out', 'after');
        ({ members, nextAfter } = await pageOf(
          found.list.id,
          nowMs,
          nowMs - publicationMs,
          request.query.limit,
          after,
          code,
        ));
      }
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
      const next = nextAfter === undefined ? undefined : pages.seal(nextAfter);
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
        summary:
          'Aggregate statistics: published members per public list (now, and at each of the last months’ ends), records per rule per month, grades per scheme',
        tags: ['public'],
        security: [],
        response: {
          200: z.object({
            at: isoInstant,
            membersPerList: z
              .record(z.string(), z.number().int())
              .describe('members of each public list published now (within their publication period)'),
            membersPerListMonth: z
              .array(z.object({ list: z.string(), month: z.string(), members: z.number().int() }))
              .describe(
                `for each public list and each of the last ${statisticsMonthsCount} months (YYYY-MM, UTC, oldest first): members published at the month's last instant (for this month, now)`,
              ),
            recordsPerRuleMonth: z.array(z.object({ code: z.string(), month: z.string(), records: z.number().int() })),
            gradesPerScheme: z.record(z.string(), z.record(z.string(), z.number().int())),
          }),
        },
      },
    },
    async () => {
      const nowMs = clock();
      if (statistics === undefined || nowMs - statistics.atMs >= statisticsTtlMs) {
        statistics = { atMs: nowMs, summary: await summarize(context, nowMs), ...(await publishedCounts(nowMs)) };
      }
      const { summary, months, published } = statistics;
      return {
        at: isoFromMs(statistics.atMs),
        membersPerList: Object.fromEntries(published),
        membersPerListMonth: months,
        recordsPerRuleMonth: await context.store.recordsPerRuleMonth(),
        gradesPerScheme: summary.gradesByScheme,
      };
    },
  );
}
