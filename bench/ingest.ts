/**
 * Ingest benchmark for the embedded store: Credence's ingest end to end (validate, store, derive, audit, notices;
 * over HTTP also the decision index and the change outbox), from a file and over HTTP, against a raw batched insert
 * of the same rows through the same SQLite binding, measured in the same run.
 *
 * Setup, not timed: the demo generator's population (src/app/population.ts), sized so that its year holds
 * --records records (bench/support/demo-records.ts), and its first --records records. A SQLite database in a
 * temporary folder gets the demo's agencies, calendars and catalogs and the population, as createDemo registers
 * them, and an agency token per agency; each run copies it, so every path starts from the same fresh database.
 * The records are written as NDJSON (one object a line, as `credence import` reads them) and, for HTTP, as request
 * bodies of --batch records of one agency each, in the order of their first record.
 *
 * Timed, repeated --runs times (the order of the three rotating from run to run):
 * - file: importFile (src/cli/import-file.ts, what `credence import FILE` runs) on openSqliteStore, with its own
 *   batches (recordsPerBatchMax), every record reported at one instant (within the hour of the last record);
 * - http: startService (logging off) in a child process (bench/support/credence-server.ts) on port 0; POST
 *   /v1/records with each agency's token, --concurrency requests in flight, from the first request to the last
 *   answer; every answer must be a 200 accepting every record of its batch;
 * - reference: a raw insert of the same rows (the columns and values the store writes, the subject as its number
 *   in the setup's subjects table, recorded at the file's instant) into the empty records table of a fresh database made by the store's
 *   migrations, through node:sqlite DatabaseSync with the store's pragmas (WAL, synchronous=FULL, cache_size
 *   -65536), one prepared INSERT, transactions of --batch rows. The rows are made before the clock starts.
 * After each run the records tables are compared: the file's and the reference's row for row (every column), the
 * HTTP one's by content (ids and recording instants differ: requests interleave, and the server keeps its clock);
 * a difference fails the run. Each database is then checkpointed (file + WAL measured) and its rows counted.
 *
 * Figures: records/s per path (medians over the runs, and per run), the ratios file/reference and http/reference
 * against issue 8's goal (>= 0.4), CPU time over wall time for each path (on a shared machine the rates move with
 * the neighbours), bytes per record (in all, above the setup, by table through SQLite's dbstat), and rows written
 * per record (records, audit_events, notices, listings, derivations, identities: counted after the run, less what
 * the setup had written).
 *
 * Usage: node bench/ingest.ts [--records N] [--batch N] [--concurrency N] [--runs N] [--only file,http,reference]
 *                             [--short] [--profile DIR]
 * --short: 10,000 records, one run, to prove in CI that it works.
 * --only: run only these paths (ratios need the reference); e.g. `--only file` to profile the import alone.
 * --profile DIR: profile the file import (in this process) and the HTTP server (in its child) during the last
 *   run, through node:inspector; write file-import and http-server .cpuprofile files into DIR and add their
 *   self-time summaries to the JSON. The profiler slows what it profiles: compare such a run only with another.
 * Prints one JSON object on stdout; progress goes to stderr.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { openContext } from '../src/app/context.ts';
import type { Keyring } from '../src/app/keyring.ts';
import type { GeneratedRecord } from '../src/app/population.ts';
import { createToken } from '../src/app/tokens.ts';
import { importFile } from '../src/cli/import-file.ts';
import { readDemoFiles } from '../src/cli/files.ts';
import { rateLimitsPerMinute, recordsPerBatchMax } from '../src/core/constants.ts';
import { migrations } from '../src/store/sqlite/migrations.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { summariseProfile, type ProfileSummary } from './support/cpu-profile.ts';
import {
  demoRecords,
  registerDemoPopulation,
  reportedAtMs,
  submittedRecord,
  type DemoFiles,
} from './support/demo-records.ts';
import { makeBenchKeys } from './support/keys.ts';
import { benchArgs, positive } from './support/options.ts';
import { ask, startChild, stopChild, type Child } from './support/server-children.ts';

const root = fileURLToPath(new URL('../', import.meta.url)).replace(/\/$/, '');
const serverScript = fileURLToPath(new URL('./support/credence-server.ts', import.meta.url));
const paths = ['file', 'http', 'reference'] as const;
type Path = (typeof paths)[number];
/** Issue 8: each ingest path at least this share of the raw insert's rate. */
const goalRatioMin = 0.4;
/** The store's own pragmas (src/store/sqlite/sqlite-store.ts), for the reference's database. */
const storePragmas =
  'PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA cache_size = -65536;';
/** The store's INSERT into records (src/store/sqlite/sqlite-store.ts), less its RETURNING. */
const insertSql = `INSERT INTO records (agency, agency_ref, subject, code, effective_at_ms, recorded_at_ms, evidence, amount, case_ref, retracts, ends)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
/** The tables an accepted record writes to. */
const countedTables = ['records', 'audit_events', 'notices', 'listings', 'derivations', 'identities'] as const;
type Counts = Record<(typeof countedTables)[number], number>;

interface Options {
  readonly records: number;
  readonly batch: number;
  readonly concurrency: number;
  readonly runs: number;
  readonly only: readonly Path[];
  readonly short: boolean;
  readonly profileDir: string | undefined;
}

function parseOptions(argv: string[]): Options {
  const values = benchArgs(argv, ['records', 'batch', 'concurrency', 'runs', 'only', 'profile'], ['short']);
  const short = values.short;
  const batch = positive('batch', values.batch, true) ?? 1_000;
  // The service refuses larger bodies (src/http/records/schema.ts).
  if (batch > recordsPerBatchMax) throw new Error(`--batch is at most ${recordsPerBatchMax} (recordsPerBatchMax)`);
  const only = values.only === undefined ? [...paths] : values.only.split(',').map((p) => p.trim());
  const unknown = only.filter((p) => !paths.some((known) => known === p));
  if (unknown.length > 0 || only.length === 0)
    throw new Error(`--only takes a comma-separated list of ${paths.join(', ')}; got ${String(values.only)}`);
  return {
    records: positive('records', values.records, true) ?? (short ? 10_000 : 200_000),
    batch,
    concurrency: positive('concurrency', values.concurrency, true) ?? 4,
    runs: positive('runs', values.runs, true) ?? (short ? 1 : 3),
    only: paths.filter((p) => only.includes(p)),
    short,
    profileDir: values.profile === undefined ? undefined : resolve(values.profile),
  };
}

const log = (line: string) => process.stderr.write(`ingest: ${line}\n`);
const round2 = (n: number) => Math.round(n * 100) / 100;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const hi = sorted[mid] ?? Number.NaN;
  const lo = sorted[mid - 1] ?? hi;
  return sorted.length % 2 === 1 ? hi : (lo + hi) / 2;
}

// --- the database ---------------------------------------------------------------------------------------------

interface DatabaseFigures {
  /** The database file and its WAL, after a checkpoint that truncates the WAL. */
  readonly bytes: number;
  /** The pages of each table with its indexes (SQLite's dbstat), and the free pages. */
  readonly bytesByTable: ReadonlyMap<string, number>;
  readonly freeBytes: number;
  readonly rows: Counts;
}

/** Checkpoints the database (nothing else has it open), then measures its size and counts its rows. */
function inspectDatabase(path: string): DatabaseFigures {
  const db = new DatabaseSync(path);
  try {
    const checkpoint = db.prepare('PRAGMA wal_checkpoint(TRUNCATE)').get();
    if (checkpoint?.busy !== 0)
      throw new Error(`${path}: the checkpoint could not finish: ${JSON.stringify(checkpoint)}`);
    const present = new Set(
      db
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")
        .all()
        .map((r) => String(r.name)),
    );
    const count = (table: string) =>
      present.has(table) ? Number(db.prepare(`SELECT count(*) AS n FROM ${table}`).get()?.n) : 0;
    const rows = Object.fromEntries(countedTables.map((t) => [t, count(t)])) as Counts;
    const bytesByTable = new Map(
      db
        .prepare(
          'SELECT s.tbl_name AS name, sum(d.pgsize) AS bytes FROM dbstat d JOIN sqlite_schema s ON s.name = d.name GROUP BY s.tbl_name',
        )
        .all()
        .map((r) => [String(r.name), Number(r.bytes)]),
    );
    const pragma = (name: string) => Number(Object.values(db.prepare(`PRAGMA ${name}`).get() ?? {})[0]);
    const freeBytes = pragma('freelist_count') * pragma('page_size');
    const wal = `${path}-wal`;
    // Measured while the connection is open: closing the last one removes the WAL.
    return { bytes: statSync(path).size + (existsSync(wal) ? statSync(wal).size : 0), bytesByTable, freeBytes, rows };
  } finally {
    db.close();
  }
}

/** Every records row, as one digest: `exact` every column in id order; `content` what an agency sent, by reference. */
function recordsDigest(path: string, kind: 'exact' | 'content'): { rows: number; digest: string } {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const sql =
      kind === 'exact'
        ? 'SELECT id, agency, agency_ref, subject, code, effective_at_ms, recorded_at_ms, evidence, amount, case_ref, retracts, ends FROM records ORDER BY id'
        : 'SELECT agency, agency_ref, subject, code, effective_at_ms, evidence, amount, case_ref, retracts, ends FROM records ORDER BY agency, agency_ref';
    const hash = createHash('sha256');
    let rows = 0;
    for (const row of db.prepare(sql).iterate()) {
      hash.update(`${JSON.stringify(Object.values(row))}\n`);
      rows++;
    }
    return { rows, digest: hash.digest('hex') };
  } finally {
    db.close();
  }
}

/** The bytes ingest added per record, by table (with its indexes), largest first, leaving out those under one. */
function bytesPerRecordByTable(before: DatabaseFigures, after: DatabaseFigures, records: number) {
  const added = [...after.bytesByTable].map(
    ([table, bytes]) => [table, Math.round((bytes - (before.bytesByTable.get(table) ?? 0)) / records)] as const,
  );
  return Object.fromEntries(added.filter(([, bytes]) => bytes >= 1).sort((a, b) => b[1] - a[1]));
}

/** The cost of ingest beyond the setup: rows per record per table, and in all. */
function rowsPerRecord(before: Counts, after: Counts, records: number) {
  const each = Object.fromEntries(countedTables.map((t) => [t, round2((after[t] - before[t]) / records)])) as Counts;
  const total = countedTables.reduce((n, t) => n + after[t] - before[t], 0);
  return { ...each, total: round2(total / records) };
}

// --- setup ----------------------------------------------------------------------------------------------------

interface Setup {
  /** The database every run copies: demo setup, population, agency tokens. */
  readonly template: DatabaseFigures;
  readonly tokens: ReadonlyMap<string, string>;
  readonly seconds: number;
}

async function makeTemplate(path: string, keys: Keyring, files: DemoFiles, data: ReturnType<typeof demoRecords>) {
  const started = performance.now();
  const store = openSqliteStore(path, { create: true, keys });
  const tokens = new Map<string, string>();
  try {
    const context = await openContext(store, { keys });
    await registerDemoPopulation(context, files, data.population);
    for (const agency of files.agencies) {
      const created = await createToken(
        context,
        { role: 'agency', name: agency.id, scope: [] },
        { nowMs: Date.now(), actor: 'bench' },
      );
      if (!created.ok) throw new Error(`token for ${agency.id} not created: ${created.problem.message}`);
      tokens.set(agency.id, created.value.token);
    }
  } finally {
    await store.close();
  }
  const seconds = (performance.now() - started) / 1000;
  return { template: inspectDatabase(path), tokens, seconds } satisfies Setup;
}

interface Request {
  readonly agency: string;
  readonly records: number;
  readonly body: string;
}

/**
 * Batches of at most `size` records of one agency each, made while walking the records in order, so that the
 * requests go out roughly in the order the records happened; each agency's last, partial batch comes at the end.
 */
function requestsOf(records: readonly GeneratedRecord[], size: number): Request[] {
  const open = new Map<string, { first: number; records: GeneratedRecord[] }>();
  const batches: { first: number; agency: string; records: GeneratedRecord[] }[] = [];
  records.forEach((record, i) => {
    const batch = open.get(record.agency) ?? { first: i, records: [] };
    open.set(record.agency, batch);
    batch.records.push(record);
    if (batch.records.length === size) {
      batches.push({ agency: record.agency, ...batch });
      open.delete(record.agency);
    }
  });
  for (const [agency, batch] of open) batches.push({ agency, ...batch });
  return batches
    .sort((a, b) => a.first - b.first)
    .map((b) => ({
      agency: b.agency,
      records: b.records.length,
      body: JSON.stringify({ records: b.records.map((r) => submittedRecord(r, { withAgency: false })) }),
    }));
}

/** The reference's rows: what the store writes for each record, the subject as its number (by lookup token). */
function referenceRows(
  records: readonly GeneratedRecord[],
  keys: Keyring,
  numbers: ReadonlyMap<string, number>,
  recordedAtMs: number,
): SQLInputValue[][] {
  return records.map((r) => [
    r.agency,
    r.agencyRef,
    numbers.get(keys.lookup(r.subject)) ?? null,
    r.code,
    r.effectiveAtMs,
    recordedAtMs,
    r.evidence,
    r.amount ?? null,
    r.caseRef ?? null,
    null,
    null,
  ]);
}

// --- the three paths ------------------------------------------------------------------------------------------

interface Timed {
  readonly seconds: number;
  /** CPU time of the process that did the work, over the wall time: 100 is one core busy throughout. */
  readonly cpuPercent: number;
  /** Over HTTP: the server's CPU time per record, and this process's (the client's) CPU time over the wall time. */
  readonly serverCpuMicrosPerRecord?: number;
  readonly clientCpuPercent?: number;
}

const cpuMicros = () => {
  const used = process.cpuUsage();
  return used.user + used.system;
};

async function startProfiler(): Promise<Session> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return session;
}

async function stopProfiler(session: Session, file: string): Promise<void> {
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  writeFileSync(file, JSON.stringify(profile));
}

async function ingestFromFile(
  db: string,
  ndjson: string,
  keys: Keyring,
  nowMs: number,
  records: number,
  profileFile: string | undefined,
): Promise<Timed> {
  const store = openSqliteStore(db, { keys });
  try {
    const context = await openContext(store, { keys });
    const session = profileFile === undefined ? undefined : await startProfiler();
    const cpuBefore = cpuMicros();
    const started = performance.now();
    const report = await importFile(context, ndjson, { nowMs });
    const wallMs = performance.now() - started;
    const cpu = cpuMicros() - cpuBefore;
    if (session !== undefined && profileFile !== undefined) await stopProfiler(session, profileFile);
    if (report.accepted !== records || report.lines !== records)
      throw new Error(`importFile accepted ${report.accepted} of ${records} records: ${JSON.stringify(report)}`);
    return { seconds: wallMs / 1000, cpuPercent: (cpu / (wallMs * 1000)) * 100 };
  } finally {
    await store.close();
  }
}

/** POSTs every request, `concurrency` at a time; each must be a 200 that accepted all its records. */
async function postAll(
  server: Child,
  requests: readonly Request[],
  tokens: ReadonlyMap<string, string>,
  concurrency: number,
) {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < requests.length; i = next++) {
      const request = requests[i];
      if (request === undefined) return;
      const response = await fetch(`${server.origin}/v1/records`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.get(request.agency) ?? ''}`, 'content-type': 'application/json' },
        body: request.body,
      });
      const text = await response.text();
      if (response.status === 429)
        throw new Error(
          `POST /v1/records was rate limited (${rateLimitsPerMinute.writes} writes per token per minute): use a larger --batch`,
        );
      if (response.status !== 200)
        throw new Error(`POST /v1/records for ${request.agency}: ${response.status} ${text.slice(0, 500)}`);
      const answer = JSON.parse(text) as { accepted: number };
      if (answer.accepted !== request.records)
        throw new Error(`POST /v1/records for ${request.agency} accepted ${answer.accepted} of ${request.records}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function ingestOverHttp(
  db: string,
  keyFile: string,
  requests: readonly Request[],
  tokens: ReadonlyMap<string, string>,
  options: Options,
  profileFile: string | undefined,
): Promise<Timed> {
  const server = await startChild('credence', serverScript, [db, keyFile]);
  try {
    if (profileFile !== undefined) await ask(server, { kind: 'profile-start' });
    const serverBefore = (await ask(server, { kind: 'cpu' })).cpuMicros;
    const clientBefore = cpuMicros();
    const started = performance.now();
    await postAll(server, requests, tokens, options.concurrency);
    const wallMs = performance.now() - started;
    const client = cpuMicros() - clientBefore;
    const serverCpu = (await ask(server, { kind: 'cpu' })).cpuMicros - serverBefore;
    if (profileFile !== undefined) await ask(server, { kind: 'profile-stop', file: profileFile });
    return {
      seconds: wallMs / 1000,
      cpuPercent: (serverCpu / (wallMs * 1000)) * 100,
      serverCpuMicrosPerRecord: serverCpu / options.records,
      clientCpuPercent: (client / (wallMs * 1000)) * 100,
    };
  } finally {
    // The server stops in order (it closes the store) before the database is measured.
    await stopChild(server);
  }
}

/** The setup's subjects by lookup token: the numbers records name them by. */
function subjectNumbers(path: string): Map<string, number> {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return new Map(
      db
        .prepare('SELECT key, id FROM subjects')
        .all()
        .map((row) => [String(row.key), Number(row.id)]),
    );
  } finally {
    db.close();
  }
}

function ingestRaw(db: string, rows: readonly SQLInputValue[][], batch: number): Timed {
  const sqlite = new DatabaseSync(db);
  try {
    sqlite.exec(storePragmas);
    const journalMode = sqlite.prepare('PRAGMA journal_mode').get()?.journal_mode;
    const synchronous = sqlite.prepare('PRAGMA synchronous').get()?.synchronous;
    if (journalMode !== 'wal' || synchronous !== 2)
      throw new Error(`pragmas not applied: journal_mode=${String(journalMode)} synchronous=${String(synchronous)}`);
    for (const migration of migrations) sqlite.exec(migration.sql);
    const insert = sqlite.prepare(insertSql);
    const cpuBefore = cpuMicros();
    const started = performance.now();
    for (let start = 0; start < rows.length; start += batch) {
      sqlite.exec('BEGIN IMMEDIATE');
      try {
        for (const row of rows.slice(start, start + batch)) insert.run(...row);
        sqlite.exec('COMMIT');
      } catch (error) {
        if (sqlite.isTransaction) sqlite.exec('ROLLBACK');
        throw error;
      }
    }
    const wallMs = performance.now() - started;
    const cpu = cpuMicros() - cpuBefore;
    return { seconds: wallMs / 1000, cpuPercent: (cpu / (wallMs * 1000)) * 100 };
  } finally {
    sqlite.close();
  }
}

// --- main -----------------------------------------------------------------------------------------------------

interface PathRun {
  readonly timed: Timed;
  readonly database: DatabaseFigures;
}

type Run = Partial<Record<Path, PathRun>>;

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'credence-bench-ingest-'));
  try {
    const { keys, file: keyFile } = makeBenchKeys(dir);
    const files = readDemoFiles();
    const data = demoRecords(options.records);
    const nowMs = reportedAtMs(data.records);
    const ndjson = join(dir, 'records.ndjson');
    writeFileSync(
      ndjson,
      data.records.map((r) => `${JSON.stringify(submittedRecord(r, { withAgency: true }))}\n`).join(''),
    );
    const requests = options.only.includes('http') ? requestsOf(data.records, options.batch) : [];
    const template = join(dir, 'template.db');
    log(
      `${options.records.toLocaleString('en')} records of a ${data.people.toLocaleString('en')}-person population (${data.population.subjects.length.toLocaleString('en')} subjects); registering it in ${dir}`,
    );
    const setup = await makeTemplate(template, keys, files, data);
    const rows = options.only.includes('reference')
      ? referenceRows(data.records, keys, subjectNumbers(template), nowMs)
      : [];
    log(
      `setup in ${setup.seconds.toFixed(1)} s: ${(setup.template.bytes / 1e6).toFixed(1)} MB${requests.length === 0 ? '' : `; ${requests.length} HTTP requests of up to ${options.batch} records, ${options.concurrency} in flight`}`,
    );
    if (options.profileDir !== undefined) mkdirSync(options.profileDir, { recursive: true });
    const profileFile = (run: number, name: string) =>
      options.profileDir === undefined || run !== options.runs
        ? undefined
        : join(options.profileDir, `${name}.cpuprofile`);

    const runs: Run[] = [];
    for (let run = 1; run <= options.runs; run++) {
      const order = options.only.map((_, i) => options.only[(i + run - 1) % options.only.length] ?? 'file');
      const results: Run = {};
      const digests: Partial<Record<Path, { exact?: string; content: string; rows: number }>> = {};
      for (const path of order) {
        const db = join(dir, `run-${run}-${path}.db`);
        let timed: Timed;
        if (path === 'reference') {
          timed = ingestRaw(db, rows, options.batch);
        } else {
          copyFileSync(template, db);
          timed =
            path === 'file'
              ? await ingestFromFile(db, ndjson, keys, nowMs, options.records, profileFile(run, 'file-import'))
              : await ingestOverHttp(db, keyFile, requests, setup.tokens, options, profileFile(run, 'http-server'));
        }
        const database = inspectDatabase(db);
        const content = recordsDigest(db, 'content');
        digests[path] = {
          content: content.digest,
          rows: content.rows,
          ...(path === 'http' ? {} : { exact: recordsDigest(db, 'exact').digest }),
        };
        rmSync(db, { force: true });
        results[path] = { timed, database };
        log(
          `run ${run}/${options.runs} ${path.padEnd(9)} ${Math.round(options.records / timed.seconds)} records/s (${timed.seconds.toFixed(2)} s, CPU ${Math.round(timed.cpuPercent)}%)`,
        );
      }
      const found = Object.entries(digests);
      for (const [path, d] of found) {
        if (d.rows !== options.records) throw new Error(`${path}: ${d.rows} records stored, not ${options.records}`);
      }
      const [first, ...others] = found;
      for (const [path, d] of others) {
        if (first !== undefined && d.content !== first[1].content)
          throw new Error(`the records ${path} stored differ from those ${first[0]} stored`);
      }
      if (
        digests.file?.exact !== undefined &&
        digests.reference?.exact !== undefined &&
        digests.file.exact !== digests.reference.exact
      )
        throw new Error("the reference's rows differ from the file import's (ids, recording instants or values)");
      runs.push(results);
    }

    const rate = (path: Path) => {
      const seconds = runs.flatMap((r) => r[path]?.timed.seconds ?? []);
      return seconds.length === 0 ? undefined : median(seconds.map((s) => options.records / s));
    };
    const [fileRate, httpRate, referenceRate] = [rate('file'), rate('http'), rate('reference')];
    const ratio = (r: number | undefined) =>
      r === undefined || referenceRate === undefined ? undefined : round2(r / referenceRate);
    const goal = (r: number | undefined) => {
      const value = ratio(r);
      return value === undefined ? undefined : { ratio: value, met: value >= goalRatioMin };
    };
    const last = runs.at(-1) ?? {};
    const medianOf = (path: Path, pick: (t: Timed) => number | undefined) =>
      Math.round(median(runs.flatMap((r) => (r[path] === undefined ? [] : (pick(r[path].timed) ?? [])))));
    const figures = (path: Path, recordsPerSecond: number | undefined) => {
      const run = last[path];
      if (recordsPerSecond === undefined || run === undefined) return undefined;
      const http = path === 'http';
      return {
        recordsPerSecond: Math.round(recordsPerSecond),
        cpuPercent: medianOf(path, (t) => t.cpuPercent),
        ...(http
          ? {
              serverCpuMicrosPerRecord: medianOf(path, (t) => t.serverCpuMicrosPerRecord),
              clientCpuPercent: medianOf(path, (t) => t.clientCpuPercent),
            }
          : {}),
        databaseBytes: run.database.bytes,
        bytesPerRecord: Math.round(run.database.bytes / options.records),
        ...(path === 'reference'
          ? {}
          : {
              bytesPerRecordAboveSetup: Math.round((run.database.bytes - setup.template.bytes) / options.records),
              bytesPerRecordByTable: bytesPerRecordByTable(setup.template, run.database, options.records),
              freeBytesPerRecord: Math.round((run.database.freeBytes - setup.template.freeBytes) / options.records),
              rowsPerRecord: rowsPerRecord(setup.template.rows, run.database.rows, options.records),
            }),
      };
    };
    const profile = (name: string): (ProfileSummary & { readonly file: string }) | undefined => {
      const file = profileFile(options.runs, name);
      return file === undefined || !existsSync(file) ? undefined : { file, ...summariseProfile(file, root) };
    };
    const fileGoal = goal(fileRate);
    const httpGoal = goal(httpRate);
    const describeGoal = (name: string, g: ReturnType<typeof goal>) =>
      g === undefined ? `${name} not measured` : `${name} ${g.ratio} (${g.met ? 'met' : 'NOT met'})`;
    log(
      `goal: at least ${goalRatioMin} of the reference: ${describeGoal('file', fileGoal)}, ${describeGoal('http', httpGoal)}`,
    );

    const sqliteVersion = (() => {
      const probe = new DatabaseSync(':memory:');
      try {
        return String(probe.prepare('SELECT sqlite_version() AS v').get()?.v);
      } finally {
        probe.close();
      }
    })();
    const perPath = (r: Run, path: Path) => {
      const run = r[path];
      return run === undefined
        ? undefined
        : {
            seconds: round2(run.timed.seconds),
            recordsPerSecond: Math.round(options.records / run.timed.seconds),
            cpuPercent: Math.round(run.timed.cpuPercent),
          };
    };
    process.stdout.write(
      `${JSON.stringify({
        benchmark: 'ingest',
        node: process.version,
        sqlite: sqliteVersion,
        cores: availableParallelism(),
        cpuModel: cpus()[0]?.model ?? 'unknown',
        parameters: {
          records: options.records,
          batch: options.batch,
          fileBatch: recordsPerBatchMax,
          concurrency: options.concurrency,
          runs: options.runs,
          only: options.only,
          short: options.short,
          profiled: options.profileDir !== undefined,
        },
        setup: {
          people: data.people,
          subjects: data.population.subjects.length,
          relations: data.population.relations.length,
          agencies: setup.tokens.size,
          httpRequests: requests.length,
          seconds: round2(setup.seconds),
          databaseBytes: setup.template.bytes,
          rows: setup.template.rows,
        },
        // null: that path was left out (--only).
        file: figures('file', fileRate) ?? null,
        http: figures('http', httpRate) ?? null,
        reference: figures('reference', referenceRate) ?? null,
        ratio: { fileOverReference: ratio(fileRate) ?? null, httpOverReference: ratio(httpRate) ?? null },
        goal: { ratioMin: goalRatioMin, file: fileGoal ?? null, http: httpGoal ?? null },
        sameRows: true,
        perRun: runs.map((r) => {
          const runRatio = (path: Path) => {
            const [ours, theirs] = [r[path]?.timed.seconds, r.reference?.timed.seconds];
            return ours === undefined || theirs === undefined ? null : round2(theirs / ours);
          };
          return {
            file: perPath(r, 'file') ?? null,
            http: perPath(r, 'http') ?? null,
            reference: perPath(r, 'reference') ?? null,
            fileOverReference: runRatio('file'),
            httpOverReference: runRatio('http'),
          };
        }),
        ...(options.profileDir === undefined
          ? {}
          : { profile: { fileImport: profile('file-import'), httpServer: profile('http-server') } }),
      })}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
