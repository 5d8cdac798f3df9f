/**
 * Policy simulator benchmark: records replayed per second by simulateDraft (src/app/simulate.ts) at two sizes or
 * more, to show it scales linearly, with a reference measured in the same run on the same store: the bare scan
 * (store.scanSubjectRecords, counting records), the read the simulation cannot do without.
 *
 * Setup per size (timed, reported apart): a SQLite database in a temporary folder with the demo's agencies,
 * calendars and catalogs, the demo generator's population sized for the wanted number of records, the first N of
 * its records stored by tx.insertRecords (as bench/rebuild.ts does), then rebuild() to write their derivations, as
 * a real register has them (the simulator's second pass tells subjects without records by their missing
 * derivation).
 *
 * Each run, on the store opened afresh: the scan, then the simulation of a Rongcheng draft whose A band starts at
 * 980 instead of 960 points (a realistic change that moves a few percent of the people with records from A to B:
 * both derivations for every subject, the comparison, the proportionality checks; the report's `changed` is in the
 * JSON and must not be 0). Medians over --runs; the ratio of the per-record cost at the largest size to that at the
 * smallest (1 is linear); the simulation's rate over the scan's.
 *
 * Usage: node bench/simulate.ts [--records N[,N...]] [--runs N] [--short]
 * --records: default 100000,400000; --short: 10,000 and 20,000 records, one run, to prove in CI that it works.
 * Prints one JSON object on stdout; progress goes to stderr.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openContext } from '../src/app/context.ts';
import { demoEndMs, demoStartMs, registerDemoSetup, registerPopulation } from '../src/app/demo.ts';
import type { Keyring } from '../src/app/keyring.ts';
import { generatePopulation, type Population } from '../src/app/population.ts';
import { rebuild } from '../src/app/rebuild.ts';
import { simulateDraft } from '../src/app/simulate.ts';
import { readDemoFiles } from '../src/cli/files.ts';
import type { CatalogDraft } from '../src/core/catalog.ts';
import { dayMs } from '../src/core/constants.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { machine, median, round2, round3 } from './support/figures.ts';
import { makeBenchKeys } from './support/keys.ts';
import { benchArgs, positive } from './support/options.ts';

const seed = 'credence';
const pageSize = 2_000;
const insertBatch = 100_000;
const peoplePerRecordFirstGuess = 1.2;

const log = (line: string) => process.stderr.write(`simulate: ${line}\n`);
const thousands = (n: number) => Math.round(n).toLocaleString('en');
const seconds = (since: number) => (performance.now() - since) / 1000;

function parseOptions(argv: string[]) {
  const values = benchArgs(argv, ['records', 'runs'], ['short']);
  const short = values.short;
  const sizes = (values.records ?? (short ? '10000,20000' : '100000,400000'))
    .split(',')
    .map((text) => positive('records', text.trim(), true) ?? 0);
  return {
    sizes: [...new Set(sizes)].sort((a, b) => a - b),
    runs: positive('runs', values.runs, true) ?? (short ? 1 : 3),
    short,
  };
}

function populationFor(count: number): Population {
  let people = Math.ceil(count * peoplePerRecordFirstGuess);
  for (;;) {
    const population = generatePopulation({ people, seed, startMs: demoStartMs, endMs: demoEndMs });
    if (population.records.length >= count) return population;
    people = Math.ceil((people * count * 1.05) / Math.max(1, population.records.length));
  }
}

/** The demo's Rongcheng catalog with the A band 20 points higher. */
function draftMovingBand(): CatalogDraft {
  const found = readDemoFiles().catalogs.find((c) => (c as CatalogDraft).scheme.id === 'rongcheng-residents');
  const draft = structuredClone(found) as CatalogDraft;
  const band = draft.scheme.points?.grades.find((g) => g.grade === 'A');
  if (band === undefined) throw new Error('the demo Rongcheng catalog has no A band');
  band.minPoints = (band.minPoints ?? 0) + 20;
  return draft;
}

async function makeDatabase(path: string, keys: Keyring, count: number) {
  const started = performance.now();
  const population = populationFor(count);
  const store = openSqliteStore(path, { keys, create: true });
  try {
    const context = await openContext(store, { keys });
    await registerDemoSetup(context, readDemoFiles());
    await registerPopulation(context, population);
    const records = population.records.slice(0, count);
    for (let i = 0; i < records.length; i += insertBatch) {
      const slice = records
        .slice(i, i + insertBatch)
        .map((draft) => ({ draft, recordedAtMs: draft.effectiveAtMs + dayMs }));
      await store.transaction((tx) => tx.insertRecords(slice));
    }
    await rebuild(context, { verify: false, nowMs: demoEndMs });
    const setupSeconds = seconds(started);
    log(
      `setup: ${thousands(population.subjects.length)} subjects, ${thousands(count)} records in ${setupSeconds.toFixed(1)} s`,
    );
    return { subjects: population.subjects.length, setupSeconds };
  } finally {
    await store.close();
  }
}

async function measureScan(path: string, keys: Keyring): Promise<{ seconds: number; records: number }> {
  const store = openSqliteStore(path, { keys });
  try {
    const started = performance.now();
    let records = 0;
    for await (const page of store.scanSubjectRecords(pageSize)) for (const p of page) records += p.records.length;
    return { seconds: seconds(started), records };
  } finally {
    await store.close();
  }
}

async function measureSimulation(path: string, keys: Keyring, draft: CatalogDraft) {
  const store = openSqliteStore(path, { keys });
  try {
    const context = await openContext(store, { keys });
    const started = performance.now();
    const report = await simulateDraft(context, draft, { toMs: demoEndMs });
    if (!report.ok) throw new Error(report.problem.message);
    return { seconds: seconds(started), records: report.value.records, changed: report.value.counts.changed };
  } finally {
    await store.close();
  }
}

async function benchSize(count: number, runs: number, draft: CatalogDraft) {
  const dir = mkdtempSync(join(tmpdir(), 'credence-bench-simulate-'));
  try {
    const { keys } = makeBenchKeys(dir);
    const path = join(dir, 'credence.db');
    const setup = await makeDatabase(path, keys, count);
    const scans: number[] = [];
    const simulations: number[] = [];
    let changed = 0;
    for (let run = 1; run <= runs; run++) {
      const scan = await measureScan(path, keys);
      const simulation = await measureSimulation(path, keys, draft);
      if (scan.records !== count || simulation.records !== count)
        throw new Error(`scanned ${scan.records} and simulated ${simulation.records} records, not ${count}`);
      // A draft that changes nobody would measure the replay without the comparison's work on changed subjects.
      if (simulation.changed === 0) throw new Error(`the draft changed no subject of ${count} records`);
      scans.push(scan.seconds);
      simulations.push(simulation.seconds);
      changed = simulation.changed;
      log(
        `${thousands(count)} records, run ${run}/${runs}: scan ${thousands(count / scan.seconds)}/s, simulate ${thousands(count / simulation.seconds)}/s`,
      );
    }
    const scanS = median(scans);
    const simulateS = median(simulations);
    return {
      records: count,
      subjects: setup.subjects,
      setupSeconds: round2(setup.setupSeconds),
      changed,
      recordsPerSecond: { scan: Math.round(count / scanS), simulate: Math.round(count / simulateS) },
      microsPerRecord: { scan: round3((scanS / count) * 1e6), simulate: round3((simulateS / count) * 1e6) },
      simulateOverScan: round2(scanS / simulateS),
      perRun: scans.map((s, i) => ({ scanSeconds: round3(s), simulateSeconds: round3(simulations[i] ?? 0) })),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const draft = draftMovingBand();
  const sizes = [];
  for (const size of options.sizes) sizes.push(await benchSize(size, options.runs, draft));
  const [smallest, largest] = [sizes[0], sizes.at(-1)];
  if (smallest === undefined || largest === undefined) throw new Error('no sizes measured');
  process.stdout.write(
    `${JSON.stringify({
      benchmark: 'simulate',
      ...machine(),
      parameters: { records: options.sizes, runs: options.runs, short: options.short, store: 'sqlite' },
      draft: 'rongcheng-residents with the A band from 960 to 980 points',
      reference: 'scan: store.scanSubjectRecords(2000) counting records, on the same store, in the same run',
      sizes,
      linearity: {
        smallest: smallest.records,
        largest: largest.records,
        /** Per-record cost at the largest size over that at the smallest: 1 is linear. */
        perRecordCostRatio: {
          scan: round2(largest.microsPerRecord.scan / smallest.microsPerRecord.scan),
          simulate: round2(largest.microsPerRecord.simulate / smallest.microsPerRecord.simulate),
        },
      },
    })}\n`,
  );
}

await main();
