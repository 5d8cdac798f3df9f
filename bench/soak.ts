/**
 * Soak test: the real service under a steady mixed load for a fixed time, to show that it keeps answering, fails
 * nothing and holds its memory flat.
 *
 * Setup: a demo database in a temporary folder (createDemo, --people persons) and tokens for the agencies that
 * report, a service point and a reviewer. The service runs as an operator runs it, `node src/cli/main.ts serve`,
 * in a child process listening on 127.0.0.1 only (bench/support/soak-server.ts); all traffic goes to loopback.
 *
 * Load: --concurrency requests in flight throughout (plain fetch over keep-alive connections), each drawn from a
 * fixed mix (`mixPerMille`) by a seeded generator:
 * - decision: GET /v1/decisions for a current court defaulter, any demo subject, a resident the demo does not
 *   hold, or a subject that just got a record; over a few actions;
 * - batch: POST /v1/decisions/batch, `batchSubjects` subjects for one action;
 * - ingest: POST /v1/records by one agency, 1 to `recordsPerIngestMax` new records (codes in its remit, about
 *   demo residents or companies or new residents, effective a minute ago, each agencyRef used once);
 * - explanation, notices: GET /v1/subjects/{subject}/explanation and /notices, mostly for subjects that just got
 *   a record;
 * - objection: POST /v1/subjects/{subject}/objections by the reviewer, against a record this run ingested (so its
 *   objection window is open), each record at most once;
 * - objection-decision: POST /v1/objections/{id}/decision by the reviewer, oldest open objection first,
 *   alternately upheld and overturned.
 * An objection with no ingested record left to object to, or a decision with no open objection, becomes a
 * decision check instead (counted under `fallbacks`).
 *
 * Every answer is checked: a network error, a 5xx, a 4xx not in `expectedRefusals`, or a 2xx whose body reports a
 * rejected or duplicate record or a failed batch item is an error. Every `sampleIntervalSeconds` the program reads
 * the server's /metrics (resident set, heap in use and its floor over the interval, CPU time, event-loop lag, index
 * size, decision-log backlog) and keeps, per kind of request, the count, errors and p50/p99 latency of the interval
 * (bench/support/soak-histogram.ts). The server's request log is scanned for lines at level error or above.
 *
 * At the end it stops the server with SIGTERM and checks that it exited with status 0, deletes the temporary
 * folder, and prints one JSON document on stdout: totals, throughput and latency per kind, the errors (the first
 * few in full), the samples, and the memory verdict: the least-squares slope of the resident set over the second
 * half of the run, in MB per minute, with its first, last and peak values (and the same for the heap floor). Only
 * the second half counts because the first minutes hold growth that happens once: SQLite's page caches filling as
 * the database grows (up to 64 MiB per connection, two connections) and V8 sizing its heap to the allocation rate.
 * Exit status 1 when there was an error, the server logged an error, died, or did not stop cleanly. Ctrl-C (or
 * SIGTERM, SIGHUP) ends the load early; the server is still stopped, the figures reported and the folder deleted.
 *
 * Usage: node bench/soak.ts [--duration SECONDS] [--people N] [--concurrency C] [--json]
 * --duration: how long the load runs (default 60, so that `npm run bench` runs a short soak).
 * --json: the JSON document alone, on one line, and no progress on stderr; without it, a progress line per sample
 *   on stderr and the JSON indented.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { openContext } from '../src/app/context.ts';
import { createDemo } from '../src/app/demo.ts';
import { seededRandom } from '../src/app/population.ts';
import { createToken } from '../src/app/tokens.ts';
import { readDemoFiles } from '../src/cli/files.ts';
import type { TokenRole } from '../src/store/ports.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { LatencyHistogram } from './support/soak-histogram.ts';
import { makeBenchKeys } from './support/keys.ts';
import { benchArgs, positive } from './support/options.ts';
import { scrapeMetrics, startSoakServer, stopSoakServer, type SoakServer } from './support/soak-server.ts';
import { readSoakSubjects, type SoakSubjects } from './support/soak-subjects.ts';

const root = fileURLToPath(new URL('../', import.meta.url)).replace(/\/$/, '');
const demoSeed = 'credence';
const mixSeed = 'soak';
const listId = 'court-defaulters';

const kinds = ['decision', 'batch', 'ingest', 'explanation', 'notices', 'objection', 'objectionDecision'] as const;
type Kind = (typeof kinds)[number];

/** The fixed mix, per 1,000 requests. */
const mixPerMille: Readonly<Record<Kind, number>> = {
  decision: 820,
  batch: 40,
  ingest: 80,
  explanation: 25,
  notices: 20,
  objection: 8,
  objectionDecision: 7,
};

/** Refusals that are part of the workload rather than faults, by kind: `status code`. None so far. */
const expectedRefusals: Readonly<Record<Kind, ReadonlySet<string>>> = {
  decision: new Set(),
  batch: new Set(),
  ingest: new Set(),
  explanation: new Set(),
  notices: new Set(),
  objection: new Set(),
  objectionDecision: new Set(),
};

const decisionActions = ['travel.flight', 'travel.rail.g_series', 'hotel.star_rated', 'procurement.bid'] as const;
const batchActions = ['travel.flight', 'travel.rail.g_series'] as const;
const batchSubjects = 200;
const recordsPerIngestMax = 4;
const noticesPageLimit = 20;
const freshResidents = 2_000;
/** Subjects that just got a record, and records that can still be objected to: the newest are kept. */
const recentSubjectsMax = 2_000;
const objectableRecordsMax = 5_000;
/** An objection is decided at least this long after it was filed, as a reviewer would. */
const objectionDecisionDelayMs = 1_000;

const sampleIntervalSeconds = 10;
/**
 * The heap is also read at this period, and the smallest value of each sample's interval kept: the heap in use
 * right after a collection, which a leak raises and the sawtooth of garbage between collections does not.
 */
const heapPollSeconds = 2;
const requestTimeoutMs = 30_000;
const metricsTimeoutMs = 10_000;
const stopTimeoutMs = 30_000;
/** Signals that end the load early; the program still stops the server, reports and cleans up. */
const interruptions: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const errorsKept = 10;
const errorBodyLengthMax = 500;
/**
 * The verdict `flat` holds when, over the second half of the run, the floor of heap in use (live objects: where a
 * leak shows) grows by at most 1 MB a minute and the resident set by at most 5 MB a minute (it swings by a hundred
 * MB when V8 resizes its heap, so a tighter bound on it judges the swings, not a trend).
 */
const heapFloorSlopeFlatMbPerMinuteMax = 1;
const rssSlopeFlatMbPerMinuteMax = 5;
const samplesForSlopeMin = 3;

interface IngestPlan {
  readonly agency: string;
  readonly code: string;
  readonly subjects: 'resident' | 'organisation';
  readonly amount?: boolean;
}

/** Low-severity, high-volume codes of several agencies, each applying to the subjects it is sent for. */
const ingestPlans: readonly IngestPlan[] = [
  { agency: 'traffic-police', code: 'traffic.warning', subjects: 'resident' },
  { agency: 'traffic-police', code: 'traffic.fine', subjects: 'resident', amount: true },
  { agency: 'public-security', code: 'public.smoking', subjects: 'resident' },
  { agency: 'health-commission', code: 'donation.blood', subjects: 'resident' },
  { agency: 'civil-affairs', code: 'volunteer.service', subjects: 'resident' },
  { agency: 'tax-bureau', code: 'tax.late_filing', subjects: 'organisation' },
];

interface Options {
  readonly durationSeconds: number;
  readonly people: number;
  readonly concurrency: number;
  readonly json: boolean;
}

function parseOptions(argv: string[]): Options {
  const values = benchArgs(argv, ['duration', 'people', 'concurrency'], ['json']);
  return {
    durationSeconds: positive('duration', values.duration, false) ?? 60,
    people: positive('people', values.people, true) ?? 20_000,
    concurrency: positive('concurrency', values.concurrency, true) ?? 32,
    json: values.json,
  };
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const round2 = (n: number) => Math.round(n * 100) / 100;
const mb = (bytes: number | undefined) => (bytes === undefined ? undefined : round1(bytes / 1_048_576));

// --- setup ------------------------------------------------------------------------------------------------------

interface Setup {
  readonly db: string;
  readonly keyFile: string;
  readonly demoSeconds: number;
  readonly demoSubjects: number;
  readonly demoRecords: number;
  readonly subjects: SoakSubjects;
  readonly tokens: {
    readonly agencies: ReadonlyMap<string, string>;
    readonly servicePoint: string;
    readonly reviewer: string;
  };
}

async function setUp(dir: string, people: number): Promise<Setup> {
  const db = join(dir, 'credence.db');
  const { keys, file: keyFile } = makeBenchKeys(dir);
  const store = openSqliteStore(db, { create: true, keys });
  try {
    const context = await openContext(store, { keys });
    const started = performance.now();
    const report = await createDemo(context, { people, seed: demoSeed, ...readDemoFiles() });
    const demoSeconds = (performance.now() - started) / 1000;
    const nowMs = Date.now();
    const token = async (role: TokenRole, name: string, scope: readonly string[]) => {
      const created = await createToken(context, { role, name, scope }, { nowMs, actor: 'soak' });
      if (!created.ok) throw new Error(`token ${role} ${name} not created: ${created.problem.message}`);
      return created.value.token;
    };
    const agencies = new Map<string, string>();
    for (const agency of new Set(ingestPlans.map((p) => p.agency)))
      agencies.set(agency, await token('agency', agency, []));
    const servicePoint = await token('service-point', 'soak-desk', [...new Set([...decisionActions, ...batchActions])]);
    const reviewer = await token('reviewer', 'soak-reviewer', []);
    const subjects = await readSoakSubjects(store, listId, nowMs, freshResidents);
    return {
      keyFile,
      db,
      demoSeconds,
      demoSubjects: report.subjects,
      demoRecords: report.records,
      subjects,
      tokens: { agencies, servicePoint, reviewer },
    };
  } finally {
    await store.close();
  }
}

// --- measurements ------------------------------------------------------------------------------------------------

class KindStats {
  requests = 0;
  errors = 0;
  refused = 0;
  readonly latency = new LatencyHistogram();

  add(other: KindStats): void {
    this.requests += other.requests;
    this.errors += other.errors;
    this.refused += other.refused;
    this.latency.merge(other.latency);
  }
}

type StatsByKind = Record<Kind, KindStats>;
const newStats = (): StatsByKind => ({
  decision: new KindStats(),
  batch: new KindStats(),
  ingest: new KindStats(),
  explanation: new KindStats(),
  notices: new KindStats(),
  objection: new KindStats(),
  objectionDecision: new KindStats(),
});

interface SoakError {
  readonly atSeconds: number;
  readonly kind: Kind;
  readonly request: string;
  readonly status?: number;
  readonly detail: string;
}

interface Sample {
  readonly atSeconds: number;
  readonly rssMb?: number;
  readonly heapUsedMb?: number;
  readonly heapUsedFloorMb?: number;
  readonly heapTotalMb?: number;
  readonly externalMb?: number;
  readonly serverCpuPercent?: number;
  readonly loadGeneratorCpuPercent: number;
  readonly eventLoopLagP99Ms?: number;
  readonly indexSubjects?: number;
  readonly decisionLogPending?: number;
  /** The database file and its write-ahead log. */
  readonly dbMb: number;
  readonly metricsError?: string;
  readonly kinds: Partial<Record<Kind, { requests: number; errors: number; p50Ms: number; p99Ms: number }>>;
}

/** Least-squares slope of y over x. */
function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const meanX = points.reduce((s, [x]) => s + x, 0) / n;
  const meanY = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - meanX) * (y - meanY);
    den += (x - meanX) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}

function trend(samples: readonly Sample[], pick: (s: Sample) => number | undefined, fromSeconds: number) {
  const values = samples.flatMap((s) => {
    const v = pick(s);
    return v === undefined ? [] : [[s.atSeconds, v] as const];
  });
  const secondHalf = values.filter(([t]) => t >= fromSeconds);
  const perMinute = slope(secondHalf.map(([t, v]) => [t / 60, v] as const));
  return {
    first: values[0]?.[1],
    last: values.at(-1)?.[1],
    peak: values.length === 0 ? undefined : Math.max(...values.map(([, v]) => v)),
    secondHalfSamples: secondHalf.length,
    secondHalfSlopeMbPerMinute: Number.isFinite(perMinute) ? round2(perMinute) : undefined,
  };
}

/** An error and its cause: fetch says `fetch failed` and puts what happened (ECONNRESET...) in the cause. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.name}: ${error.message}${cause}`;
}

// --- the workload --------------------------------------------------------------------------------------------------

interface ObjectableRecord {
  readonly subject: string;
  readonly recordId: number;
}

class Soak {
  readonly #origin: string;
  readonly #setup: Setup;
  readonly #random = seededRandom(mixSeed);
  readonly #startedMs = performance.now();
  readonly #runId = Date.now().toString(36);
  #interval = newStats();
  readonly total = newStats();
  readonly errors: SoakError[] = [];
  errorCount = 0;
  readonly fallbacks = { objection: 0, objectionDecision: 0 };
  readonly outcomes = {
    recordsSubmitted: 0,
    recordsAccepted: 0,
    objectionsFiled: 0,
    objectionsUpheld: 0,
    objectionsOverturned: 0,
    denied: 0,
    allowed: 0,
  };
  stopping = false;
  #refSeq = 0;
  #decisionSeq = 0;
  readonly #recentSubjects: string[] = [];
  readonly #objectable: ObjectableRecord[] = [];
  readonly #openObjections: { id: number; filedMs: number }[] = [];
  readonly #cumulative: readonly [Kind, number][];

  constructor(origin: string, setup: Setup) {
    this.#origin = origin;
    this.#setup = setup;
    let sum = 0;
    this.#cumulative = kinds.map((k): [Kind, number] => [k, (sum += mixPerMille[k])]);
  }

  get elapsedSeconds(): number {
    return (performance.now() - this.#startedMs) / 1000;
  }

  /** The interval's figures, folded into the totals; a new interval starts. */
  takeInterval(): StatsByKind {
    const interval = this.#interval;
    this.#interval = newStats();
    for (const k of kinds) this.total[k].add(interval[k]);
    return interval;
  }

  async worker(): Promise<void> {
    while (!this.stopping) await this.#perform(this.#draw());
  }

  #pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.#random() * items.length)];
    if (item === undefined) throw new Error('picked from an empty list');
    return item;
  }

  #draw(): Kind {
    const r = this.#random() * 1_000;
    return this.#cumulative.find(([, upTo]) => r < upTo)?.[0] ?? 'decision';
  }

  #error(kind: Kind, request: string, detail: string, status?: number): void {
    this.errorCount++;
    this.#interval[kind].errors++;
    if (this.errors.length < errorsKept) {
      this.errors.push({
        atSeconds: round1(this.elapsedSeconds),
        kind,
        request,
        ...(status === undefined ? {} : { status }),
        detail: detail.slice(0, errorBodyLengthMax),
      });
    }
  }

  /** One request; the parsed body of a 2xx answer, else undefined (the error or expected refusal is counted). */
  async #send(kind: Kind, method: 'GET' | 'POST', path: string, token: string, body?: unknown): Promise<unknown> {
    const request = `${method} ${path}`;
    const started = performance.now();
    let status: number;
    let text: string;
    try {
      const response = await fetch(`${this.#origin}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      this.#interval[kind].requests++;
      this.#error(kind, request, `network: ${describeError(error)}`);
      return undefined;
    }
    const stats = this.#interval[kind];
    stats.requests++;
    stats.latency.record(performance.now() - started);
    if (status >= 200 && status < 300) {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        this.#error(kind, request, `a ${status} answer that is not JSON: ${text}`, status);
        return undefined;
      }
    }
    const code = /"code":"([^"]*)"/.exec(text)?.[1] ?? '';
    if (status >= 400 && status < 500 && expectedRefusals[kind].has(`${status} ${code}`)) stats.refused++;
    else this.#error(kind, request, text, status);
    return undefined;
  }

  async #perform(kind: Kind): Promise<void> {
    switch (kind) {
      case 'decision':
        return this.#decision();
      case 'batch':
        return this.#batch();
      case 'ingest':
        return this.#ingest();
      case 'explanation':
        return this.#read('explanation', (s) => `/v1/subjects/${encodeURIComponent(s)}/explanation`);
      case 'notices':
        return this.#read('notices', (s) => `/v1/subjects/${encodeURIComponent(s)}/notices?limit=${noticesPageLimit}`);
      case 'objection':
        return this.#object();
      case 'objectionDecision':
        return this.#decideObjection();
    }
  }

  #decisionSubject(): string {
    const { subjects } = this.#setup;
    const r = this.#random();
    if (r < 0.3) return this.#pick(subjects.listed);
    if (r < 0.8) return this.#pick(subjects.all);
    if (r < 0.9 || this.#recentSubjects.length === 0) return this.#pick(subjects.fresh);
    return this.#pick(this.#recentSubjects);
  }

  async #decision(): Promise<void> {
    const subject = this.#decisionSubject();
    const action = decisionActions[this.#decisionSeq++ % decisionActions.length] ?? 'travel.flight';
    const path = `/v1/decisions?subject=${encodeURIComponent(subject)}&action=${action}`;
    const body = await this.#send('decision', 'GET', path, this.#setup.tokens.servicePoint);
    if (body === undefined) return;
    const outcome = (body as { outcome?: unknown }).outcome;
    if (outcome === 'allow') this.outcomes.allowed++;
    else if (outcome === 'deny') this.outcomes.denied++;
    else this.#error('decision', `GET ${path}`, `no outcome in ${JSON.stringify(body)}`, 200);
  }

  async #batch(): Promise<void> {
    const action = this.#pick(batchActions);
    const subjects = Array.from({ length: batchSubjects }, () => this.#decisionSubject());
    const body = await this.#send('batch', 'POST', '/v1/decisions/batch', this.#setup.tokens.servicePoint, {
      action,
      subjects,
    });
    if (body === undefined) return;
    const results = (body as { results?: { error?: unknown; outcome?: unknown }[] }).results ?? [];
    const failed = results.filter((r) => r.error !== undefined || (r.outcome !== 'allow' && r.outcome !== 'deny'));
    if (results.length !== batchSubjects || failed.length > 0) {
      this.#error(
        'batch',
        'POST /v1/decisions/batch',
        `${results.length} results for ${batchSubjects} subjects, ${failed.length} failed: ${JSON.stringify(failed.slice(0, 3))}`,
        200,
      );
    }
  }

  #ingestSubject(plan: IngestPlan): string {
    const { subjects } = this.#setup;
    if (plan.subjects === 'organisation') return this.#pick(subjects.organisations);
    return this.#random() < 0.85 ? this.#pick(subjects.residents) : this.#pick(subjects.fresh);
  }

  async #ingest(): Promise<void> {
    const plan = this.#pick(ingestPlans);
    const token = this.#setup.tokens.agencies.get(plan.agency) ?? '';
    const count = 1 + Math.floor(this.#random() * recordsPerIngestMax);
    // A minute ago: never in the future, whatever the two processes' clocks read to the millisecond.
    const effectiveAt = new Date(Date.now() - 60_000).toISOString();
    const records = Array.from({ length: count }, () => {
      const agencyRef = `soak-${this.#runId}-${++this.#refSeq}`;
      return {
        agencyRef,
        subject: this.#ingestSubject(plan),
        code: plan.code,
        effectiveAt,
        evidence: `soak ${agencyRef}`,
        ...(plan.amount ? { amount: 100 + Math.floor(this.#random() * 3_000) } : {}),
      };
    });
    this.outcomes.recordsSubmitted += count;
    const body = await this.#send('ingest', 'POST', '/v1/records', token, { records });
    if (body === undefined) return;
    const { accepted, results } = body as {
      accepted?: number;
      results?: { index: number; status: string; recordId?: number; error?: unknown }[];
    };
    this.outcomes.recordsAccepted += accepted ?? 0;
    const notAccepted = (results ?? []).filter((r) => r.status !== 'accepted' || r.recordId === undefined);
    if (accepted !== count || notAccepted.length > 0) {
      this.#error(
        'ingest',
        `POST /v1/records (${plan.agency}, ${count} × ${plan.code})`,
        `${accepted ?? 0} of ${count} accepted: ${JSON.stringify(notAccepted.slice(0, 3))}`,
        200,
      );
    }
    for (const r of results ?? []) {
      const subject = records[r.index]?.subject;
      if (r.status !== 'accepted' || r.recordId === undefined || subject === undefined) continue;
      this.#recentSubjects.push(subject);
      this.#objectable.push({ subject, recordId: r.recordId });
    }
    if (this.#recentSubjects.length > recentSubjectsMax)
      this.#recentSubjects.splice(0, this.#recentSubjects.length - recentSubjectsMax);
    if (this.#objectable.length > objectableRecordsMax)
      this.#objectable.splice(0, this.#objectable.length - objectableRecordsMax);
  }

  async #read(kind: 'explanation' | 'notices', path: (subject: string) => string): Promise<void> {
    const subject =
      this.#recentSubjects.length > 0 && this.#random() < 0.7
        ? this.#pick(this.#recentSubjects)
        : this.#pick(this.#setup.subjects.all);
    await this.#send(kind, 'GET', path(subject), this.#setup.tokens.reviewer);
  }

  async #object(): Promise<void> {
    // The newest record: the one whose subject was told of it last, its window the furthest from closing.
    const target = this.#objectable.pop();
    if (target === undefined) {
      this.fallbacks.objection++;
      return this.#decision();
    }
    const path = `/v1/subjects/${encodeURIComponent(target.subject)}/objections`;
    const body = await this.#send('objection', 'POST', path, this.#setup.tokens.reviewer, {
      recordId: target.recordId,
      grounds: 'soak: the subject says the record is about someone else',
    });
    if (body === undefined) return;
    const { id, status } = body as { id?: number; status?: string };
    if (id === undefined || status !== 'open') {
      this.#error('objection', `POST ${path}`, `not an open objection: ${JSON.stringify(body)}`, 201);
      return;
    }
    this.outcomes.objectionsFiled++;
    this.#openObjections.push({ id, filedMs: performance.now() });
  }

  async #decideObjection(): Promise<void> {
    const oldest = this.#openObjections[0];
    if (oldest === undefined || performance.now() - oldest.filedMs < objectionDecisionDelayMs) {
      this.fallbacks.objectionDecision++;
      return this.#decision();
    }
    this.#openObjections.shift();
    const outcome = oldest.id % 2 === 0 ? 'upheld' : 'overturned';
    const path = `/v1/objections/${oldest.id}/decision`;
    const body = await this.#send('objectionDecision', 'POST', path, this.#setup.tokens.reviewer, {
      outcome,
      reasons: `soak: ${outcome === 'upheld' ? 'the evidence names the subject' : 'the evidence names someone else'}`,
    });
    if (body === undefined) return;
    if ((body as { status?: unknown }).status !== outcome) {
      this.#error('objectionDecision', `POST ${path}`, `not ${outcome}: ${JSON.stringify(body)}`, 200);
      return;
    }
    if (outcome === 'upheld') this.outcomes.objectionsUpheld++;
    else this.outcomes.objectionsOverturned++;
  }
}

// --- main ----------------------------------------------------------------------------------------------------------

function dbBytes(db: string): number {
  let bytes = 0;
  for (const suffix of ['', '-wal']) {
    try {
      bytes += statSync(`${db}${suffix}`).size;
    } catch {
      // The write-ahead log may not exist at that moment.
    }
  }
  return bytes;
}

function summaryOf(stats: KindStats, seconds: number) {
  return {
    requests: stats.requests,
    perSecond: round1(stats.requests / seconds),
    errors: stats.errors,
    refused: stats.refused,
    p50Ms: round2(stats.latency.quantileMs(0.5)),
    p99Ms: round2(stats.latency.quantileMs(0.99)),
    maxMs: round2(stats.latency.maxMs),
  };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const log = (line: string) => {
    if (!options.json) process.stderr.write(`soak: ${line}\n`);
  };
  const dir = mkdtempSync(join(tmpdir(), 'credence-soak-'));
  let server: SoakServer | undefined;
  try {
    log(`creating a ${options.people.toLocaleString('en')}-person demo in ${dir}`);
    const setup = await setUp(dir, options.people);
    log(
      `demo: ${setup.demoSubjects} subjects, ${setup.demoRecords} records in ${setup.demoSeconds.toFixed(1)} s; starting the server`,
    );
    server = await startSoakServer(root, setup.db, setup.keyFile, join(dir, 'server.log'));
    const running = server;
    if (!running.origin.startsWith('http://127.0.0.1:')) throw new Error(`not on loopback: ${running.origin}`);
    log(
      `server pid ${running.process.pid} at ${running.origin}; ${options.concurrency} in flight for ${options.durationSeconds} s`,
    );

    const soak = new Soak(running.origin, setup);
    let diedDuringRun = false;
    void running.exited.then(() => {
      if (soak.stopping) return;
      diedDuringRun = true;
      soak.stopping = true;
    });
    const interrupt = (signal: NodeJS.Signals) => {
      log(`${signal}: ending the load early`);
      soak.stopping = true;
    };
    for (const signal of interruptions) process.on(signal, interrupt);

    const samples: Sample[] = [];
    let heapFloorBytes = Number.POSITIVE_INFINITY;
    const heapUsedOf = (metrics: Map<string, number> | undefined) => {
      const bytes = metrics?.get('credence_nodejs_heap_size_used_bytes');
      if (bytes !== undefined) heapFloorBytes = Math.min(heapFloorBytes, bytes);
      return bytes;
    };
    const pollHeap = async (): Promise<void> => {
      // A failed poll is no figure; the samples report a failing /metrics.
      heapUsedOf(await scrapeMetrics(running.origin, metricsTimeoutMs).catch(() => undefined));
    };
    let lastCpu: { seconds: number; atSeconds: number } | undefined;
    let lastOwn = { usage: process.cpuUsage(), atSeconds: 0 };
    const sample = async (): Promise<void> => {
      const atSeconds = soak.elapsedSeconds;
      const interval = soak.takeInterval();
      const own = process.cpuUsage(lastOwn.usage);
      const ownPercent = ((own.user + own.system) / 1e6 / Math.max(atSeconds - lastOwn.atSeconds, 1e-3)) * 100;
      lastOwn = { usage: process.cpuUsage(), atSeconds };
      let metrics: Map<string, number> | undefined;
      let metricsError: string | undefined;
      try {
        metrics = await scrapeMetrics(running.origin, metricsTimeoutMs);
      } catch (error) {
        metricsError = error instanceof Error ? error.message : String(error);
      }
      const cpuSeconds = metrics?.get('credence_process_cpu_seconds_total');
      const serverCpuPercent =
        cpuSeconds === undefined || lastCpu === undefined
          ? undefined
          : Math.round(((cpuSeconds - lastCpu.seconds) / Math.max(atSeconds - lastCpu.atSeconds, 1e-3)) * 100);
      if (cpuSeconds !== undefined) lastCpu = { seconds: cpuSeconds, atSeconds };
      const lag = metrics?.get('credence_nodejs_eventloop_lag_p99_seconds');
      const heapUsed = heapUsedOf(metrics);
      const heapFloor = Number.isFinite(heapFloorBytes) ? heapFloorBytes : undefined;
      heapFloorBytes = Number.POSITIVE_INFINITY;
      const s: Sample = {
        atSeconds: round1(atSeconds),
        rssMb: mb(metrics?.get('credence_process_resident_memory_bytes')),
        heapUsedMb: mb(heapUsed),
        heapUsedFloorMb: mb(heapFloor),
        heapTotalMb: mb(metrics?.get('credence_nodejs_heap_size_total_bytes')),
        externalMb: mb(metrics?.get('credence_nodejs_external_memory_bytes')),
        ...(serverCpuPercent === undefined ? {} : { serverCpuPercent }),
        loadGeneratorCpuPercent: Math.round(ownPercent),
        ...(lag === undefined ? {} : { eventLoopLagP99Ms: round2(lag * 1000) }),
        indexSubjects: metrics?.get('credence_index_subjects'),
        decisionLogPending: metrics?.get('credence_decision_log_pending'),
        dbMb: mb(dbBytes(setup.db)) ?? 0,
        ...(metricsError === undefined ? {} : { metricsError }),
        kinds: Object.fromEntries(
          kinds
            .filter((k) => interval[k].requests > 0)
            .map((k) => [
              k,
              {
                requests: interval[k].requests,
                errors: interval[k].errors,
                p50Ms: round2(interval[k].latency.quantileMs(0.5)),
                p99Ms: round2(interval[k].latency.quantileMs(0.99)),
              },
            ]),
        ),
      };
      samples.push(s);
      const d = s.kinds.decision;
      const requests = kinds.reduce((n, k) => n + interval[k].requests, 0);
      log(
        `${s.atSeconds.toFixed(0).padStart(4)} s  rss ${s.rssMb ?? '?'} MB  heap floor ${s.heapUsedFloorMb ?? '?'} MB  ` +
          `${requests} requests  decision p50 ${d?.p50Ms ?? '-'} p99 ${d?.p99Ms ?? '-'} ms  ` +
          `server CPU ${s.serverCpuPercent ?? '-'}%  load generator CPU ${s.loadGeneratorCpuPercent}%  errors ${soak.errorCount}` +
          (metricsError === undefined ? '' : `  metrics: ${metricsError}`),
      );
    };

    await sample();
    // One timer for both, chained, so that a sample and a poll never overlap.
    let sampling = Promise.resolve();
    let polls = 0;
    const pollsPerSample = Math.round(sampleIntervalSeconds / heapPollSeconds);
    const sampler = setInterval(() => {
      sampling = sampling.then(++polls % pollsPerSample === 0 ? sample : pollHeap);
    }, heapPollSeconds * 1000);
    const deadline = setTimeout(() => {
      soak.stopping = true;
    }, options.durationSeconds * 1000);
    await Promise.all(Array.from({ length: options.concurrency }, () => soak.worker()));
    clearTimeout(deadline);
    clearInterval(sampler);
    await sampling;
    const loadSeconds = soak.elapsedSeconds;
    if (!diedDuringRun) await sample();
    else soak.takeInterval();
    for (const signal of interruptions) process.off(signal, interrupt);

    const logScan = running.scanLog();
    log(`stopping the server (SIGTERM)`);
    const stopped = await stopSoakServer(running, stopTimeoutMs);
    const finalLogScan = running.scanLog();

    const totalAll = new KindStats();
    for (const k of kinds) totalAll.add(soak.total[k]);
    const rss = trend(samples, (s) => s.rssMb, loadSeconds / 2);
    const heap = trend(samples, (s) => s.heapUsedFloorMb, loadSeconds / 2);
    const index = trend(samples, (s) => s.indexSubjects, loadSeconds / 2);
    const enoughSamples = rss.secondHalfSamples >= samplesForSlopeMin && rss.secondHalfSlopeMbPerMinute !== undefined;
    const failed = soak.errorCount > 0 || finalLogScan.errorLines > 0 || diedDuringRun || !stopped.clean;
    const document = {
      benchmark: 'soak',
      node: process.version,
      cpus: availableParallelism(),
      cpuModel: cpus()[0]?.model ?? 'unknown',
      parameters: {
        durationSeconds: options.durationSeconds,
        people: options.people,
        concurrency: options.concurrency,
        sampleIntervalSeconds,
        heapPollSeconds,
        mixPerMille,
        batchSubjects,
        recordsPerIngestMax,
        decisionActions,
      },
      setup: {
        demoSubjects: setup.demoSubjects,
        demoRecords: setup.demoRecords,
        demoSeconds: round1(setup.demoSeconds),
        listed: setup.subjects.listed.length,
        freshResidents: setup.subjects.fresh.length,
      },
      durationSeconds: round1(loadSeconds),
      totals: {
        all: summaryOf(totalAll, loadSeconds),
        ...Object.fromEntries(kinds.map((k) => [k, summaryOf(soak.total[k], loadSeconds)])),
      },
      outcomes: { ...soak.outcomes, fallbacks: soak.fallbacks },
      errors: { count: soak.errorCount, first: soak.errors },
      serverLog: {
        lines: finalLogScan.lines,
        megabytes: mb(finalLogScan.bytes),
        errorLines: finalLogScan.errorLines,
        errorLinesDuringLoad: logScan.errorLines,
        firstErrorLines: finalLogScan.firstErrorLines,
      },
      memory: {
        verdict: !enoughSamples
          ? 'too short to judge'
          : (heap.secondHalfSlopeMbPerMinute ?? 0) <= heapFloorSlopeFlatMbPerMinuteMax &&
              (rss.secondHalfSlopeMbPerMinute ?? 0) <= rssSlopeFlatMbPerMinuteMax
            ? 'flat'
            : 'growing',
        flatSlopeMbPerMinuteMax: { heapUsedFloor: heapFloorSlopeFlatMbPerMinuteMax, rss: rssSlopeFlatMbPerMinuteMax },
        rssMb: rss,
        heapUsedFloorMb: heap,
        indexSubjects: { first: index.first, last: index.last, peak: index.peak },
      },
      samples,
      server: {
        diedDuringRun,
        stoppedCleanly: stopped.clean,
        exitCode: stopped.code,
        signal: stopped.signal,
        killedAfterTimeout: stopped.killed,
        stopMs: stopped.stopMs,
        ...(stopped.clean ? {} : { stderrTail: running.stderrTail() }),
      },
      failed,
    };
    process.stdout.write(`${JSON.stringify(document, null, options.json ? undefined : 2)}\n`);
    if (failed) {
      process.stderr.write(
        `soak: FAILED: ${soak.errorCount} errors, ${finalLogScan.errorLines} server error log lines` +
          `${diedDuringRun ? ', the server died' : ''}${stopped.clean ? '' : ', the server did not stop cleanly'}\n`,
      );
      process.exitCode = 1;
    }
  } finally {
    if (server !== undefined && server.exit() === undefined) await stopSoakServer(server, stopTimeoutMs);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
