/**
 * PostgreSQL benchmark: ingest through Credence's own import path, and decisions served by replicas that follow
 * the NATS change stream, each against a reference measured in the same run.
 *
 * Ingest, repeated --runs times, each run in fresh schemas:
 * - credence: the demo generator's population (src/app/population.ts, sized so that its year holds --records
 *   records) and the demo catalogs and agencies are registered first, as createDemo registers them (not timed);
 *   then the first --records records, in chronological batches of --batch, go through submitRecords (validate,
 *   store, derive, audit, notices) on openPostgresStore, as the demo and the import do;
 * - reference: a raw `COPY records (...) FROM STDIN` of the same rows (the same columns and values, the subject as
 *   its lookup token) into the empty records table of another schema made by the same migrations, through the
 *   same `postgres` client. The COPY text is made before the clock starts: the reference is the database's cost.
 * After each run the two tables are compared row for row (a digest of every column); a difference fails the run.
 *
 * Decisions, on a demo of --people persons in its own schema, with a service-point token for travel.flight and the
 * 50/50 mix of listed and clean subjects bench/http.ts uses (bench/support/decision-mix.ts). Three servers, each in
 * its own child process (bench/support/pg-server.ts): the main server (startService, publishing its change outbox
 * to a NATS JetStream stream made for this run) and two replicas (startReplica, following that stream), started
 * once the outbox is published and checked to answer as the main server does. For --seconds with --connections,
 * repeated --runs times: the main server alone (the reference), one replica alone, then both replicas at once (one
 * autocannon instance per replica, each with half the connections; their requests/s summed).
 *
 * Every server, the load generator, PostgreSQL and NATS share this machine's cores (`cores` in the JSON): on two
 * cores, two replicas cannot double one replica's rate. Figures are medians over the runs; any non-2xx answer or
 * connection error fails the program after the JSON is printed. Schemas, the stream and the children are removed
 * at the end, whatever happened.
 *
 * Usage: node bench/pg.ts [--records N] [--batch N] [--people N] [--seconds S] [--connections C] [--runs N]
 *                         [--database-url URL] [--nats URL] [--short]
 * --short: a ~20 s version (5,000 records, a 1,000-person demo, 2 s loads, one run), to prove in CI that it works.
 * Prints one JSON object on stdout; progress goes to stderr.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as connectNats } from '@nats-io/transport-node';
import postgres from 'postgres';
import { openContext, type AppContext } from '../src/app/context.ts';
import {
  createDemo,
  demoEndMs,
  demoStartMs,
  registerDemoSetup,
  registerPopulation as registerDemoPopulation,
} from '../src/app/demo.ts';
import type { Keyring } from '../src/app/keyring.ts';
import { generatePopulation, type GeneratedRecord, type Population } from '../src/app/population.ts';
import { submitRecords } from '../src/app/records.ts';
import { createToken } from '../src/app/tokens.ts';
import { readDemoFiles } from '../src/cli/files.ts';
import { openPostgresStore } from '../src/store/postgres/postgres-store.ts';
import { NatsChangeStream } from '../src/stream/nats.ts';
import { pickDecisionMix, type DecisionMix } from './support/decision-mix.ts';
import { makeBenchKeys } from './support/keys.ts';
import { benchArgs, positive } from './support/options.ts';
import {
  measureTogether,
  startChild,
  stopChild,
  type Child,
  type Load,
  type Measurement,
} from './support/server-children.ts';

const root = fileURLToPath(new URL('../', import.meta.url)).replace(/\/$/, '');
const serverScript = fileURLToPath(new URL('./support/pg-server.ts', import.meta.url));
const defaultDatabaseUrl = 'postgres://postgres@127.0.0.1:5432/credence_bench';
const defaultNatsUrl = 'nats://127.0.0.1:4222';
const action = 'travel.flight';
const listId = 'court-defaulters';
const seed = 'credence';
const cleanSubjectsMin = 256;
/** Agencies report within the hour of the last record of a batch, as in createDemo. */
const reportDelayMs = 3_600_000;
/** The demo generator gives about 0.9 records per person and year; start a little above what that needs. */
const peoplePerRecordFirstGuess = 1.2;
const copyChunkRows = 1_000;
/** The parent's own store, for setting up the serving demo. */
const parentConnections = 2;
const waitTimeoutMs = 120_000;
const pollIntervalMs = 200;
const answerWorkers = 8;

interface Options {
  readonly records: number;
  readonly batch: number;
  readonly people: number;
  readonly seconds: number;
  readonly connections: number;
  readonly runs: number;
  readonly warmupSeconds: number;
  readonly short: boolean;
  readonly databaseUrl: string;
  readonly natsUrl: string;
}

function parseOptions(argv: string[]): Options {
  const values = benchArgs(
    argv,
    ['records', 'batch', 'people', 'seconds', 'connections', 'runs', 'database-url', 'nats'],
    ['short'],
  );
  const short = values.short;
  const seconds = positive('seconds', values.seconds, false) ?? (short ? 2 : 5);
  const connections = positive('connections', values.connections, true) ?? 50;
  if (connections < 2) throw new Error('--connections needs at least 2: the two replicas get half each');
  return {
    records: positive('records', values.records, true) ?? (short ? 5_000 : 50_000),
    batch: positive('batch', values.batch, true) ?? 1_000,
    people: positive('people', values.people, true) ?? (short ? 1_000 : 20_000),
    seconds,
    connections,
    runs: positive('runs', values.runs, true) ?? (short ? 1 : 3),
    warmupSeconds: short ? 0 : Math.min(2, seconds / 2),
    short,
    databaseUrl: values['database-url'] ?? defaultDatabaseUrl,
    natsUrl: values.nats ?? defaultNatsUrl,
  };
}

const log = (line: string) => process.stderr.write(`pg: ${line}\n`);
const round2 = (n: number) => Math.round(n * 100) / 100;
const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));
const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const hi = sorted[mid] ?? Number.NaN;
  const lo = sorted[mid - 1] ?? hi;
  return sorted.length % 2 === 1 ? hi : (lo + hi) / 2;
}

/** Polls `check` until it returns true; fails with `what` after waitTimeoutMs. */
async function waitUntil(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = performance.now() + waitTimeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${waitTimeoutMs / 1000} s waiting for ${what}`);
    await sleep(pollIntervalMs);
  }
}

// --- ingest ---------------------------------------------------------------------------------------------------

interface Batch {
  readonly nowMs: number;
  readonly records: readonly GeneratedRecord[];
}

interface IngestData {
  readonly population: Population;
  readonly people: number;
  readonly batches: readonly Batch[];
}

/** A demo population whose year holds at least `count` records, and its first `count` in batches of `batch`. */
function ingestData(count: number, batch: number): IngestData {
  let people = Math.ceil(count * peoplePerRecordFirstGuess);
  for (;;) {
    const population = generatePopulation({ people, seed, startMs: demoStartMs, endMs: demoEndMs });
    if (population.records.length >= count) {
      const records = population.records.slice(0, count);
      const batches: Batch[] = [];
      for (let i = 0; i < records.length; i += batch) {
        const slice = records.slice(i, i + batch);
        batches.push({ nowMs: (slice.at(-1)?.effectiveAtMs ?? demoStartMs) + reportDelayMs, records: slice });
      }
      return { population, people, batches };
    }
    people = Math.ceil((people * count * 1.05) / Math.max(1, population.records.length));
  }
}

/** What createDemo does before its records: agencies and calendars, the catalogs, the population. */
async function registerPopulation(
  context: AppContext,
  files: ReturnType<typeof readDemoFiles>,
  population: Population,
): Promise<void> {
  await registerDemoSetup(context, files);
  await registerDemoPopulation(context, population);
}

/** Registers the population (not timed), then submits every batch; returns the seconds the batches took. */
async function ingestWithCredence(
  url: string,
  schema: string,
  keys: Keyring,
  files: ReturnType<typeof readDemoFiles>,
  data: IngestData,
): Promise<number> {
  const store = await openPostgresStore(url, { keys, schema, create: true });
  try {
    const context = await openContext(store, { keys });
    await registerPopulation(context, files, data.population);
    const started = performance.now();
    for (const batch of data.batches) {
      const inputs = batch.records.map((r) => ({ ...r, effectiveAt: new Date(r.effectiveAtMs).toISOString() }));
      const result = await submitRecords(context, inputs, { nowMs: batch.nowMs });
      if (result.accepted !== inputs.length) {
        const refused = result.results.find((r) => r.status !== 'accepted');
        throw new Error(
          `submitRecords accepted ${result.accepted} of ${inputs.length} demo records: ${JSON.stringify(refused)}`,
        );
      }
    }
    return (performance.now() - started) / 1000;
  } finally {
    await store.close();
  }
}

/** One COPY text field: NULL as \N; backslash, tab, newline and carriage return escaped. */
function copyField(value: string | number | undefined): string {
  if (value === undefined) return '\\N';
  if (typeof value === 'number') return String(value);
  return value.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c] ?? c);
}

/**
 * The rows Credence stores for these batches, as COPY text in chunks: ids from 1 in submission order (the fresh
 * schema's sequence), the subject as its lookup token, recorded at the batch's instant.
 */
function copyChunks(data: IngestData, keys: Keyring): string[] {
  const chunks: string[] = [];
  let lines: string[] = [];
  let id = 0;
  for (const batch of data.batches) {
    for (const r of batch.records) {
      const fields = [
        ++id,
        r.agency,
        r.agencyRef,
        keys.lookup(r.subject),
        r.code,
        r.effectiveAtMs,
        batch.nowMs,
        r.evidence,
        r.amount,
        r.caseRef,
      ];
      lines.push(`${fields.map(copyField).join('\t')}\n`);
      if (lines.length === copyChunkRows) {
        chunks.push(lines.join(''));
        lines = [];
      }
    }
  }
  if (lines.length > 0) chunks.push(lines.join(''));
  return chunks;
}

/** Makes the schema's (empty) tables with the store's migrations, then COPYs the rows; returns the seconds. */
async function ingestWithCopy(url: string, schema: string, keys: Keyring, chunks: readonly string[]): Promise<number> {
  await (await openPostgresStore(url, { keys, schema, create: true })).close();
  const sql = postgres(url, {
    max: 1,
    onnotice: () => undefined,
    connection: { application_name: 'credence-bench', search_path: schema },
  });
  try {
    await sql`SELECT 1`;
    const started = performance.now();
    const writable =
      await sql`COPY records (id, agency, agency_ref, subject, code, effective_at_ms, recorded_at_ms, evidence, amount, case_ref) FROM STDIN`.writable();
    await pipeline(Readable.from(chunks), writable);
    return (performance.now() - started) / 1000;
  } finally {
    await sql.end();
  }
}

/** Every row of the schema's records table, every column, as one digest: equal digests, equal tables. */
async function recordsDigest(sql: postgres.Sql, schema: string): Promise<{ rows: number; digest: string }> {
  const [row] = await sql.unsafe(
    `SELECT count(*)::int AS rows, md5(coalesce(string_agg(r::text, E'\\n' ORDER BY r.id), '')) AS digest
     FROM ${quoted(schema)}.records r`,
  );
  return { rows: Number(row?.rows), digest: String(row?.digest) };
}

interface IngestRun {
  readonly credenceSeconds: number;
  readonly copySeconds: number;
}

// --- the change stream ----------------------------------------------------------------------------------------

interface Nats {
  readonly url: string;
  readonly stream: string;
  /** The parent's own handle on the stream (it made it), to read its position. */
  readonly changes: NatsChangeStream;
}

/** A stream of this run's own (its own subject too: src/stream/nats.ts), removed at the end. */
async function openStream(url: string, stream: string): Promise<Nats> {
  try {
    return { url, stream, changes: await NatsChangeStream.open({ servers: [url], stream }) };
  } catch (error) {
    throw new Error(
      `cannot open a change stream on ${url} (is nats-server running with JetStream? .ci/services.sh starts it): ${(error as Error).message}`,
      { cause: error },
    );
  }
}

async function removeStream(nats: Nats): Promise<void> {
  await nats.changes.close();
  const nc = await connectNats({ servers: [nats.url] });
  try {
    await (await jetstreamManager(nc)).streams.delete(nats.stream);
  } finally {
    await nc.close();
  }
}

// --- decisions ------------------------------------------------------------------------------------------------

const decisionPath = (subject: string) => `/v1/decisions?subject=${encodeURIComponent(subject)}&action=${action}`;

interface Health {
  readonly indexSubjects: number;
  readonly replication?: { readonly appliedSequence: number; readonly lag: number };
}

async function healthOf(server: Child): Promise<Health> {
  const response = await fetch(`${server.origin}/healthz`);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${server.name}: GET /healthz: ${response.status} ${text}`);
  return JSON.parse(text) as Health;
}

/** One GET per distinct subject of the mix: every answer a 200 with the expected outcome. */
async function checkAnswers(server: Child, token: string, mix: DecisionMix): Promise<void> {
  const expected = new Map<string, 'allow' | 'deny'>([
    ...mix.listed.map((s) => [s, 'deny'] as const),
    ...mix.clean.map((s) => [s, 'allow'] as const),
  ]);
  const distinct = [...expected.keys()];
  let cursor = 0;
  const worker = async () => {
    while (cursor < distinct.length) {
      const subject = distinct[cursor++] ?? '';
      const response = await fetch(`${server.origin}${decisionPath(subject)}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`${server.name}: GET /v1/decisions: ${response.status} ${text}`);
      const { outcome } = JSON.parse(text) as { outcome: string };
      if (outcome !== expected.get(subject))
        throw new Error(
          `${server.name} answered ${outcome} for a ${expected.get(subject) === 'deny' ? 'listed' : 'clean'} subject`,
        );
    }
  };
  await Promise.all(Array.from({ length: answerWorkers }, worker));
}

interface DecisionRun {
  readonly main: Measurement;
  readonly mainLoadGeneratorCpuPercent: number;
  readonly one: Measurement;
  readonly oneLoadGeneratorCpuPercent: number;
  readonly two: readonly Measurement[];
  readonly twoLoadGeneratorCpuPercent: number;
}

function describe(m: Measurement): string {
  return `${Math.round(m.requestsPerSecond)} req/s, p50 ${m.latencyMs.p50} ms, p99 ${m.latencyMs.p99} ms, non-2xx ${m.non2xx}, errors ${m.errors}, server CPU ${Math.round(m.serverCpuPercent)}%`;
}

function medianOf(runs: readonly Measurement[]) {
  const m = (pick: (r: Measurement) => number) => median(runs.map(pick));
  return {
    requestsPerSecond: Math.round(m((r) => r.requestsPerSecond)),
    latencyMs: {
      p50: round2(m((r) => r.latencyMs.p50)),
      p97_5: round2(m((r) => r.latencyMs.p97_5)),
      p99: round2(m((r) => r.latencyMs.p99)),
    },
    requests: Math.round(m((r) => r.requests)),
    // Failures are summed, not medians: one is too many.
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    timeouts: runs.reduce((n, r) => n + r.timeouts, 0),
    serverCpuPercent: Math.round(m((r) => r.serverCpuPercent)),
    serverCpuMicrosPerRequest: Math.round(m((r) => r.serverCpuMicrosPerRequest)),
  };
}

const sumRequestsPerSecond = (ms: readonly Measurement[]) => ms.reduce((n, m) => n + m.requestsPerSecond, 0);

interface PreparedDemo {
  readonly demo: { readonly subjects: number; readonly records: number; readonly seconds: number };
  readonly token: string;
  readonly mix: DecisionMix;
}

/** The demo city in the schema, a service-point token for the action, and the mix of subjects to ask about. */
async function prepareDemo(
  url: string,
  schema: string,
  keys: Keyring,
  files: ReturnType<typeof readDemoFiles>,
  people: number,
): Promise<PreparedDemo> {
  const store = await openPostgresStore(url, { keys, schema, create: true, connections: parentConnections });
  try {
    const context = await openContext(store, { keys });
    const started = performance.now();
    const report = await createDemo(context, { people, seed, ...files });
    const seconds = (performance.now() - started) / 1000;
    const nowMs = Date.now();
    const created = await createToken(
      context,
      { role: 'service-point', name: 'bench-desk', scope: [action] },
      { nowMs, actor: 'bench' },
    );
    if (!created.ok) throw new Error(`token not created: ${created.problem.message}`);
    const mix = await pickDecisionMix(store, context.catalogs, { action, listId, nowMs, cleanMin: cleanSubjectsMin });
    return { demo: { subjects: report.subjects, records: report.records, seconds }, token: created.value.token, mix };
  } finally {
    await store.close();
  }
}

// --- main -----------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const url = options.databaseUrl;
  const dir = mkdtempSync(join(tmpdir(), 'credence-bench-pg-'));
  const prefix = `bench_${randomBytes(4).toString('hex')}`;
  const streamName = `BENCH_${randomBytes(4).toString('hex').toUpperCase()}`;
  // It connects at its first query, once the first store opened has created the database.
  const admin = postgres(url, { max: 1, onnotice: () => undefined });
  const schemas = new Set<string>();
  const dropSchema = async (schema: string) => {
    await admin.unsafe(`DROP SCHEMA IF EXISTS ${quoted(schema)} CASCADE`);
    schemas.delete(schema);
  };
  const children: Child[] = [];
  let nats: Nats | undefined;
  try {
    const { keys, file: keyFile } = makeBenchKeys(dir);
    const files = readDemoFiles();

    // Ingest.
    const data = ingestData(options.records, options.batch);
    const chunks = copyChunks(data, keys);
    log(
      `ingest: ${options.records.toLocaleString('en')} records of a ${data.people.toLocaleString('en')}-person population (${data.population.subjects.length.toLocaleString('en')} subjects), batches of ${options.batch}`,
    );
    const ingestRuns: IngestRun[] = [];
    for (let run = 1; run <= options.runs; run++) {
      const credenceSchema = `${prefix}_ingest_${run}`;
      const copySchema = `${prefix}_copy_${run}`;
      schemas.add(credenceSchema).add(copySchema);
      const credenceSeconds = await ingestWithCredence(url, credenceSchema, keys, files, data);
      const copySeconds = await ingestWithCopy(url, copySchema, keys, chunks);
      const [ours, theirs] = [await recordsDigest(admin, credenceSchema), await recordsDigest(admin, copySchema)];
      if (ours.rows !== options.records || ours.rows !== theirs.rows || ours.digest !== theirs.digest) {
        throw new Error(
          `the reference rows differ from Credence's: ${ours.rows} rows (${ours.digest}) against ${theirs.rows} (${theirs.digest})`,
        );
      }
      await dropSchema(credenceSchema);
      await dropSchema(copySchema);
      ingestRuns.push({ credenceSeconds, copySeconds });
      log(
        `run ${run}/${options.runs} ingest: credence ${Math.round(options.records / credenceSeconds)} records/s (${credenceSeconds.toFixed(2)} s), COPY ${Math.round(options.records / copySeconds)} records/s (${copySeconds.toFixed(2)} s)`,
      );
    }

    // Decisions: the stream first (to fail early), then the demo, the token and the mix, on the parent's own store.
    const openedNats = await openStream(options.natsUrl, streamName);
    nats = openedNats;
    const serveSchema = `${prefix}_serve`;
    schemas.add(serveSchema);
    log(`decisions: creating a ${options.people.toLocaleString('en')}-person demo in schema ${serveSchema}`);
    const { demo, token, mix } = await prepareDemo(url, serveSchema, keys, files, options.people);
    const serverArgs = (role: string) => [role, url, serveSchema, keyFile, openedNats.url, streamName];
    const main = await startChild('main', serverScript, serverArgs('main'));
    children.push(main);
    // Replicas start once what the demo committed is in the stream, so that they do not apply it while measured.
    await waitUntil(
      'the main server to publish its change outbox',
      async () => (await admin.unsafe(`SELECT 1 FROM ${quoted(serveSchema)}.changes LIMIT 1`)).length === 0,
    );
    const replicas = await Promise.all(
      ['replica-1', 'replica-2'].map((name) => startChild(name, serverScript, serverArgs('replica'))),
    );
    children.push(...replicas);
    const [replica1, replica2] = replicas;
    if (replica1 === undefined || replica2 === undefined) throw new Error('the replicas did not start');
    const published = (await openedNats.changes.position()).lastSequence;
    const mainSubjects = (await healthOf(main)).indexSubjects;
    for (const replica of replicas) {
      await waitUntil(`${replica.name} to catch up with the stream`, async () => {
        const health = await healthOf(replica);
        const r = health.replication;
        return (
          r !== undefined && r.lag === 0 && r.appliedSequence >= published && health.indexSubjects === mainSubjects
        );
      });
    }
    for (const server of children) await checkAnswers(server, token, mix);
    log(
      `decisions: demo of ${demo.subjects} subjects, ${demo.records} records in ${demo.seconds.toFixed(1)} s; ${published} changes in stream ${streamName} on ${openedNats.url}; mix of ${mix.listed.length} listed and ${mix.clean.length} clean subjects; replicas agree with the main server`,
    );

    const paths = mix.subjects.map(decisionPath);
    const headers = { authorization: `Bearer ${token}` };
    const load = (server: Child, connections: number, seconds: number): Load => ({
      server,
      connections,
      seconds,
      headers,
      paths,
    });
    const half = Math.ceil(options.connections / 2);
    const phases = (seconds: number) => ({
      main: [load(main, options.connections, seconds)],
      one: [load(replica1, options.connections, seconds)],
      two: [load(replica1, half, seconds), load(replica2, options.connections - half, seconds)],
    });
    if (options.warmupSeconds > 0) {
      log(`warming up each server for ${options.warmupSeconds} s`);
      const warm = phases(options.warmupSeconds);
      for (const loads of [warm.main, warm.one, warm.two]) await measureTogether(loads);
    }
    const measured = phases(options.seconds);
    const pause = options.short ? 0 : 500;
    const decisionRuns: DecisionRun[] = [];
    for (let run = 1; run <= options.runs; run++) {
      await sleep(pause);
      const m = await measureTogether(measured.main);
      await sleep(pause);
      const one = await measureTogether(measured.one);
      await sleep(pause);
      const two = await measureTogether(measured.two);
      const [mainRun, oneRun] = [m.each[0], one.each[0]];
      if (mainRun === undefined || oneRun === undefined) throw new Error('a measurement is missing');
      log(`run ${run}/${options.runs} main:         ${describe(mainRun)}`);
      log(`run ${run}/${options.runs} one replica:  ${describe(oneRun)}`);
      log(
        `run ${run}/${options.runs} two replicas: ${Math.round(sumRequestsPerSecond(two.each))} req/s (${two.each.map(describe).join('; ')})`,
      );
      decisionRuns.push({
        main: mainRun,
        mainLoadGeneratorCpuPercent: m.loadGeneratorCpuPercent,
        one: oneRun,
        oneLoadGeneratorCpuPercent: one.loadGeneratorCpuPercent,
        two: two.each,
        twoLoadGeneratorCpuPercent: two.loadGeneratorCpuPercent,
      });
    }
    for (const child of children.splice(0)) await stopChild(child);

    const credenceRate = median(ingestRuns.map((r) => options.records / r.credenceSeconds));
    const copyRate = median(ingestRuns.map((r) => options.records / r.copySeconds));
    const mainMedian = medianOf(decisionRuns.map((r) => r.main));
    const oneMedian = medianOf(decisionRuns.map((r) => r.one));
    const twoRate = median(decisionRuns.map((r) => sumRequestsPerSecond(r.two)));
    const twoEach = [0, 1].map((i) => medianOf(decisionRuns.flatMap((r) => r.two[i] ?? [])));
    const failures = [mainMedian, oneMedian, ...twoEach].reduce((n, m) => n + m.non2xx + m.errors, 0);
    const postgresVersion = String((await admin`SHOW server_version`)[0]?.server_version);
    process.stdout.write(
      `${JSON.stringify({
        benchmark: 'pg',
        node: process.version,
        postgres: postgresVersion,
        autocannon: (
          JSON.parse(readFileSync(join(root, 'node_modules/autocannon/package.json'), 'utf8')) as { version: string }
        ).version,
        cores: availableParallelism(),
        cpuModel: cpus()[0]?.model ?? 'unknown',
        nats: { url: openedNats.url, stream: streamName },
        parameters: {
          records: options.records,
          batch: options.batch,
          people: options.people,
          seconds: options.seconds,
          connections: options.connections,
          runs: options.runs,
          warmupSeconds: options.warmupSeconds,
          short: options.short,
          action,
        },
        ingest: {
          records: options.records,
          population: { people: data.people, subjects: data.population.subjects.length },
          credence: { recordsPerSecond: Math.round(credenceRate) },
          copy: { recordsPerSecond: Math.round(copyRate) },
          ratio: round2(credenceRate / copyRate),
          sameRows: true,
          perRun: ingestRuns.map((r) => ({
            credenceSeconds: round2(r.credenceSeconds),
            copySeconds: round2(r.copySeconds),
            credenceRecordsPerSecond: Math.round(options.records / r.credenceSeconds),
            copyRecordsPerSecond: Math.round(options.records / r.copySeconds),
          })),
        },
        decisions: {
          setup: {
            subjects: demo.subjects,
            records: demo.records,
            demoSeconds: round2(demo.seconds),
            changesInStream: published,
            mix: { paths: paths.length, listed: mix.listed.length, clean: mix.clean.length },
          },
          main: mainMedian,
          oneReplica: oneMedian,
          twoReplicas: { requestsPerSecond: Math.round(twoRate), each: twoEach },
          oneReplicaOverMain: round2(oneMedian.requestsPerSecond / mainMedian.requestsPerSecond),
          twoOverOne: round2(twoRate / median(decisionRuns.map((r) => r.one.requestsPerSecond))),
          loadGeneratorCpuPercent: {
            main: Math.round(median(decisionRuns.map((r) => r.mainLoadGeneratorCpuPercent))),
            oneReplica: Math.round(median(decisionRuns.map((r) => r.oneLoadGeneratorCpuPercent))),
            twoReplicas: Math.round(median(decisionRuns.map((r) => r.twoLoadGeneratorCpuPercent))),
          },
          perRun: decisionRuns.map((r) => ({
            main: Math.round(r.main.requestsPerSecond),
            oneReplica: Math.round(r.one.requestsPerSecond),
            twoReplicas: Math.round(sumRequestsPerSecond(r.two)),
            twoOverOne: round2(sumRequestsPerSecond(r.two) / r.one.requestsPerSecond),
          })),
        },
      })}\n`,
    );
    if (failures > 0) {
      log(`FAILED: ${failures} non-2xx answers or connection errors`);
      process.exitCode = 1;
    }
  } finally {
    for (const child of children) await stopChild(child);
    if (nats !== undefined)
      await removeStream(nats).catch((error: unknown) => log(`stream not removed: ${String(error)}`));
    for (const schema of [...schemas])
      await dropSchema(schema).catch((error: unknown) => log(`schema ${schema} not dropped: ${String(error)}`));
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
