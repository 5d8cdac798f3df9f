/**
 * Rebuild benchmark: how fast Credence replays every subject's records into derived state (src/app/rebuild.ts), in
 * records per second, and whether its cost per record stays the same as the store grows (linear in records).
 *
 * Setup, once per size in --records (not timed as a measurement; its own times are reported): a SQLite database in a
 * temporary folder (openSqliteStore) with the demo's agencies, calendars and catalogs published (registerDemoSetup),
 * the demo generator's population (src/app/population.ts, sized so that its year holds the wanted number of
 * records, as bench/pg.ts sizes it) registered (registerPopulation), and the first N of its records stored
 * directly, in chronological order, by tx.insertRecords in transactions of --batch, recorded a day after they take
 * effect. Not through submitRecords (validation, derivation, audit, notices per batch): this measures the replay,
 * and the setup should cost no more than the store's own insert does. Then the file's size after a WAL checkpoint,
 * per record (setup times: about 90 s for a million records on a 2-core machine).
 *
 * Measurements, repeated --runs times per size, each on the store opened afresh (as `credence rebuild` opens it,
 * with cold identity caches; the OS file cache stays warm):
 * - scan (the reference: the read cost alone): `for await (const page of store.scanSubjectRecords(2000))`,
 *   counting subjects and records;
 * - scan + fold: the same pages with rebuild's own folding (disputedRecordsOf, deriveSubject per subject), nothing
 *   written or compared: what rebuild does before it writes;
 * - rebuild: rebuild(context, { verify: false }), which writes every derivation (the first run into an empty table,
 *   later runs over the derivations already there);
 * - verify: rebuild(context, { verify: true }), which compares every derivation with the stored one; it must find
 *   no difference (the rebuild just before wrote them);
 * - rebuildThreads, verifyThreads: the same two with the replay in --threads parts (default 2), all but one in
 *   worker threads (cli/replay-threads.ts, as `credence rebuild --threads N` runs it). rebuildThreads runs over the
 *   derivations the rebuild wrote and writes nothing, so verifyThreads over verify is the speedup to quote.
 * From the medians: the shares of rebuild spent reading (scan), folding (scan + fold less scan) and writing (the
 * rest), and of verify spent comparing; the ratio of the per-record cost at the largest size to that at the
 * smallest (1 is linear); and issue 8's goal of 300,000 records/s for rebuild and verify at every size. The
 * store's size is given after the setup and again after the runs; the second includes the derivations and the
 * change outbox rows each rebuild wrote (nothing publishes the outbox here).
 *
 * The population for ten million records does not fit in Node's default heap: when the heap limit is below what
 * the largest size needs, the program runs itself again with a larger --max-old-space-size.
 *
 * Usage: node bench/rebuild.ts [--records N[,N...]] [--runs N] [--batch N] [--threads N] [--short]
 * --records: the sizes, default 1000000,10000000; --batch: records per insert transaction in the setup, 100,000 by
 * default (the records' subject index takes random inserts: 10,000 a transaction stored 1M records at half the rate).
 * --short: 20,000 records, one run, to prove in CI that it works.
 * Prints one JSON object on stdout; progress goes to stderr.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { openContext, type AppContext } from '../src/app/context.ts';
import { demoEndMs, demoStartMs, registerDemoSetup, registerPopulation } from '../src/app/demo.ts';
import type { Keyring } from '../src/app/keyring.ts';
import { generatePopulation, type GeneratedRecord, type Population } from '../src/app/population.ts';
import { rebuild } from '../src/app/rebuild.ts';
import { readDemoFiles } from '../src/cli/files.ts';
import { replayParts } from '../src/cli/replay-threads.ts';
import { dayMs } from '../src/core/constants.ts';
import { deriveSubject } from '../src/core/derive.ts';
import type { Store } from '../src/store/ports.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { machine, median, round2, round3, throttledProgress } from './support/figures.ts';
import { makeBenchKeys } from './support/keys.ts';
import { benchArgs, positive } from './support/options.ts';
import { sqliteFileSize, type SqliteFileSize } from './support/sqlite-size.ts';

const script = fileURLToPath(import.meta.url);
const seed = 'credence';
const goalRecordsPerSecond = 300_000;
/** The page size src/app/rebuild.ts scans with: the reference reads the same pages. */
const rebuildPageSize = 2_000;
/** The demo generator gives about 0.92 records per person and year; start a little above what that needs. */
const peoplePerRecordFirstGuess = 1.2;
/** Set in the environment of the copy of this program run with a larger heap, so that it does not run another. */
const reexecVariable = 'CREDENCE_BENCH_REBUILD_HEAP';
/** Heap for the setup: about 0.45 GB per million records for the population (measured), caches and headroom. */
const heapBaseMb = 1_536;
const heapPerMillionRecordsMb = 700;
const heapShareOfMemoryMax = 0.75;

interface Options {
  readonly sizes: readonly number[];
  readonly runs: number;
  readonly batch: number;
  readonly short: boolean;
  readonly threads: number;
}

function parseOptions(argv: string[]): Options {
  const values = benchArgs(argv, ['records', 'runs', 'batch', 'threads'], ['short']);
  const short = values.short;
  const sizes = (values.records ?? (short ? '20000' : '1000000,10000000'))
    .split(',')
    .map((text) => positive('records', text.trim(), true) ?? 0);
  return {
    sizes: [...new Set(sizes)].sort((a, b) => a - b),
    runs: positive('runs', values.runs, true) ?? (short ? 1 : 3),
    batch: positive('batch', values.batch, true) ?? 100_000,
    threads: positive('threads', values.threads, true) ?? 2,
    short,
  };
}

const log = (line: string) => process.stderr.write(`rebuild: ${line}\n`);
const thousands = (n: number) => Math.round(n).toLocaleString('en');
const seconds = (since: number) => (performance.now() - since) / 1000;

/**
 * Runs this program again with a heap large enough for `records`, if the current one is not; returns the exit
 * code of that run, or undefined when this process has the heap it needs.
 */
function rerunWithHeapFor(records: number): number | undefined {
  const neededMb = Math.ceil(heapBaseMb + (records / 1e6) * heapPerMillionRecordsMb);
  const limitMb = getHeapStatistics().heap_size_limit / 2 ** 20;
  if (limitMb >= neededMb || process.env[reexecVariable] !== undefined) return undefined;
  const mb = Math.min(neededMb, Math.floor((totalmem() / 2 ** 20) * heapShareOfMemoryMax));
  log(`${thousands(records)} records need a heap of about ${neededMb} MB; running again with ${mb} MB`);
  const result = spawnSync(
    process.execPath,
    [...process.execArgv, `--max-old-space-size=${mb}`, script, ...process.argv.slice(2)],
    { stdio: 'inherit', env: { ...process.env, [reexecVariable]: String(mb) } },
  );
  if (result.error !== undefined) throw result.error;
  return result.status ?? 1;
}

// --- setup ----------------------------------------------------------------------------------------------------

/** A demo population whose year holds at least `count` records (the same sizing as bench/pg.ts). */
function populationFor(count: number): { population: Population; people: number } {
  let people = Math.ceil(count * peoplePerRecordFirstGuess);
  for (;;) {
    const population = generatePopulation({ people, seed, startMs: demoStartMs, endMs: demoEndMs });
    if (population.records.length >= count) return { population, people };
    people = Math.ceil((people * count * 1.05) / Math.max(1, population.records.length));
  }
}

interface Setup {
  readonly people: number;
  readonly subjects: number;
  readonly generateSeconds: number;
  readonly registerSeconds: number;
  readonly insertSeconds: number;
}

/** Makes the database at `path` with the demo's setup, the population and its first `count` records. */
async function makeDatabase(path: string, keys: Keyring, count: number, batch: number): Promise<Setup> {
  let started = performance.now();
  const { population, people } = populationFor(count);
  const generateSeconds = seconds(started);
  const records: readonly GeneratedRecord[] = population.records.slice(0, count);
  log(
    `setup: ${thousands(people)} people, ${thousands(population.subjects.length)} subjects, ${thousands(population.records.length)} records generated in ${generateSeconds.toFixed(1)} s`,
  );
  const store = openSqliteStore(path, { keys, create: true });
  try {
    const context = await openContext(store, { keys });
    started = performance.now();
    await registerDemoSetup(context, readDemoFiles());
    await registerPopulation(context, population);
    const registerSeconds = seconds(started);
    log(`setup: catalogs and population registered in ${registerSeconds.toFixed(1)} s`);
    started = performance.now();
    const progress = throttledProgress(log, (done) => `setup: ${thousands(done)} records stored`);
    for (let i = 0; i < records.length; i += batch) {
      // A GeneratedRecord is a RecordDraft; agencies report a day after the fact.
      const slice = records.slice(i, i + batch).map((draft) => ({ draft, recordedAtMs: draft.effectiveAtMs + dayMs }));
      await store.transaction((tx) => tx.insertRecords(slice));
      progress(i + slice.length);
    }
    const insertSeconds = seconds(started);
    log(
      `setup: ${thousands(count)} records stored in ${insertSeconds.toFixed(1)} s (${thousands(count / insertSeconds)} records/s)`,
    );
    return { people, subjects: population.subjects.length, generateSeconds, registerSeconds, insertSeconds };
  } finally {
    await store.close();
  }
}

// --- measurements ---------------------------------------------------------------------------------------------

interface Count {
  readonly subjects: number;
  readonly records: number;
}

async function scan(store: Store): Promise<Count> {
  let subjects = 0;
  let records = 0;
  for await (const page of store.scanSubjectRecords(rebuildPageSize)) {
    subjects += page.length;
    for (const p of page) records += p.records.length;
  }
  return { subjects, records };
}

/** Rebuild's loop without its writes and comparisons: the same pages, the same disputed records, the same fold. */
async function scanAndFold(context: AppContext): Promise<Count> {
  let subjects = 0;
  let records = 0;
  let entries = 0;
  for await (const page of context.store.scanSubjectRecords(rebuildPageSize)) {
    const disputed = await context.store.disputedRecordsOf(page.map((p) => p.subject.key));
    for (const { subject, records: r } of page) {
      const derivation = deriveSubject(context.catalogs, subject.key, subject.kind, r, disputed.get(subject.key));
      entries += derivation.entries.length;
      records += r.length;
    }
    subjects += page.length;
  }
  // Every demo record scores or lists something: a fold that found nothing did not run.
  if (records > 0 && entries === 0) throw new Error('the fold derived no entries from the records');
  return { subjects, records };
}

type Phase = 'scan' | 'fold' | 'rebuild' | 'verify' | 'rebuildThreads' | 'verifyThreads';
const phases: readonly Phase[] = ['scan', 'fold', 'rebuild', 'verify', 'rebuildThreads', 'verifyThreads'];
/** Where a phase's worker threads open the database: the file and its key file. */
interface Place {
  readonly path: string;
  readonly keyFile: string;
  readonly threads: number;
}

/** Opens the store afresh, runs one phase over it, checks what it counted; returns the seconds it took. */
async function measure(place: Place, keys: Keyring, phase: Phase, expected: number): Promise<number> {
  const { path } = place;
  const store = openSqliteStore(path, { keys });
  try {
    const context = await openContext(store, { keys });
    const progress = throttledProgress(log, (done) => `  ${phase}: ${thousands(done)} records`);
    const onProgress = (_subjects: number, records: number) => progress(records);
    const started = performance.now();
    let count: Count;
    if (phase === 'scan') count = await scan(store);
    else if (phase === 'fold') count = await scanAndFold(context);
    else {
      const threaded = phase === 'rebuildThreads' || phase === 'verifyThreads';
      const report = await rebuild(context, {
        verify: phase === 'verify' || phase === 'verifyThreads',
        nowMs: demoEndMs,
        onProgress,
        ...(threaded ? { parts: replayParts(context, { base: path, keys: place.keyFile }, place.threads) } : {}),
      });
      if (report.differences > 0)
        throw new Error(
          `verify found ${report.differences} differences right after a rebuild: ${JSON.stringify(report.sample)}`,
        );
      count = report;
    }
    const elapsed = seconds(started);
    if (count.records !== expected)
      throw new Error(`${phase} went over ${count.records} records, not the ${expected} stored`);
    return elapsed;
  } finally {
    await store.close();
  }
}

interface SizeResult {
  readonly records: number;
  readonly setup: Setup;
  readonly stored: SqliteFileSize;
  readonly withDerivations: SqliteFileSize;
  readonly runs: readonly Readonly<Record<Phase, number>>[];
  readonly threads: number;
}

async function benchSize(count: number, options: Options): Promise<SizeResult> {
  const dir = mkdtempSync(join(tmpdir(), 'credence-bench-rebuild-'));
  try {
    const { keys, file: keyFile } = makeBenchKeys(dir);
    const path = join(dir, 'credence.db');
    log(`--- ${thousands(count)} records`);
    const setup = await makeDatabase(path, keys, count, options.batch);
    const stored = sqliteFileSize(path);
    log(`store: ${thousands(stored.bytes)} bytes, ${Math.round(stored.bytes / count)} bytes per record`);
    const runs: Record<Phase, number>[] = [];
    for (let run = 1; run <= options.runs; run++) {
      const times: Record<Phase, number> = {
        scan: 0,
        fold: 0,
        rebuild: 0,
        verify: 0,
        rebuildThreads: 0,
        verifyThreads: 0,
      };
      const place = { path, keyFile, threads: options.threads };
      for (const phase of phases) times[phase] = await measure(place, keys, phase, count);
      runs.push(times);
      log(
        `run ${run}/${options.runs}: ${phases.map((p) => `${p} ${thousands(count / times[p])}/s (${times[p].toFixed(2)} s)`).join(', ')}`,
      );
    }
    return { records: count, setup, stored, withDerivations: sqliteFileSize(path), runs, threads: options.threads };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// --- report ---------------------------------------------------------------------------------------------------

function summarise(result: SizeResult) {
  const n = result.records;
  const mid = (phase: Phase) => median(result.runs.map((r) => r[phase]));
  const [scanS, foldS, rebuildS, verifyS, rebuildThreadsS, verifyThreadsS] = phases.map(mid) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const rate = (s: number) => Math.round(n / s);
  const perRecord = (f: SqliteFileSize) => ({
    bytes: f.bytes,
    bytesPerRecord: Math.round(f.bytes / n),
    recordsTableBytesPerRecord: Math.round(f.tableBytes('records') / n),
    byTable: f.byTable,
  });
  const { setup } = result;
  return {
    records: n,
    population: { people: setup.people, subjects: setup.subjects },
    setup: {
      generateSeconds: round2(setup.generateSeconds),
      registerSeconds: round2(setup.registerSeconds),
      insertSeconds: round2(setup.insertSeconds),
      insertRecordsPerSecond: rate(setup.insertSeconds),
      totalSeconds: round2(setup.generateSeconds + setup.registerSeconds + setup.insertSeconds),
    },
    store: { afterSetup: perRecord(result.stored), afterRebuild: perRecord(result.withDerivations) },
    recordsPerSecond: {
      scan: rate(scanS),
      fold: rate(foldS),
      rebuild: rate(rebuildS),
      verify: rate(verifyS),
      rebuildThreads: rate(rebuildThreadsS),
      verifyThreads: rate(verifyThreadsS),
    },
    /** The same rebuild and verify in --threads threads (credence rebuild --threads) over one thread. */
    threads: {
      count: result.threads,
      verifySpeedup: round2(verifyS / verifyThreadsS),
    },
    microsPerRecord: {
      scan: round3((scanS / n) * 1e6),
      fold: round3((foldS / n) * 1e6),
      rebuild: round3((rebuildS / n) * 1e6),
      verify: round3((verifyS / n) * 1e6),
    },
    /** Rebuild's rate over the bare scan's: 1 would be rebuilding at the speed of reading. */
    ratio: { rebuildOverScan: round2(scanS / rebuildS), verifyOverScan: round2(scanS / verifyS) },
    shares: {
      rebuild: {
        read: round2(scanS / rebuildS),
        fold: round2((foldS - scanS) / rebuildS),
        write: round2((rebuildS - foldS) / rebuildS),
      },
      verify: {
        read: round2(scanS / verifyS),
        fold: round2((foldS - scanS) / verifyS),
        compare: round2((verifyS - foldS) / verifyS),
      },
    },
    perRun: result.runs.map((r) => ({
      seconds: Object.fromEntries(phases.map((p) => [p, round3(r[p])])),
      recordsPerSecond: Object.fromEntries(phases.map((p) => [p, rate(r[p])])),
    })),
  };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const largest = options.sizes.at(-1) ?? 0;
  const rerun = rerunWithHeapFor(largest);
  if (rerun !== undefined) {
    process.exitCode = rerun;
    return;
  }
  const results: SizeResult[] = [];
  for (const size of options.sizes) results.push(await benchSize(size, options));
  const sizes = results.map(summarise);
  const [smallest, biggest] = [sizes[0], sizes.at(-1)];
  if (smallest === undefined || biggest === undefined) throw new Error('no sizes measured');
  const costRatio = (phase: keyof typeof smallest.microsPerRecord) =>
    round2(biggest.microsPerRecord[phase] / smallest.microsPerRecord[phase]);
  type Rated = 'rebuild' | 'verify' | 'rebuildThreads' | 'verifyThreads';
  const worst = (phase: Rated) => Math.min(...sizes.map((s) => s.recordsPerSecond[phase]));
  const goal = {
    recordsPerSecond: goalRecordsPerSecond,
    rebuild: { worst: worst('rebuild'), met: worst('rebuild') >= goalRecordsPerSecond },
    verify: { worst: worst('verify'), met: worst('verify') >= goalRecordsPerSecond },
    rebuildThreads: { worst: worst('rebuildThreads'), met: worst('rebuildThreads') >= goalRecordsPerSecond },
    verifyThreads: { worst: worst('verifyThreads'), met: worst('verifyThreads') >= goalRecordsPerSecond },
  };
  log(
    `goal ${thousands(goalRecordsPerSecond)} records/s: rebuild ${thousands(goal.rebuild.worst)}/s (${goal.rebuild.met ? 'met' : 'not met'}), verify ${thousands(goal.verify.worst)}/s (${goal.verify.met ? 'met' : 'not met'})`,
  );
  process.stdout.write(
    `${JSON.stringify({
      benchmark: 'rebuild',
      ...machine(),
      heapLimitMb: Math.round(getHeapStatistics().heap_size_limit / 2 ** 20),
      parameters: {
        records: options.sizes,
        runs: options.runs,
        batch: options.batch,
        pageSize: rebuildPageSize,
        short: options.short,
        store: 'sqlite',
      },
      reference: 'scan: store.scanSubjectRecords(2000) counting records, on the same store',
      sizes,
      linearity: {
        smallest: smallest.records,
        largest: biggest.records,
        /** Per-record cost at the largest size over that at the smallest: 1 is linear. */
        perRecordCostRatio: {
          scan: costRatio('scan'),
          fold: costRatio('fold'),
          rebuild: costRatio('rebuild'),
          verify: costRatio('verify'),
        },
      },
      goal,
    })}\n`,
  );
}

await main();
