/**
 * The records an ingest benchmark submits, and what must be registered before them: the demo generator's
 * population (src/app/population.ts), sized so that its year holds the records asked for, its first N records in
 * chronological batches, and the demo's agencies, calendars and catalogs registered as createDemo registers them.
 * bench/ingest.ts uses it; bench/pg.ts has the same steps inline and could use it too.
 */
import type { AppContext } from '../../src/app/context.ts';
import { demoEndMs, demoStartMs, registerDemoSetup, registerPopulation } from '../../src/app/demo.ts';
import { generatePopulation, type GeneratedRecord, type Population } from '../../src/app/population.ts';
import type { readDemoFiles } from '../../src/cli/files.ts';

export const demoSeed = 'credence';
/** Agencies report within the hour of the last record of a batch, as in createDemo. */
export const reportDelayMs = 3_600_000;
/** The demo generator gives about 0.9 records per person and year; start a little above what that needs. */
const peoplePerRecordFirstGuess = 1.2;

export type DemoFiles = ReturnType<typeof readDemoFiles>;

export interface DemoRecords {
  readonly population: Population;
  /** The population's size in persons (it also has companies and bodies). */
  readonly people: number;
  /** The population's first records, in (effectiveAt, agency, agencyRef) order. */
  readonly records: readonly GeneratedRecord[];
}

/** A demo population whose year holds at least `count` records, and its first `count` records. */
export function demoRecords(count: number, seed = demoSeed): DemoRecords {
  let people = Math.ceil(count * peoplePerRecordFirstGuess);
  for (;;) {
    const population = generatePopulation({ people, seed, startMs: demoStartMs, endMs: demoEndMs });
    if (population.records.length >= count) return { population, people, records: population.records.slice(0, count) };
    people = Math.ceil((people * count * 1.05) / Math.max(1, population.records.length));
  }
}

export interface RecordBatch {
  /** When the batch is reported: within the hour of its last record. */
  readonly nowMs: number;
  readonly records: readonly GeneratedRecord[];
}

/** The records in consecutive batches of `size`, each reported within the hour of its last record. */
export function chronologicalBatches(records: readonly GeneratedRecord[], size: number): RecordBatch[] {
  const batches: RecordBatch[] = [];
  for (let i = 0; i < records.length; i += size) {
    const slice = records.slice(i, i + size);
    batches.push({ nowMs: (slice.at(-1)?.effectiveAtMs ?? demoStartMs) + reportDelayMs, records: slice });
  }
  return batches;
}

/** When the last of these records is reported, as one import of them all: within the hour of the last one. */
export function reportedAtMs(records: readonly GeneratedRecord[]): number {
  return (records.at(-1)?.effectiveAtMs ?? demoStartMs) + reportDelayMs;
}

/**
 * A generated record as an agency submits it: the fields of POST /v1/records (and of a `credence import` line),
 * its instant as ISO 8601; the agency named only when asked (over HTTP the token names it).
 */
export function submittedRecord(
  record: GeneratedRecord,
  options: { readonly withAgency: boolean },
): Record<string, string | number> {
  return {
    ...(options.withAgency ? { agency: record.agency } : {}),
    agencyRef: record.agencyRef,
    subject: record.subject,
    code: record.code,
    effectiveAt: new Date(record.effectiveAtMs).toISOString(),
    evidence: record.evidence,
    ...(record.amount === undefined ? {} : { amount: record.amount }),
    ...(record.caseRef === undefined ? {} : { caseRef: record.caseRef }),
  };
}

/** What createDemo does before its records: agencies and calendars, the catalogs, the population. */
export async function registerDemoPopulation(
  context: AppContext,
  files: DemoFiles,
  population: Population,
): Promise<void> {
  await registerDemoSetup(context, files);
  await registerPopulation(context, population);
}
