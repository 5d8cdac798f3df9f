/**
 * Test support: the demo city's catalogs and agencies as published versions, and a store-backed context with them,
 * so tests can use the real demo rules without running the demo generator.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { parseCatalogDraft, type CatalogVersion } from '../../src/core/catalog.ts';
import { buildCatalogSet, type CatalogSet } from '../../src/core/catalog-set.ts';
import type { Agency } from '../../src/store/ports.ts';

export const demoFolder = fileURLToPath(new URL('../../catalogs/demo/', import.meta.url));
export const demoPublishedAtMs = Date.parse('2025-10-01T00:00:00Z');

export function demoCatalogInputs(): unknown[] {
  return readdirSync(demoFolder)
    .filter((f) => f.endsWith('.yaml') && f !== 'agencies.yaml' && f !== 'calendars.yaml')
    .sort()
    .map((f) => parseYaml(readFileSync(join(demoFolder, f), 'utf8')) as unknown);
}

export function demoAgencies(): Agency[] {
  return parseYaml(readFileSync(join(demoFolder, 'agencies.yaml'), 'utf8')) as Agency[];
}

/** Every demo catalog as version 1, published 2025-10-01, effective from its effectiveFrom (2025-11-01). */
export function demoVersions(): CatalogVersion[] {
  return demoCatalogInputs().map((input) => {
    const parsed = parseCatalogDraft(input);
    if (!parsed.ok) throw new Error(`demo catalog invalid: ${parsed.problem.message}`);
    return {
      schemeId: parsed.value.scheme.id,
      version: 1,
      publishedAtMs: demoPublishedAtMs,
      effectiveFromMs: Date.parse(parsed.value.effectiveFrom),
      catalog: parsed.value,
    };
  });
}

export function demoCatalogSet(): CatalogSet {
  return buildCatalogSet(demoVersions());
}
