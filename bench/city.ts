/**
 * Issue 8's city at Beijing's size, as a program that can stop and carry on: 22M subjects and about 100M records
 * generated with the demo generator's rates (src/app/city.ts, a block of persons at a time), imported, rebuilt,
 * served and its audit log verified, each phase by the real `credence` command where there is one, with its time,
 * its peak memory and the database's size after it.
 *
 * The city: --people persons (default 19,800,000, which with the demo's mix of foreigners, companies and government
 * bodies is 22.0M subjects) over the --years years up to 2026-11-01, where the demo's year ends (default 5.5: the
 * demo's rates give about 0.93 records per person and year, so about 101M records). The demo's catalogs are
 * published a month before the city's first day and take effect on it (registerDemoSetup with their effectiveFrom
 * moved back): no rule applies before it is published. Import, rebuild and audit run with --now at the end of the
 * history; `credence serve` decides at the machine's clock, after it.
 *
 * Phases (--phases, default all, in this order, or in the order given; each needs the ones before it that write,
 * except that serve and audit need no rebuild, so `--phases setup,import,serve,audit,rebuild` measures the rebuild
 * last):
 * - setup (in this process): a SQLite database in --dir with a key file (credence.keys, as `credence keys
 *   generate` writes it, so that every later command opens it with --keys), the demo's agencies, calendars and
 *   catalogs (registerDemoSetup), then each block's subjects and relations (registerPopulation), one transaction
 *   a block;
 * - import: per block, its records written as an NDJSON chunk (the lines `credence import` reads, as createDemo
 *   submits them) and imported by `credence import CHUNK --now END` in a child process, the chunk deleted after:
 *   records/s per chunk, as a line on stderr and a series in the JSON, so that the rate's fall with size shows.
 *   A chunk holds its block's history subject by subject (each subject's records in the generator's order), as a
 *   register's export for a bulk load would: a transaction then finds, derives and notifies each subject once,
 *   where time order spreads a subject over every transaction of the chunk (1.4x the rate, docs/performance.md);
 * - rebuild: `credence rebuild --now END`, records/s;
 * - serve: a service-point token (`credence tokens create`), `credence serve` on a loopback port, then --seconds of
 *   GET /v1/decisions at --connections connections (autocannon, in this process, as bench/http.ts drives load)
 *   for 10,000 subjects drawn from the whole city (persons asked about travel.flight, companies and bodies about
 *   procurement.bid), after a check that a few hundred distinct ones are answered 200; decisions/s, latency, the
 *   server's RSS and CPU time per decision (from its /metrics), and how long it took to listen (the index load);
 * - audit: `credence audit verify`, events/s.
 * Peak memory is the maxRSS of the process that did the phase: this one for setup, and for the others the child's
 * own (bench/support/usage-report.ts, loaded into each child with --import, writes its process.resourceUsage() at
 * exit). The import also reports this process's peak, which covers generating the blocks. The database's size
 * after setup, import and rebuild is bench/support/sqlite-size.ts's (checkpointed, by table); after each chunk,
 * serve and audit it is the file and its WAL only, since reading every page of a 100 GB file takes minutes
 * (--sizes-by-file: after setup, import and rebuild too, saving about 9 minutes each at the whole city).
 *
 * State: --dir/city-state.json records each finished phase, each registered block and each imported chunk with
 * its figures, so the same command run again continues where it stopped (a chunk cut off in its import is imported
 * again: its records already stored count as duplicates). Finished phases are not run again. A --dir holding a run
 * of other options is refused.
 *
 * Disk: before anything, and again after every chunk, the bytes the rest of the run needs are estimated (subjects
 * and records still to store, at the bytes per subject measured after setup and per record measured over the chunks
 * imported so far, or the first guesses below before they are measured, plus the next chunk file and the rebuild's
 * growth) and compared with the disk free in --dir; if the disk is short the program says so and exits 2 (state
 * kept: free space and run it again). --record-bytes N replaces the first guess per record, e.g. with a figure a
 * medium run printed.
 *
 * Usage: node bench/city.ts [--dir DIR] [--people N] [--years N] [--block N] [--seconds S] [--connections C]
 *                           [--phases setup,import,rebuild,serve,audit] [--record-bytes N] [--import-blocks N]
 *                           [--import-batch N] [--sizes-by-file] [--short]
 * --import-batch N: records per import transaction (`credence import --batch`), default 100,000.
 * --import-blocks N: import the records of the first N blocks only, every subject being registered all the same (a
 * part of the city's history, for a run that cannot take the whole in one sitting); the same command with a larger
 * N, or without it, carries on importing and measures the later phases again.
 * --dir: default data/city. --block: persons per block, default 100,000 (about 510,000 records, a 105 MB chunk file;
 * generating a block holds about 1 GB). The children inherit the environment: NODE_OPTIONS=--max-old-space-size=N
 * gives them (and this program) a larger heap than Node's default of about 4 GB, should one need it; the server is
 * started with a 12 GB limit of its own (the whole city's decision index takes about 3 GB), and its index load's
 * progress lines are shown.
 * --short: 4,000 people in 2 blocks, one year, every phase, 2 s of serving, in a temporary folder removed after:
 * what CI runs to prove that the program works (about 7 s).
 * --seconds: of decisions, default 30 (after a warm-up of a fifth of that, at most 5 s); --connections: 50.
 * The full run: `node bench/city.ts --dir data/city > city.json`, the same command again after any stop until the
 * JSON has every phase. At the figures above it needs about 83 GB of disk; a medium run (--people 200000 --block
 * 50000, 1M records) took 3 minutes, most of it the import at about 9,500 records/s. Each run prints one JSON
 * object on stdout with everything done so far (also when it stops for the disk); progress goes to stderr.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statfsSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import {
  cityBlock,
  cityBlockCount,
  cityBlockSubjects,
  cityCompanyUscc,
  cityGovernmentUscc,
  cityMix,
  cityPassport,
  cityResidentId,
  yearMs,
  type CityOptions,
} from '../src/app/city.ts';
import { openContext } from '../src/app/context.ts';
import { demoEndMs, registerDemoSetup, registerPopulation } from '../src/app/demo.ts';
import { dayMs } from '../src/core/constants.ts';
import { seededRandom } from '../src/app/population.ts';
import { readDemoFiles } from '../src/cli/files.ts';
import { loadKeys, writeKeyFile } from '../src/cli/keys.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { runCli, startCliServer, type CliRun } from './support/cli-child.ts';
import { submittedRecord } from './support/demo-records.ts';
import { machine, round2, throttledProgress } from './support/figures.ts';
import { benchArgs, positive } from './support/options.ts';
import { scrapeMetrics } from './support/soak-server.ts';
import { sqliteFileSize } from './support/sqlite-size.ts';

const seed = 'credence';
const stateVersion = 1;
const phases = ['setup', 'import', 'rebuild', 'serve', 'audit'] as const;
/**
 * A bulk load into a register nobody else writes to: 100,000 records a transaction imported a block 1.8 times as
 * fast as the default 10,000 (each transaction writes the pages it shares once; docs/performance.md).
 */
const importBatchDefault = 100_000;
type Phase = (typeof phases)[number];
/** What each phase needs finished before it. */
const needs: Readonly<Record<Phase, readonly Phase[]>> = {
  setup: [],
  import: ['setup'],
  rebuild: ['setup', 'import'],
  serve: ['setup', 'import'],
  audit: ['setup', 'import'],
};
/**
 * First guesses of the bytes a subject and a record take, until this run has measured its own: what a medium run
 * measured on 2026-12-02 (`--people 200000 --block 50000`: 304 bytes a subject with its identity and relations,
 * 687 a record with its notices, derivation share, audit events and change rows; the per-record figure rose from
 * 683 to 687 over its four chunks). A rebuild grew that store by 0.6% of its records' bytes; the WAL holds a
 * transaction's pages until a checkpoint, and `serve` audits every decision (about 630 bytes each).
 */
const subjectBytesFirstGuess = 305;
const recordBytesFirstGuess = 690;
const rebuildGrowthShare = 0.02;
const walHeadroomBytes = 2 ** 30;
/** The estimate is an estimate: the disk must hold this much more. */
const diskMarginShare = 0.05;
/** An NDJSON line of a generated record is about 210 bytes (the medium run's); the chunk is on disk while imported. */
const chunkLineBytes = 260;
const chunkLinesPerWrite = 10_000;
/** Persons whose records tell how many records the city will hold. */
const estimatePeople = 20_000;
const serveSubjects = 10_000;
const serveChecked = 300;
/** It loads the decision index first: 11 s at 222,200 subjects, two scans of every derivation. */
const serveReadyTimeoutMs = 60 * 60_000;
/**
 * The server's heap limit: Node's default (about 4.3 GB here) is near what the whole city's index takes (about 1.1 kB a
 * subject held, 2.85M held), so the server gets room; a limit, not an allocation (docs/performance.md).
 */
const serveHeapMb = 12_288;
/** A city's server, writing its decision log to a database past the page cache, answered nothing for over 10 s. */
const metricsTimeoutMs = 120_000;
const personAction = 'travel.flight';
const organisationAction = 'procurement.bid';

interface Options {
  readonly dir: string;
  /** --short's folder, removed at the end. */
  readonly temporary: boolean;
  readonly people: number;
  readonly years: number;
  readonly blockPeople: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  readonly phases: readonly Phase[];
  readonly recordBytes: number | undefined;
  /** Import the records of the first this many blocks only (every subject is registered all the same). */
  readonly importBlocks: number | undefined;
  /** Records per import transaction (`credence import --batch`). */
  readonly importBatch: number;
  /** Measure the database by its files alone after setup, import and rebuild too (no dbstat read). */
  readonly sizesByFile: boolean;
  readonly short: boolean;
}

function parseOptions(argv: string[]): Options {
  const values = benchArgs(
    argv,
    [
      'dir',
      'people',
      'years',
      'block',
      'seconds',
      'connections',
      'phases',
      'record-bytes',
      'import-blocks',
      'import-batch',
    ],
    ['short', 'sizes-by-file'],
  );
  const short = values.short;
  const chosen = (values.phases ?? phases.join(',')).split(',').map((p) => p.trim());
  const unknown = chosen.filter((p) => !(phases as readonly string[]).includes(p));
  if (unknown.length > 0)
    throw new Error(`--phases: unknown ${unknown.join(', ')}; the phases are ${phases.join(',')}`);
  const temporary = short && values.dir === undefined;
  const seconds = positive('seconds', values.seconds, false) ?? (short ? 2 : 30);
  return {
    dir: temporary ? mkdtempSync(join(tmpdir(), 'credence-bench-city-')) : resolve(values.dir ?? 'data/city'),
    temporary,
    people: positive('people', values.people, true) ?? (short ? 4_000 : 19_800_000),
    years: positive('years', values.years, false) ?? (short ? 1 : 5.5),
    blockPeople: positive('block', values.block, true) ?? (short ? 2_000 : 100_000),
    seconds,
    warmupSeconds: short ? 0 : Math.min(5, seconds / 5),
    connections: positive('connections', values.connections, true) ?? 50,
    phases: [...new Set(chosen as Phase[])],
    recordBytes: positive('record-bytes', values['record-bytes'], false),
    importBlocks: positive('import-blocks', values['import-blocks'], true),
    importBatch: positive('import-batch', values['import-batch'], true) ?? importBatchDefault,
    sizesByFile: values['sizes-by-file'],
    short,
  };
}

const log = (line: string) => process.stderr.write(`city: ${line}\n`);
const thousands = (n: number) => Math.round(n).toLocaleString('en');
const gb = (bytes: number) => (bytes < 1e9 ? `${Math.round(bytes / 1e6)} MB` : `${(bytes / 1e9).toFixed(2)} GB`);
const secondsSince = (started: number) => (performance.now() - started) / 1000;
const ownMaxRssBytes = () => process.resourceUsage().maxRSS * 1024;
const diskFreeBytes = (dir: string) => {
  const fs = statfsSync(dir);
  return fs.bavail * fs.bsize;
};

// --- state ----------------------------------------------------------------------------------------------------

/** What identifies a run: another --people, --years or --block is another city. */
interface CityOfRun extends CityOptions {
  readonly years: number;
}

interface Database {
  readonly bytes: number;
  readonly byTable?: Readonly<Record<string, number>>;
}

interface PhaseFigures {
  /** Wall time of the phase, summed over the runs that did parts of it. */
  readonly seconds: number;
  /** Peak RSS of the process that did it. */
  readonly maxRssBytes: number;
  readonly database: Database;
  readonly diskFreeAfterBytes: number;
}

interface SetupState {
  base: boolean;
  blocksDone: number;
  subjects: number;
  relations: number;
  seconds: number;
  done?: PhaseFigures & {
    readonly subjects: number;
    readonly subjectsPerSecond: number;
    readonly bytesPerSubject: number;
  };
}

interface ChunkFigures {
  readonly block: number;
  readonly lines: number;
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: number;
  /** Records stored before this chunk. */
  readonly recordsBefore: number;
  readonly generateSeconds: number;
  readonly writeSeconds: number;
  readonly chunkBytes: number;
  /** The child's whole life: its start (about half a second) and the store's opening included. */
  readonly importSeconds: number;
  readonly recordsPerSecond: number;
  readonly maxRssBytes: number;
  readonly cpuSeconds: number;
  readonly databaseBytes: number;
}

interface ImportState {
  chunks: ChunkFigures[];
  done?: Record<string, unknown>;
}

interface State {
  readonly version: number;
  readonly city: CityOfRun;
  readonly firstStartedAt: string;
  readonly diskFreeAtFirstStartBytes: number;
  /** Records the whole city will hold, from block 0's records per person. */
  readonly recordsEstimate: number;
  runs: number;
  setup?: SetupState;
  import?: ImportState;
  rebuild?: Record<string, unknown>;
  serve?: Record<string, unknown>;
  audit?: Record<string, unknown>;
}

class Refusal extends Error {}

interface Run {
  readonly options: Options;
  readonly city: CityOptions;
  readonly db: string;
  readonly keyFile: string;
  readonly usageFile: string;
  readonly statePath: string;
  readonly nowIso: string;
  readonly blocks: number;
  readonly state: State;
}

function saveState(run: Run): void {
  const scratch = `${run.statePath}.writing`;
  writeFileSync(scratch, `${JSON.stringify(run.state, null, 2)}\n`);
  renameSync(scratch, run.statePath);
}

/** The city's history ends where the demo's year does (before the machine's clock) and reaches back --years. */
function cityOf(options: Options): CityOfRun {
  const startMs = demoEndMs - Math.round((options.years * yearMs) / 60_000) * 60_000;
  return {
    people: options.people,
    years: options.years,
    blockPeople: options.blockPeople,
    seed,
    startMs,
    endMs: demoEndMs,
  };
}

/** The demo's catalogs, in force from the city's first day: no rule applies before it takes effect. */
function cityFiles(city: { readonly startMs: number }): ReturnType<typeof readDemoFiles> {
  const files = readDemoFiles();
  const effectiveFrom = new Date(city.startMs).toISOString();
  return { ...files, catalogs: files.catalogs.map((c) => ({ ...(c as object), effectiveFrom })) };
}

/** Published a month before they take effect, as the demo's are. */
const cityPublishedAtMs = (city: { readonly startMs: number }) => city.startMs - 30 * dayMs;

function openRun(options: Options): Run {
  mkdirSync(options.dir, { recursive: true });
  const statePath = join(options.dir, 'city-state.json');
  const wanted = cityOf(options);
  let state: State;
  if (existsSync(statePath)) {
    state = JSON.parse(readFileSync(statePath, 'utf8')) as State;
    if (state.version !== stateVersion || JSON.stringify(state.city) !== JSON.stringify(wanted))
      throw new Refusal(
        `${options.dir} holds a run of another city (${JSON.stringify(state.city)}); give another --dir, or remove ${options.dir} to start again`,
      );
    state.runs++;
  } else {
    // A slice of block 0 is enough to tell the records per person, and keeps this process's peak for the setup.
    const first = cityBlock({ ...wanted, blockPeople: Math.min(wanted.blockPeople, estimatePeople) }, 0);
    const perPerson = first.records.length / (first.peopleTo - first.peopleFrom);
    state = {
      version: stateVersion,
      city: wanted,
      firstStartedAt: new Date().toISOString(),
      diskFreeAtFirstStartBytes: diskFreeBytes(options.dir),
      recordsEstimate: Math.round(perPerson * wanted.people),
      runs: 1,
    };
  }
  return {
    options,
    city: wanted,
    db: join(options.dir, 'credence.db'),
    keyFile: join(options.dir, 'credence.keys'),
    usageFile: join(options.dir, 'child-usage.json'),
    statePath,
    nowIso: new Date(wanted.endMs).toISOString(),
    blocks: cityBlockCount(wanted),
    state,
  };
}

// --- disk -----------------------------------------------------------------------------------------------------

const fileBytes = (path: string) => (existsSync(path) ? statSync(path).size : 0);
const databaseBytes = (db: string) => fileBytes(db) + fileBytes(`${db}-wal`);

/** By table after a checkpoint (dbstat reads every page), or with --sizes-by-file the files alone. */
function measuredSize(run: Run): Database {
  if (run.options.sizesByFile) return { bytes: databaseBytes(run.db) };
  const size = sqliteFileSize(run.db);
  return { bytes: size.bytes, byTable: size.byTable };
}

/**
 * The records the chunks stored: those each accepted and those it found stored already, which are the records of a
 * chunk whose import was cut off and run again (its child may even have finished after this program stopped).
 */
const storedBy = (chunks: readonly ChunkFigures[]) => chunks.reduce((n, c) => n + c.accepted + c.duplicates, 0);

/** The figures the rest of the run is estimated with: measured ones once there are some. */
function bytesPerUnit(run: Run): { subject: number; record: number; measured: { subject: boolean; record: boolean } } {
  const setup = run.state.setup?.done;
  const chunks = run.state.import?.chunks ?? [];
  const stored = storedBy(chunks);
  const last = chunks.at(-1);
  const record =
    setup !== undefined && last !== undefined && stored > 0
      ? (last.databaseBytes - setup.database.bytes) / stored
      : undefined;
  return {
    subject: setup?.bytesPerSubject ?? subjectBytesFirstGuess,
    record: record ?? run.options.recordBytes ?? recordBytesFirstGuess,
    measured: { subject: setup !== undefined, record: record !== undefined },
  };
}

/** Refuses (exit 2) if the disk free in --dir is less than what the rest of the run is estimated to need. */
function checkDisk(run: Run, when: string, quiet = false): void {
  const mix = cityMix(run.city.people);
  const subjectsLeft =
    mix.subjects - (run.state.setup?.done === undefined ? (run.state.setup?.subjects ?? 0) : mix.subjects);
  const stored = storedBy(run.state.import?.chunks ?? []);
  const wanted = (run.state.recordsEstimate * importedBlocks(run)) / run.blocks;
  const recordsLeft = run.state.import?.done === undefined ? Math.max(0, wanted - stored) : 0;
  const per = bytesPerUnit(run);
  const rebuildLeft = run.state.rebuild === undefined ? (stored + recordsLeft) * per.record * rebuildGrowthShare : 0;
  const chunk = recordsLeft > 0 ? (run.state.recordsEstimate / run.blocks) * chunkLineBytes : 0;
  const needed =
    (subjectsLeft * per.subject + recordsLeft * per.record + rebuildLeft) * (1 + diskMarginShare) +
    chunk +
    walHeadroomBytes;
  const free = diskFreeBytes(run.options.dir);
  const how = `${thousands(subjectsLeft)} subjects at ${Math.round(per.subject)} bytes (${per.measured.subject ? 'measured' : 'first guess'}), ${thousands(recordsLeft)} records at ${Math.round(per.record)} bytes (${per.measured.record ? 'measured' : run.options.recordBytes === undefined ? 'first guess' : '--record-bytes'}), the rebuild's growth, the next chunk and the WAL`;
  if (free < needed)
    throw new Refusal(
      `${when}: ${run.options.dir} has ${gb(free)} free, but the rest of the run needs about ${gb(needed)}: ${how}. Free space or give a --dir on a larger disk (or fewer --people), then run the same command again.`,
    );
  if (!quiet) log(`${when}: disk ${gb(free)} free, about ${gb(needed)} needed (${how})`);
}

// --- setup ----------------------------------------------------------------------------------------------------

function removeDatabase(db: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${db}${suffix}`, { force: true });
}

async function runSetup(run: Run): Promise<void> {
  const state = (run.state.setup ??= { base: false, blocksDone: 0, subjects: 0, relations: 0, seconds: 0 });
  if (!existsSync(run.keyFile)) writeKeyFile(run.keyFile);
  const keys = loadKeys({ keys: run.keyFile, db: run.db }).keyring;
  let started = performance.now();
  const lap = () => {
    const now = performance.now();
    state.seconds += (now - started) / 1000;
    started = now;
  };
  if (!state.base) {
    // A setup cut off before its catalogs were recorded starts over: publishing them twice would version them.
    removeDatabase(run.db);
    const store = openSqliteStore(run.db, { create: true, keys });
    try {
      await registerDemoSetup(await openContext(store, { keys }), cityFiles(run.city), cityPublishedAtMs(run.city));
    } finally {
      await store.close();
    }
    state.base = true;
    lap();
    saveState(run);
  }
  const store = openSqliteStore(run.db, { keys });
  try {
    const context = await openContext(store, { keys });
    const progress = throttledProgress(
      log,
      (done) => `setup: ${done}/${run.blocks} blocks, ${thousands(state.subjects)} subjects registered`,
    );
    // Blocks registered again after a cut are harmless: subjects and relations are put, not added.
    for (let index = state.blocksDone; index < run.blocks; index++) {
      const block = cityBlockSubjects(run.city, index);
      await registerPopulation(context, { subjects: block.subjects, relations: block.relations, records: [] });
      state.blocksDone = index + 1;
      state.subjects += block.subjects.length;
      state.relations += block.relations.length;
      lap();
      saveState(run);
      progress(index + 1);
    }
  } finally {
    await store.close();
  }
  const database = measuredSize(run);
  state.done = {
    seconds: round2(state.seconds),
    maxRssBytes: ownMaxRssBytes(),
    database,
    diskFreeAfterBytes: diskFreeBytes(run.options.dir),
    subjects: state.subjects,
    subjectsPerSecond: Math.round(state.subjects / state.seconds),
    bytesPerSubject: Math.round(database.bytes / state.subjects),
  };
  saveState(run);
  log(
    `setup: ${thousands(state.subjects)} subjects and ${thousands(state.relations)} relations in ${state.seconds.toFixed(1)} s (${thousands(state.done.subjectsPerSecond)}/s), database ${gb(database.bytes)}`,
  );
}

// --- import ---------------------------------------------------------------------------------------------------

type BlockRecords = ReturnType<typeof cityBlock>['records'];

/** The records grouped by subject, each subject's in their order (a stable sort). */
function bySubject(records: BlockRecords): BlockRecords {
  return records.toSorted((a, b) => (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0));
}

/** Writes the block's records as the NDJSON lines `credence import` reads; returns the file's size. */
function writeChunk(path: string, records: BlockRecords): number {
  const fd = openSync(path, 'w');
  try {
    for (let i = 0; i < records.length; i += chunkLinesPerWrite) {
      const lines = records
        .slice(i, i + chunkLinesPerWrite)
        .map((r) => JSON.stringify(submittedRecord(r, { withAgency: true })))
        .join('\n');
      writeSync(fd, `${lines}\n`);
    }
  } finally {
    closeSync(fd);
  }
  return fileBytes(path);
}

interface ImportReport {
  readonly lines: number;
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: number;
  readonly rejectedFile?: string;
}

interface Chunk {
  readonly path: string;
  readonly generateSeconds: number;
  readonly writeSeconds: number;
  readonly bytes: number;
}

/** Generates block `index`'s records and writes them as its chunk file. */
function prepareChunk(run: Run, index: number): Chunk {
  let started = performance.now();
  const records = bySubject(cityBlock(run.city, index).records);
  const generateSeconds = secondsSince(started);
  const path = join(run.options.dir, `chunk-${index}.ndjson`);
  started = performance.now();
  const bytes = writeChunk(path, records);
  return { path, generateSeconds, writeSeconds: secondsSince(started), bytes };
}

async function runImport(run: Run): Promise<void> {
  const state = (run.state.import ??= { chunks: [] });
  const setupBytes = run.state.setup?.done?.database.bytes ?? 0;
  const blocks = importedBlocks(run);
  let next: Chunk | undefined;
  for (let index = state.chunks.length; index < blocks; index++) {
    const chunk = next ?? prepareChunk(run, index);
    const { generateSeconds } = chunk;
    const importing = runCli(
      [
        ...['import', chunk.path, '--db', run.db, '--keys', run.keyFile, '--now', run.nowIso, '--json'],
        ...['--batch', String(run.options.importBatch)],
      ],
      run.usageFile,
    );
    // The next block is generated and written on the other core while this one is imported.
    next = index + 1 < blocks ? prepareChunk(run, index + 1) : undefined;
    const child = await importing;
    rmSync(chunk.path);
    const report = JSON.parse(child.stdout) as ImportReport;
    if (report.rejected > 0)
      log(`import: chunk ${index + 1} had ${report.rejected} rejected lines: ${report.rejectedFile}`);
    const recordsBefore = storedBy(state.chunks);
    const figures: ChunkFigures = {
      block: index,
      lines: report.lines,
      accepted: report.accepted,
      duplicates: report.duplicates,
      rejected: report.rejected,
      recordsBefore,
      generateSeconds: round2(generateSeconds),
      writeSeconds: round2(chunk.writeSeconds),
      chunkBytes: chunk.bytes,
      importSeconds: round2(child.seconds),
      recordsPerSecond: Math.round(report.lines / child.seconds),
      maxRssBytes: child.maxRssBytes,
      cpuSeconds: round2(child.cpuSeconds),
      databaseBytes: databaseBytes(run.db),
    };
    state.chunks.push(figures);
    saveState(run);
    const stored = recordsBefore + report.accepted + report.duplicates;
    log(
      `import: chunk ${index + 1}/${run.blocks}: ${thousands(report.lines)} records in ${child.seconds.toFixed(1)} s (${thousands(figures.recordsPerSecond)}/s; generated in ${generateSeconds.toFixed(1)} s), ${thousands(stored)} stored, database ${gb(figures.databaseBytes)} (${Math.round((figures.databaseBytes - setupBytes) / Math.max(1, stored))} bytes a record), import max RSS ${Math.round(child.maxRssBytes / 2 ** 20)} MB`,
    );
    // Said after the first chunk, where the measured figure first replaces the guess; checked after every one.
    if (index + 1 < blocks) checkDisk(run, `after chunk ${index + 1}`, state.chunks.length > 1);
  }
  const chunks = state.chunks;
  const sum = (pick: (c: ChunkFigures) => number) => chunks.reduce((n, c) => n + pick(c), 0);
  const records = storedBy(chunks);
  const importSeconds = sum((c) => c.importSeconds);
  const database = measuredSize(run);
  const [first, last] = [chunks[0], chunks.at(-1)];
  state.done = {
    blocks: chunks.length,
    ofBlocks: run.blocks,
    seconds: round2(sum((c) => c.generateSeconds + c.writeSeconds + c.importSeconds)),
    importSeconds: round2(importSeconds),
    records,
    lines: sum((c) => c.lines),
    duplicates: sum((c) => c.duplicates),
    rejected: sum((c) => c.rejected),
    recordsPerSecond: Math.round(sum((c) => c.lines) / importSeconds),
    firstChunkRecordsPerSecond: first?.recordsPerSecond,
    lastChunkRecordsPerSecond: last?.recordsPerSecond,
    /** The last chunk's rate over the first's: how the import slows as the store grows (1: not at all). */
    lastOverFirst:
      first !== undefined && last !== undefined ? round2(last.recordsPerSecond / first.recordsPerSecond) : undefined,
    maxRssBytes: Math.max(...chunks.map((c) => c.maxRssBytes)),
    generatorMaxRssBytes: ownMaxRssBytes(),
    database,
    bytesPerRecord: Math.round((database.bytes - setupBytes) / Math.max(1, records)),
    diskFreeAfterBytes: diskFreeBytes(run.options.dir),
  };
  saveState(run);
  log(
    `import: ${thousands(records)} records in ${importSeconds.toFixed(1)} s of import (${thousands(Number(state.done.recordsPerSecond))}/s), database ${gb(database.bytes)}`,
  );
}

// --- rebuild, audit -------------------------------------------------------------------------------------------

async function cliPhase(
  run: Run,
  args: readonly string[],
): Promise<{ child: CliRun; report: Record<string, unknown> }> {
  const child = await runCli([...args, '--db', run.db, '--keys', run.keyFile, '--json'], run.usageFile);
  return { child, report: JSON.parse(child.stdout) as Record<string, unknown> };
}

async function runRebuild(run: Run): Promise<void> {
  const before = databaseBytes(run.db);
  const { child, report } = await cliPhase(run, ['rebuild', '--now', run.nowIso]);
  const records = Number(report.records);
  const database = measuredSize(run);
  run.state.rebuild = {
    seconds: round2(child.seconds),
    subjects: report.subjects,
    records,
    recordsPerSecond: Math.round(records / child.seconds),
    maxRssBytes: child.maxRssBytes,
    cpuSeconds: round2(child.cpuSeconds),
    database,
    growthBytes: database.bytes - before,
    diskFreeAfterBytes: diskFreeBytes(run.options.dir),
  };
  saveState(run);
  log(
    `rebuild: ${thousands(records)} records in ${child.seconds.toFixed(1)} s (${thousands(records / child.seconds)}/s)`,
  );
}

async function runAudit(run: Run): Promise<void> {
  const { child, report } = await cliPhase(run, ['audit', 'verify']);
  const events = Number(report.events);
  run.state.audit = {
    seconds: round2(child.seconds),
    ok: report.ok,
    events,
    tiles: report.tiles,
    checkpoints: report.checkpoints,
    records: report.records,
    eventsPerSecond: Math.round(events / child.seconds),
    maxRssBytes: child.maxRssBytes,
    cpuSeconds: round2(child.cpuSeconds),
    database: { bytes: databaseBytes(run.db) },
    diskFreeAfterBytes: diskFreeBytes(run.options.dir),
  };
  saveState(run);
  log(
    `audit: ${thousands(events)} events verified in ${child.seconds.toFixed(1)} s (${thousands(events / child.seconds)}/s)`,
  );
}

// --- serve ----------------------------------------------------------------------------------------------------

/** Decision requests for subjects drawn from the whole city, each kind as often as the mix has it. */
function decisionPaths(city: CityOptions, count: number): string[] {
  const mix = cityMix(city.people);
  const random = seededRandom(`${seed}/serve`);
  const draw = (n: number) => Math.floor(random() * n);
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    let at = draw(mix.subjects);
    let subject: string;
    let action = personAction;
    if (at < mix.persons) subject = cityResidentId(at);
    else if ((at -= mix.persons) < mix.foreigners) subject = cityPassport(at);
    else if ((at -= mix.foreigners) < mix.companies) {
      subject = cityCompanyUscc(at);
      action = organisationAction;
    } else {
      subject = cityGovernmentUscc(at - mix.companies);
      action = organisationAction;
    }
    paths.push(`/v1/decisions?subject=${encodeURIComponent(subject)}&action=${action}`);
  }
  return paths;
}

async function runServe(run: Run): Promise<void> {
  // `tokens create` prints the token alone.
  const token = (
    await runCli(
      [
        'tokens',
        'create',
        '--role',
        'service-point',
        '--name',
        'city-bench',
        '--scope',
        `${personAction},${organisationAction}`,
        '--db',
        run.db,
        '--keys',
        run.keyFile,
      ],
      run.usageFile,
    )
  ).stdout.trim();
  const headers = { authorization: `Bearer ${token}` };
  const server = await startCliServer(['--db', run.db, '--keys', run.keyFile], run.usageFile, {
    readyTimeoutMs: serveReadyTimeoutMs,
    nodeOptions: [`--max-old-space-size=${serveHeapMb}`],
    // The index load's progress, and what it holds and takes of the heap.
    onStartLine: (line) => {
      if (/derivations in force read|^Decision index|^warning/.test(line)) log(`serve: ${line.trim()}`);
    },
  });
  let stopped = false;
  try {
    log(`serve: listening at ${server.origin} after ${server.readySeconds.toFixed(1)} s`);
    const paths = decisionPaths(run.city, serveSubjects);
    const outcomes: Record<string, number> = {};
    for (const path of [...new Set(paths)].slice(0, serveChecked)) {
      const response = await fetch(`${server.origin}${path}`, { headers });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${text}`);
      const outcome = String((JSON.parse(text) as { outcome: unknown }).outcome);
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
    const load = (seconds: number) => {
      let next = 0;
      return autocannon({
        url: server.origin,
        connections: run.options.connections,
        duration: seconds,
        headers,
        requests: [{ setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length] }) }],
      });
    };
    if (run.options.warmupSeconds > 0) await load(run.options.warmupSeconds);
    const before = await scrapeMetrics(server.origin, metricsTimeoutMs);
    const ownBefore = process.cpuUsage();
    const started = performance.now();
    const result = await load(run.options.seconds);
    const wallSeconds = secondsSince(started);
    const own = process.cpuUsage(ownBefore);
    const after = await scrapeMetrics(server.origin, metricsTimeoutMs);
    const usage = await server.stop();
    stopped = true;
    const requests = result.requests.total;
    const serverCpuSeconds =
      (after.get('credence_process_cpu_seconds_total') ?? 0) - (before.get('credence_process_cpu_seconds_total') ?? 0);
    run.state.serve = {
      seconds: round2(wallSeconds),
      readySeconds: round2(server.readySeconds),
      connections: run.options.connections,
      decisionsPerSecond: Math.round(requests / result.duration),
      latencyMs: { p50: result.latency.p50, p97_5: result.latency.p97_5, p99: result.latency.p99 },
      requests,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      sample: {
        paths: paths.length,
        distinct: new Set(paths).size,
        checked: Object.values(outcomes).reduce((a, b) => a + b, 0),
        outcomes,
      },
      serverRssBytes: after.get('credence_process_resident_memory_bytes'),
      serverCpuMicrosPerDecision: requests > 0 ? Math.round((serverCpuSeconds * 1e6) / requests) : undefined,
      loadGeneratorCpuPercent: Math.round(((own.user + own.system) / 1e6 / wallSeconds) * 100),
      maxRssBytes: usage.maxRssBytes,
      stopSeconds: round2(usage.stopSeconds),
      database: { bytes: databaseBytes(run.db) },
      diskFreeAfterBytes: diskFreeBytes(run.options.dir),
    };
    saveState(run);
    log(
      `serve: ${thousands(requests / result.duration)} decisions/s at ${run.options.connections} connections, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}, errors ${result.errors}, server RSS ${Math.round((after.get('credence_process_resident_memory_bytes') ?? 0) / 2 ** 20)} MB`,
    );
  } finally {
    // A server that died (the city's, after its index load) says why in its stderr, which stop's error carries.
    if (!stopped) await server.stop().catch((error: unknown) => log(`serve: ${String(error)}`));
  }
}

// --- main -----------------------------------------------------------------------------------------------------

function report(run: Run) {
  const { state } = run;
  const setup = state.setup?.done;
  const imported = state.import?.done;
  return {
    benchmark: 'city',
    ...machine(),
    options: {
      dir: run.options.dir,
      people: run.options.people,
      years: run.options.years,
      blockPeople: run.options.blockPeople,
      seconds: run.options.seconds,
      connections: run.options.connections,
      phases: run.options.phases,
      short: run.options.short,
    },
    city: {
      ...cityMix(run.city.people),
      blocks: run.blocks,
      startAt: new Date(run.city.startMs).toISOString(),
      endAt: run.nowIso,
      recordsEstimate: state.recordsEstimate,
    },
    runs: state.runs,
    firstStartedAt: state.firstStartedAt,
    diskFreeAtFirstStartBytes: state.diskFreeAtFirstStartBytes,
    diskFreeNowBytes: diskFreeBytes(run.options.dir),
    phases: {
      setup: setup ?? (state.setup === undefined ? undefined : { unfinished: { blocksDone: state.setup.blocksDone } }),
      import:
        state.import === undefined
          ? undefined
          : {
              ...(imported ?? { unfinished: { chunksDone: state.import.chunks.length } }),
              chunks: state.import.chunks,
            },
      rebuild: state.rebuild,
      serve: state.serve,
      audit: state.audit,
    },
  };
}

const runners: Readonly<Record<Phase, (run: Run) => Promise<void>>> = {
  setup: runSetup,
  import: runImport,
  rebuild: runRebuild,
  serve: runServe,
  audit: runAudit,
};

/** The blocks whose records are imported: all of them, or the first --import-blocks (a part of the city). */
const importedBlocks = (run: Run) => Math.min(run.blocks, run.options.importBlocks ?? run.blocks);

function finished(state: State, phase: Phase): boolean {
  if (phase === 'setup') return state.setup?.done !== undefined;
  if (phase === 'import') return state.import?.done !== undefined;
  return state[phase] !== undefined;
}

/**
 * A run asked to import more blocks than an earlier one did carries on importing; what the later phases measured on
 * the smaller part of the city is dropped, to be measured again.
 */
function extendImport(run: Run): void {
  const done = run.state.import?.done;
  if (run.state.import === undefined || done === undefined || Number(done.blocks) >= importedBlocks(run)) return;
  log(`import: ${String(done.blocks)} blocks imported earlier; carrying on to ${importedBlocks(run)}`);
  delete run.state.import.done;
  delete run.state.rebuild;
  delete run.state.serve;
  delete run.state.audit;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  let run: Run | undefined;
  try {
    run = openRun(options);
    const mix = cityMix(run.city.people);
    log(
      `${thousands(mix.subjects)} subjects (${thousands(run.city.people)} people), about ${thousands(run.state.recordsEstimate)} records over ${options.years} year${options.years === 1 ? '' : 's'}, ${run.blocks} blocks, in ${options.dir}${run.state.runs > 1 ? ` (run ${run.state.runs}: carrying on)` : ''}`,
    );
    extendImport(run);
    checkDisk(run, 'at start');
    saveState(run);
    for (const phase of options.phases) {
      if (finished(run.state, phase)) {
        log(`${phase}: finished in an earlier run`);
        continue;
      }
      const missing = needs[phase].filter((p) => !finished(run?.state as State, p));
      if (missing.length > 0) throw new Refusal(`${phase} needs ${missing.join(', ')} finished first`);
      log(`--- ${phase}`);
      await runners[phase](run);
    }
    process.stdout.write(`${JSON.stringify(report(run))}\n`);
    const rejected = run.state.import?.done?.rejected;
    const serve = run.state.serve;
    if (Number(rejected ?? 0) > 0 || Number(serve?.non2xx ?? 0) + Number(serve?.errors ?? 0) > 0) {
      log('FAILED: rejected records, or non-2xx answers or connection errors while serving');
      process.exitCode = 1;
    }
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    if (run?.state.setup !== undefined) process.stdout.write(`${JSON.stringify(report(run))}\n`);
    log(error.message);
    process.exitCode = 2;
  } finally {
    if (options.temporary) rmSync(options.dir, { recursive: true, force: true });
  }
}

await main();
