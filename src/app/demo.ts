/**
 * Use case: (re)create the demo city in an empty store: its agencies, its catalogs (published a month before they
 * take effect), a seeded population and a year of records, submitted in chronological batches through the same
 * submitRecords path agencies use. Deterministic: no clock, no randomness beyond the seed.
 */
import { parseCatalogDraft } from '../core/catalog.ts';
import type { Agency, CalendarRecord } from '../store/ports.ts';
import { appendAudit } from './audit-chain.ts';
import { publishCatalog } from './catalogs.ts';
import type { AppContext } from './context.ts';
import { notifyExpiries } from './expiries.ts';
import { generatePopulation, type Population } from './population.ts';
import { submitRecords } from './records.ts';

export const demoPublishedAtMs = Date.parse('2025-10-01T00:00:00Z');
export const demoStartMs = Date.parse('2025-11-01T00:00:00Z');
export const demoEndMs = Date.parse('2026-11-01T00:00:00Z');
const batchSize = 5_000;

export interface DemoOptions {
  readonly people: number;
  readonly seed: string;
  readonly catalogs: readonly unknown[];
  readonly agencies: readonly Agency[];
  readonly calendars?: readonly CalendarRecord[];
  readonly onProgress?: (done: number, total: number) => void;
}

export interface DemoReport {
  readonly subjects: number;
  readonly records: number;
  readonly rejected: number;
}

/**
 * What the demo registers before its agencies report anything: agencies and calendars, then the catalogs, published
 * at `publishedAtMs` (by default a month before the demo's year; a longer history publishes them earlier, with an
 * earlier `effectiveFrom`, since no rule applies before it is published).
 */
export async function registerDemoSetup(
  context: AppContext,
  setup: Pick<DemoOptions, 'agencies' | 'calendars' | 'catalogs'>,
  publishedAtMs = demoPublishedAtMs,
): Promise<void> {
  await context.store.transaction(async (tx) => {
    await tx.putAgencies(setup.agencies);
    await tx.putCalendars(setup.calendars ?? []);
    await appendAudit(tx, context.keys, [
      {
        atMs: publishedAtMs,
        kind: 'agencies.registered',
        actor: 'admin',
        payload: { agencies: setup.agencies.map((a) => a.id) },
      },
    ]);
  });
  for (const input of setup.catalogs) {
    const draft = parseCatalogDraft(input);
    if (!draft.ok) throw new Error(`demo catalog is invalid: ${draft.problem.message}`);
    const published = await publishCatalog(context, input, { nowMs: publishedAtMs, actor: 'admin' });
    if (!published.ok)
      throw new Error(`demo catalog ${draft.value.scheme.id} not published: ${published.problem.message}`);
  }
}

/** The demo's people, companies and bodies, and who represents which company. */
export async function registerPopulation(context: AppContext, population: Population): Promise<void> {
  await context.store.transaction(async (tx) => {
    await tx.putSubjects(population.subjects);
    await tx.putRelations(population.relations);
    await appendAudit(tx, context.keys, [
      {
        atMs: demoPublishedAtMs,
        kind: 'population.registered',
        actor: 'admin',
        payload: { subjects: population.subjects.length, relations: population.relations.length },
      },
    ]);
  });
}

export async function createDemo(context: AppContext, options: DemoOptions): Promise<DemoReport> {
  await registerDemoSetup(context, options);
  const population = generatePopulation({
    people: options.people,
    seed: options.seed,
    startMs: demoStartMs,
    endMs: demoEndMs,
  });
  await registerPopulation(context, population);

  let rejected = 0;
  const total = population.records.length;
  for (let i = 0; i < total; i += batchSize) {
    const batch = population.records.slice(i, i + batchSize);
    const last = batch[batch.length - 1];
    if (last === undefined) break;
    // Agencies report within the hour of the last record of the batch.
    const nowMs = last.effectiveAtMs + 3_600_000;
    const inputs = batch.map((r) => ({ ...r, effectiveAt: new Date(r.effectiveAtMs).toISOString() }));
    const result = await submitRecords(context, inputs, { nowMs });
    rejected += result.rejected;
    options.onProgress?.(Math.min(i + batchSize, total), total);
  }
  // What the year's passing did (listings ended at term, grades changed as entries expired) is told as well.
  await notifyExpiries(context, { sinceMs: demoStartMs, nowMs: demoEndMs });
  return { subjects: population.subjects.length, records: total - rejected, rejected };
}
