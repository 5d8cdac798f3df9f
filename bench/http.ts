/**
 * HTTP benchmark for the decision endpoints, against a bare Fastify reference measured in the same run.
 *
 * Setup: a demo database in a temporary folder (createDemo, --people persons) and a service-point token for
 * travel.flight. The subjects are a 50/50 mix of current members of the court-defaulters list (denied) and clean
 * subjects (allowed), interleaved. Each server runs in its own child process, with logging off, so that the load
 * generator (autocannon, in this process) and the server do not share an event loop:
 * - credence: startService on the demo database (bench/support/credence-server.ts);
 * - reference: a bare Fastify server of the same version answering GET /ref from a plain Map, with the bodies
 *   Credence gave for the same subjects (bench/support/reference-server.ts).
 *
 * Measurements, each for --seconds and repeated --runs times, alternating credence and reference:
 * - single: GET /v1/decisions?subject=...&action=travel.flight with --connections, the request path rotating over
 *   the mix; and the same through GET /ref on the reference;
 * - batch: POST /v1/decisions/batch with 1,000 subjects per request and --batch-connections.
 * Every server is warmed up first. The figures reported are the medians over the runs; any non-2xx answer or
 * connection error fails the program (after the JSON is printed). Each measurement also reports the CPU time the
 * server and the load generator used: on a small shared machine requests/s moves with the neighbours, while the
 * server's CPU time per request (and its ratio to the reference's) moves much less.
 *
 * Usage: node bench/http.ts [--people N] [--seconds S] [--connections C] [--runs N] [--batch-connections C]
 *                           [--short] [--profile DIR]
 * --short: a ~2 s version on a 500-person demo, to prove in CI that the benchmark still works.
 * --profile DIR: profile the servers (V8 sampling profiler, through node:inspector) during the last run's
 *   measurements; write credence-single, reference-single and credence-batch .cpuprofile files into DIR and add
 *   their self-time summaries to the JSON. The profiler slows the servers: compare such a run only with another.
 * Prints one JSON object on stdout; progress goes to stderr.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { openContext } from '../src/app/context.ts';
import { createDemo } from '../src/app/demo.ts';
import { createToken } from '../src/app/tokens.ts';
import { readDemoFiles } from '../src/cli/files.ts';
import { listMembersPageMax } from '../src/core/constants.ts';
import { loadIndex } from '../src/index/decision-index.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { summariseProfile, type ProfileSummary } from './support/cpu-profile.ts';
import { makeBenchKeys } from './support/keys.ts';
import { benchArgs, positive } from './support/options.ts';
import { ask, startChild, stopChild, type Child } from './support/server-children.ts';

const root = fileURLToPath(new URL('../', import.meta.url)).replace(/\/$/, '');
const support = fileURLToPath(new URL('./support/', import.meta.url));
const action = 'travel.flight';
const listId = 'court-defaulters';
const seed = 'credence';
const batchSubjects = 1_000;
const batchBodies = 4;
const cleanSubjectsMin = 256;

interface Options {
  readonly people: number;
  readonly seconds: number;
  readonly connections: number;
  readonly runs: number;
  readonly batchConnections: number;
  readonly warmupSeconds: number;
  readonly short: boolean;
  readonly profileDir: string | undefined;
}

interface Measurement {
  readonly requestsPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p97_5: number; readonly p99: number };
  readonly requests: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly bytesPerResponse: number;
  /** CPU time used during the measurement over its wall time: 100 is one core busy throughout. */
  readonly serverCpuPercent: number;
  readonly loadGeneratorCpuPercent: number;
  /** The server's CPU time per answered request: the cost of a request, less sensitive to a noisy machine. */
  readonly serverCpuMicrosPerRequest: number;
}

function parseOptions(argv: string[]): Options {
  const values = benchArgs(
    argv,
    ['people', 'seconds', 'connections', 'runs', 'batch-connections', 'profile'],
    ['short'],
  );
  const short = values.short;
  const seconds = positive('seconds', values.seconds, false) ?? (short ? 0.5 : 10);
  return {
    people: positive('people', values.people, true) ?? (short ? 500 : 20_000),
    seconds,
    connections: positive('connections', values.connections, true) ?? 50,
    runs: positive('runs', values.runs, true) ?? (short ? 1 : 3),
    batchConnections: positive('batch-connections', values['batch-connections'], true) ?? 4,
    warmupSeconds: short ? 0 : Math.min(2, seconds / 2),
    short,
    profileDir: values.profile === undefined ? undefined : resolve(values.profile),
  };
}

const log = (line: string) => process.stderr.write(`http: ${line}\n`);
const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));
const round2 = (n: number) => Math.round(n * 100) / 100;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const hi = sorted[mid] ?? Number.NaN;
  const lo = sorted[mid - 1] ?? hi;
  return sorted.length % 2 === 1 ? hi : (lo + hi) / 2;
}

function medianOf(runs: readonly Measurement[]): Measurement {
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
    bytesPerResponse: Math.round(m((r) => r.bytesPerResponse)),
    serverCpuPercent: Math.round(m((r) => r.serverCpuPercent)),
    loadGeneratorCpuPercent: Math.round(m((r) => r.loadGeneratorCpuPercent)),
    serverCpuMicrosPerRequest: Math.round(m((r) => r.serverCpuMicrosPerRequest)),
  };
}

// --- the demo database and the subjects -------------------------------------------------------------------

interface Setup {
  readonly db: string;
  readonly keyFile: string;
  readonly token: string;
  readonly demoSeconds: number;
  readonly subjects: number;
  readonly records: number;
  readonly listed: readonly string[];
  readonly clean: readonly string[];
}

/** Every n-th of `items` so that `count` of them are picked, spread over the whole range. */
function spread<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  const step = items.length / count;
  return Array.from({ length: count }, (_, i) => items[Math.floor(i * step)]).filter((x) => x !== undefined);
}

async function setUp(dir: string, people: number): Promise<Setup> {
  const db = join(dir, 'credence.db');
  const { keys, file: keyFile } = makeBenchKeys(dir);
  const store = openSqliteStore(db, { create: true, keys });
  try {
    const context = await openContext(store, { keys });
    const started = performance.now();
    const report = await createDemo(context, { people, seed, ...readDemoFiles() });
    const demoSeconds = (performance.now() - started) / 1000;
    const nowMs = Date.now();
    const created = await createToken(
      context,
      { role: 'service-point', name: 'bench-desk', scope: [action] },
      { nowMs, actor: 'bench' },
    );
    if (!created.ok) throw new Error(`token not created: ${created.problem.message}`);
    const listed = (await store.listMembers(listId, nowMs, listMembersPageMax)).map((m) => m.subject);
    if (listed.length === 0) throw new Error(`the demo has no current ${listId} members; use more --people`);
    // Clean: allowed, with no measure at all (not in the index, whose entries differ from the default).
    const index = await loadIndex(store, context.catalogs, nowMs);
    const listedSet = new Set(listed);
    const candidates: string[] = [];
    for await (const page of store.scanSubjects(5_000)) {
      for (const subject of page) {
        if (listedSet.has(subject.key) || index.has(subject.key)) continue;
        const decided = index.decideFor(subject, action, nowMs);
        if (decided.ok && decided.value.outcome === 'allow' && decided.value.reasons.length === 0)
          candidates.push(subject.key);
      }
    }
    const clean = spread(candidates, Math.max(listed.length, cleanSubjectsMin));
    if (clean.length === 0) throw new Error('the demo has no clean subjects');
    return {
      db,
      keyFile,
      token: created.value.token,
      demoSeconds,
      subjects: report.subjects,
      records: report.records,
      listed,
      clean,
    };
  } finally {
    await store.close();
  }
}

/** Listed and clean subjects interleaved, each list cycled to the length of the longer: a 50/50 mix. */
function mixOf(listed: readonly string[], clean: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < Math.max(listed.length, clean.length); i++) {
    out.push(listed[i % listed.length] ?? '', clean[i % clean.length] ?? '');
  }
  return out;
}

// --- load -----------------------------------------------------------------------------------------------------

interface Load {
  readonly server: Child;
  readonly connections: number;
  readonly seconds: number;
  readonly headers: Record<string, string>;
  readonly method: 'GET' | 'POST';
  /** Rotated over, one per request. */
  readonly paths: readonly string[];
  readonly bodies?: readonly string[];
}

/** One autocannon run; with `profileFile`, the server is profiled during it and the profile written there. */
async function measure(load: Load, profileFile?: string): Promise<Measurement> {
  let next = 0;
  if (profileFile !== undefined) await ask(load.server, { kind: 'profile-start' });
  const serverBefore = (await ask(load.server, { kind: 'cpu' })).cpuMicros;
  const ownBefore = process.cpuUsage();
  const started = performance.now();
  const result = await autocannon({
    url: load.server.origin,
    connections: load.connections,
    duration: load.seconds,
    method: load.method,
    headers: load.headers,
    requests: [
      {
        setupRequest: (request) => {
          const i = next++;
          const path = load.paths[i % load.paths.length];
          const body = load.bodies?.[i % load.bodies.length];
          return { ...request, path, ...(body === undefined ? {} : { body }) };
        },
      },
    ],
  });
  const wallMicros = (performance.now() - started) * 1000;
  const own = process.cpuUsage(ownBefore);
  const serverMicros = (await ask(load.server, { kind: 'cpu' })).cpuMicros - serverBefore;
  if (profileFile !== undefined) await ask(load.server, { kind: 'profile-stop', file: profileFile });
  const requests = result.requests.total;
  return {
    requestsPerSecond: result.duration > 0 ? requests / result.duration : 0,
    latencyMs: { p50: result.latency.p50, p97_5: result.latency.p97_5, p99: result.latency.p99 },
    requests,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    bytesPerResponse: requests > 0 ? result.throughput.total / requests : 0,
    serverCpuPercent: (serverMicros / wallMicros) * 100,
    loadGeneratorCpuPercent: ((own.user + own.system) / wallMicros) * 100,
    serverCpuMicrosPerRequest: requests > 0 ? serverMicros / requests : 0,
  };
}

function describe(m: Measurement): string {
  return `${Math.round(m.requestsPerSecond)} req/s, p50 ${m.latencyMs.p50} ms, p99 ${m.latencyMs.p99} ms, non-2xx ${m.non2xx}, errors ${m.errors}, CPU server ${Math.round(m.serverCpuPercent)}% load generator ${Math.round(m.loadGeneratorCpuPercent)}%`;
}

const decisionPath = (subject: string) => `/v1/decisions?subject=${encodeURIComponent(subject)}&action=${action}`;
const referencePath = (subject: string) => `/ref?subject=${encodeURIComponent(subject)}&action=${action}`;

/**
 * One GET per distinct subject against Credence: proves every answer is a 200 with the expected outcome (listed
 * subjects denied, clean ones allowed), and collects the bodies the reference server will give (without
 * decisionId, subject, action, at).
 */
async function collectAnswers(credence: Child, token: string, setup: Setup) {
  const answers = new Map<string, Record<string, unknown>>();
  const outcomes = { allow: 0, deny: 0 };
  const expected = new Map<string, 'allow' | 'deny'>([
    ...setup.listed.map((s) => [s, 'deny'] as const),
    ...setup.clean.map((s) => [s, 'allow'] as const),
  ]);
  const distinct = [...expected.keys()];
  let cursor = 0;
  const worker = async () => {
    while (cursor < distinct.length) {
      const subject = distinct[cursor++] ?? '';
      const response = await fetch(`${credence.origin}${decisionPath(subject)}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`GET /v1/decisions for a mix subject: ${response.status} ${text}`);
      const body = JSON.parse(text) as { outcome: 'allow' | 'deny'; reasons: unknown[]; catalogVersions: unknown[] };
      if (body.outcome !== expected.get(subject))
        throw new Error(
          `a ${expected.get(subject) === 'deny' ? 'listed' : 'clean'} subject was answered ${body.outcome}`,
        );
      outcomes[body.outcome]++;
      answers.set(subject, { outcome: body.outcome, reasons: body.reasons, catalogVersions: body.catalogVersions });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return { answers, outcomes };
}

// --- main -----------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'credence-bench-http-'));
  const children: Child[] = [];
  try {
    log(`creating a ${options.people.toLocaleString('en')}-person demo in ${dir}`);
    const setup = await setUp(dir, options.people);
    const mix = mixOf(setup.listed, setup.clean);
    log(
      `demo: ${setup.subjects} subjects, ${setup.records} records in ${setup.demoSeconds.toFixed(1)} s; mix of ${setup.listed.length} listed and ${setup.clean.length} clean subjects`,
    );

    const credence = await startChild('credence', join(support, 'credence-server.ts'), [setup.db, setup.keyFile]);
    children.push(credence);
    const { answers, outcomes } = await collectAnswers(credence, setup.token, setup);
    const answersFile = join(dir, 'reference-answers.json');
    writeFileSync(answersFile, JSON.stringify([...answers]));
    const reference = await startChild('reference', join(support, 'reference-server.ts'), [answersFile]);
    children.push(reference);
    if (credence.ready.fastify !== reference.ready.fastify) {
      throw new Error(`Fastify versions differ: credence ${credence.ready.fastify}, ${reference.ready.fastify}`);
    }

    const headers = { authorization: `Bearer ${setup.token}` };
    const single = { connections: options.connections, headers, method: 'GET' as const };
    const credenceSingle: Load = {
      ...single,
      server: credence,
      seconds: options.seconds,
      paths: mix.map(decisionPath),
    };
    const referenceSingle: Load = {
      ...single,
      server: reference,
      seconds: options.seconds,
      paths: mix.map(referencePath),
    };
    const bodies = Array.from({ length: batchBodies }, (_, b) =>
      JSON.stringify({
        action,
        subjects: Array.from({ length: batchSubjects }, (_, i) => mix[(b * batchSubjects + i) % mix.length]),
      }),
    );
    const credenceBatch: Load = {
      server: credence,
      connections: options.batchConnections,
      seconds: options.seconds,
      headers: { ...headers, 'content-type': 'application/json' },
      method: 'POST',
      paths: ['/v1/decisions/batch'],
      bodies,
    };

    if (options.warmupSeconds > 0) {
      log(`warming up each server for ${options.warmupSeconds} s`);
      for (const load of [credenceSingle, referenceSingle, credenceBatch]) {
        await measure({ ...load, seconds: options.warmupSeconds });
      }
    }

    const profileDir = options.profileDir;
    if (profileDir !== undefined) mkdirSync(profileDir, { recursive: true });
    const profileFile = (run: number, phase: string) =>
      profileDir === undefined || run !== options.runs ? undefined : join(profileDir, `${phase}.cpuprofile`);
    const pause = options.short ? 0 : 500;
    const runs: { credence: Measurement; reference: Measurement; batch: Measurement }[] = [];
    for (let run = 1; run <= options.runs; run++) {
      await sleep(pause);
      const c = await measure(credenceSingle, profileFile(run, 'credence-single'));
      log(`run ${run}/${options.runs} credence  single: ${describe(c)}`);
      await sleep(pause);
      const r = await measure(referenceSingle, profileFile(run, 'reference-single'));
      log(`run ${run}/${options.runs} reference single: ${describe(r)}`);
      await sleep(pause);
      const b = await measure(credenceBatch, profileFile(run, 'credence-batch'));
      log(`run ${run}/${options.runs} credence  batch:  ${describe(b)} (${batchSubjects} subjects each)`);
      runs.push({ credence: c, reference: r, batch: b });
    }

    for (const child of children.splice(0)) await stopChild(child);
    const summary = (phase: string): ProfileSummary & { readonly file: string } => {
      const file = profileFile(options.runs, phase) ?? '';
      return { file, ...summariseProfile(file, root) };
    };
    const profile =
      profileDir === undefined
        ? undefined
        : {
            credenceSingle: summary('credence-single'),
            referenceSingle: summary('reference-single'),
            credenceBatch: summary('credence-batch'),
          };

    const credenceMedian = medianOf(runs.map((r) => r.credence));
    const referenceMedian = medianOf(runs.map((r) => r.reference));
    const batchMedian = medianOf(runs.map((r) => r.batch));
    const batchRequestsPerSecond = median(runs.map((r) => r.batch.requestsPerSecond));
    const failures = [credenceMedian, referenceMedian, batchMedian].reduce((n, m) => n + m.non2xx + m.errors, 0);
    const perRun = (m: Measurement) => ({
      requestsPerSecond: Math.round(m.requestsPerSecond),
      p50: m.latencyMs.p50,
      p99: m.latencyMs.p99,
      non2xx: m.non2xx,
      errors: m.errors,
      serverCpuPercent: Math.round(m.serverCpuPercent),
      loadGeneratorCpuPercent: Math.round(m.loadGeneratorCpuPercent),
      serverCpuMicrosPerRequest: Math.round(m.serverCpuMicrosPerRequest),
    });
    process.stdout.write(
      `${JSON.stringify({
        benchmark: 'http',
        node: process.version,
        fastify: credence.ready.fastify,
        autocannon: (
          JSON.parse(readFileSync(join(root, 'node_modules/autocannon/package.json'), 'utf8')) as {
            version: string;
          }
        ).version,
        cpus: availableParallelism(),
        cpuModel: cpus()[0]?.model ?? 'unknown',
        parameters: {
          people: options.people,
          seconds: options.seconds,
          connections: options.connections,
          batchConnections: options.batchConnections,
          batchSubjects,
          runs: options.runs,
          warmupSeconds: options.warmupSeconds,
          short: options.short,
          profiled: options.profileDir !== undefined,
          action,
        },
        setup: {
          subjects: setup.subjects,
          records: setup.records,
          demoSeconds: round2(setup.demoSeconds),
          mix: {
            paths: mix.length,
            listed: setup.listed.length,
            clean: setup.clean.length,
            distinctAllowed: outcomes.allow,
            distinctDenied: outcomes.deny,
          },
        },
        single: {
          credence: credenceMedian,
          reference: referenceMedian,
          ratio: round2(credenceMedian.requestsPerSecond / referenceMedian.requestsPerSecond),
          p99Ratio: round2(credenceMedian.latencyMs.p99 / referenceMedian.latencyMs.p99),
          cpuPerRequestRatio: round2(
            credenceMedian.serverCpuMicrosPerRequest / referenceMedian.serverCpuMicrosPerRequest,
          ),
        },
        batch: {
          ...batchMedian,
          requestsPerSecond: round2(batchRequestsPerSecond),
          subjectsPerRequest: batchSubjects,
          subjectChecksPerSecond: Math.round(batchRequestsPerSecond * batchSubjects),
        },
        perRun: runs.map((r) => ({
          credence: perRun(r.credence),
          reference: perRun(r.reference),
          ratio: round2(r.credence.requestsPerSecond / r.reference.requestsPerSecond),
          batch: perRun(r.batch),
        })),
        ...(profile === undefined ? {} : { profile }),
      })}\n`,
    );
    if (failures > 0) {
      log(`FAILED: ${failures} non-2xx answers or connection errors`);
      process.exitCode = 1;
    }
  } finally {
    for (const child of children) await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
