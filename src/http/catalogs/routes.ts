/**
 * Catalogs: published versions are public (every rule is published before it applies); drafts and publication
 * are for administrators.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { publishCatalog } from '../../app/catalogs.ts';
import { parseCatalogDraft, type CatalogVersion } from '../../core/catalog.ts';
import { isoFromMs } from '../../core/time.ts';
import { principalOf } from '../auth.ts';
import { fromProblem, notFound, unprocessable } from '../errors.ts';
import { errors, isoInstant, localized } from '../schema.ts';
import type { Service } from '../service.ts';

const schemeParams = z.object({ scheme: z.string().min(1).max(64) });
const versionParams = schemeParams.extend({ version: z.coerce.number().int().positive() });
const versionSummary = z.object({ version: z.number().int(), publishedAt: isoInstant, effectiveFrom: isoInstant });
const schemeSummary = z.object({
  scheme: z.string(),
  title: localized,
  authority: localized,
  model: z.string(),
  versions: z.array(versionSummary),
});
const catalogVersion = z
  .object({
    scheme: z.string(),
    version: z.number().int(),
    publishedAt: isoInstant,
    effectiveFrom: isoInstant,
    catalog: z.object({}).passthrough(),
  })
  .meta({ id: 'CatalogVersion' });
const draftBody = z
  .object({})
  .passthrough()
  .describe('a catalog draft: scheme, effectiveFrom, rules, measures (see catalogs/demo)');

const summaryOf = (v: CatalogVersion) => ({
  version: v.version,
  publishedAt: isoFromMs(v.publishedAtMs),
  effectiveFrom: isoFromMs(v.effectiveFromMs),
});

export function catalogRoutes(app: FastifyInstance, service: Service): void {
  const { context, clock } = service;
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/v1/catalogs',
    {
      config: { access: 'public' },
      schema: {
        security: [],
        summary: 'Every scheme and its published versions',
        tags: ['catalogs'],
        response: { 200: z.object({ schemes: z.array(schemeSummary) }) },
      },
    },
    async () => ({
      schemes: context.catalogs.schemeIds.map((id) => {
        const versions = context.catalogs.versionsOf(id);
        const latest = versions.at(-1);
        return {
          scheme: id,
          title: latest?.catalog.scheme.title ?? { 'zh-CN': id, en: id },
          authority: latest?.catalog.scheme.authority ?? { 'zh-CN': '', en: '' },
          model: latest?.catalog.scheme.model ?? '',
          versions: versions.map(summaryOf),
        };
      }),
    }),
  );

  api.get(
    '/v1/catalogs/:scheme/versions',
    {
      config: { access: 'public' },
      schema: {
        security: [],
        summary: 'A scheme’s published versions',
        tags: ['catalogs'],
        params: schemeParams,
        response: { 200: z.object({ versions: z.array(versionSummary) }), ...errors(404) },
      },
    },
    async (request) => {
      const versions = context.catalogs.versionsOf(request.params.scheme);
      if (versions.length === 0) throw notFound('unknown_scheme', `no published scheme ${request.params.scheme}`);
      return { versions: versions.map(summaryOf) };
    },
  );

  api.get(
    '/v1/catalogs/:scheme/versions/:version',
    {
      config: { access: 'public' },
      schema: {
        security: [],
        summary: 'One published version, whole',
        tags: ['catalogs'],
        params: versionParams,
        response: { 200: catalogVersion, ...errors(400, 404) },
      },
    },
    async (request) => {
      const v = context.catalogs.versionsOf(request.params.scheme).find((x) => x.version === request.params.version);
      if (!v)
        throw notFound(
          'unknown_version',
          `scheme ${request.params.scheme} has no published version ${request.params.version}`,
        );
      return {
        scheme: v.schemeId,
        version: v.version,
        publishedAt: isoFromMs(v.publishedAtMs),
        effectiveFrom: isoFromMs(v.effectiveFromMs),
        catalog: v.catalog,
      };
    },
  );

  api.put(
    '/v1/catalogs/:scheme/draft',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Save a draft version (validated; not enforced)',
        tags: ['catalogs'],
        params: schemeParams,
        body: draftBody,
        response: { 200: z.object({ scheme: z.string(), savedAt: isoInstant }), ...errors(400, 401, 403, 422) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const draft = parseCatalogDraft(request.body);
      if (!draft.ok) throw unprocessable(draft.problem.code, draft.problem.message, draft.problem.field);
      if (draft.value.scheme.id !== request.params.scheme) {
        throw unprocessable(
          'scheme_mismatch',
          `the draft is for scheme ${draft.value.scheme.id}, not ${request.params.scheme}`,
          'scheme.id',
        );
      }
      const nowMs = clock();
      await context.store.transaction((tx) =>
        tx.putCatalogDraft({
          schemeId: request.params.scheme,
          body: request.body,
          updatedAtMs: nowMs,
          updatedBy: principal.name,
        }),
      );
      return { scheme: request.params.scheme, savedAt: isoFromMs(nowMs) };
    },
  );

  api.get(
    '/v1/catalogs/:scheme/draft',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'The saved draft',
        tags: ['catalogs'],
        params: schemeParams,
        response: { 200: draftBody, ...errors(401, 403, 404) },
      },
    },
    async (request) => {
      const draft = await context.store.catalogDraft(request.params.scheme);
      if (!draft) throw notFound('no_draft', `scheme ${request.params.scheme} has no saved draft`);
      return draft.body as Record<string, unknown>;
    },
  );

  api.post(
    '/v1/catalogs/:scheme/draft/publish',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Publish the saved draft as the next version',
        tags: ['catalogs'],
        params: schemeParams,
        response: { 201: catalogVersion, ...errors(401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const draft = await context.store.catalogDraft(request.params.scheme);
      if (!draft) throw notFound('no_draft', `scheme ${request.params.scheme} has no saved draft`);
      const published = await publishCatalog(context, draft.body, { nowMs: clock(), actor: principal.name });
      if (!published.ok) {
        const status =
          published.problem.code === 'retroactive_catalog' || published.problem.code === 'catalog_out_of_order'
            ? 409
            : 422;
        throw fromProblem(published.problem, status);
      }
      await context.store.transaction((tx) => tx.deleteCatalogDraft(request.params.scheme));
      const v = published.value;
      reply.code(201);
      return {
        scheme: v.schemeId,
        version: v.version,
        publishedAt: isoFromMs(v.publishedAtMs),
        effectiveFrom: isoFromMs(v.effectiveFromMs),
        catalog: v.catalog,
      };
    },
  );
}
