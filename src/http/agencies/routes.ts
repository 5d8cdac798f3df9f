/**
 * Agencies, for administrators: each reporting agency with its remit, read from the published catalogs (a rule
 * names the agencies that may report it). An entry per scheme and rule code the agency is named on in any
 * version, with the title of the newest such version and whether the version in force now still names it.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CatalogSet } from '../../core/catalog-set.ts';
import type { Agency } from '../../store/ports.ts';
import { errors, localized } from '../schema.ts';
import type { Service } from '../service.ts';

const remitEntry = z.object({
  scheme: z.string(),
  code: z.string(),
  title: localized.describe('the rule’s title in the newest version that names the agency'),
  version: z.number().int().describe('that version'),
  inForce: z.boolean().describe('whether the scheme’s version in force now names the agency on this rule'),
});

const agency = z
  .object({
    id: z.string(),
    kind: z.string(),
    name: localized,
    remit: z.array(remitEntry).describe('by scheme, then rule code'),
  })
  .meta({ id: 'Agency' });

type RemitEntry = z.infer<typeof remitEntry>;

/** Every agency's remit in the published catalogs, by scheme and code. */
function remitsOf(catalogs: CatalogSet, nowMs: number): Map<string, RemitEntry[]> {
  const remits = new Map<string, Map<string, RemitEntry>>();
  for (const scheme of [...catalogs.schemeIds].sort()) {
    const inForce = catalogs.inForce(scheme, nowMs);
    // Oldest first, so that the newest version naming an agency on a rule gives its title.
    for (const version of catalogs.versionsOf(scheme)) {
      for (const rule of version.catalog.rules) {
        for (const agencyId of rule.agencies) {
          const entries = remits.get(agencyId) ?? new Map<string, RemitEntry>();
          remits.set(agencyId, entries);
          const stillNamed =
            inForce?.catalog.rules.some((r) => r.code === rule.code && r.agencies.includes(agencyId)) ?? false;
          entries.set(`${scheme}\n${rule.code}`, {
            scheme,
            code: rule.code,
            title: rule.title,
            version: version.version,
            inForce: stillNamed,
          });
        }
      }
    }
  }
  const out = new Map<string, RemitEntry[]>();
  for (const [agencyId, entries] of remits) {
    out.set(
      agencyId,
      [...entries.values()].sort((a, b) => a.scheme.localeCompare(b.scheme) || a.code.localeCompare(b.code)),
    );
  }
  return out;
}

export function agencyRoutes(app: FastifyInstance, service: Service): void {
  const { context, clock } = service;
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/v1/agencies',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'The reporting agencies and their remit: the rule codes the catalogs let each report',
        tags: ['agencies'],
        response: { 200: z.object({ agencies: z.array(agency) }), ...errors(401, 403) },
      },
    },
    async () => {
      const remits = remitsOf(context.catalogs, clock());
      const agencies: Agency[] = await context.store.agencies();
      return {
        agencies: [...agencies]
          .sort((a, b) => a.id.localeCompare(b.id))
          .map((a) => ({ id: a.id, kind: a.kind, name: a.name, remit: remits.get(a.id) ?? [] })),
      };
    },
  );
}
