/**
 * The `credence` command line. Each command parses its arguments strictly, opens the store, calls one use case and
 * prints the result (text, or JSON with --json). Bad input exits with status 2 and one line on stderr.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { availableParallelism } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { SingleBar } from 'cli-progress';
import {
  importBatchMax,
  listMembersPageMax,
  recordsPerBatchMax,
  simulationSampleDefault,
  simulationSampleMax,
  webhookTimeoutMs,
} from '../core/constants.ts';
import { maskSubjectKey, parseSubjectId, residentIdCheckCharacter } from '../core/identifiers.ts';
import { isoFromMs, parseInstant } from '../core/time.ts';
import { renderNotice } from '../core/notices.ts';
import { publishCatalog } from '../app/catalogs.ts';
import { createAccount } from '../app/accounts.ts';
import { AuditTree, checkpointText } from '../app/audit-tree.ts';
import { verifyAudit } from '../app/audit-verify.ts';
import { openContext, type AppContext } from '../app/context.ts';
import type { Keyring } from '../app/keyring.ts';
import { checkAction, explain } from '../app/decisions.ts';
import { createToken, revokeToken } from '../app/tokens.ts';
import { startReplica, startService, type RunningService } from '../http/start.ts';
import type { IndexLoadProgress } from '../index/decision-index.ts';
import { NatsChangeStream } from '../stream/nats.ts';
import { webhookChannel } from '../delivery/webhook-channel.ts';
import { accessLog, exportSubject, logRead } from '../app/data-rights.ts';
import { createDemo } from '../app/demo.ts';
import { linkPassport } from '../app/passports.ts';
import { notifyExpiries } from '../app/expiries.ts';
import { decideObjection, fileObjection } from '../app/objections.ts';
import { applyRepair, decideRepair } from '../app/repairs.ts';
import { rebuild } from '../app/rebuild.ts';
import { simulateDraft, simulateSubject } from '../app/simulate.ts';
import { presentSimulation, presentSubjectSimulation } from '../http/catalogs/simulation-routes.ts';
import { submitRecords } from '../app/records.ts';
import { summarize } from '../app/summary.ts';
import {
  DatabaseFormatError,
  DatabaseMissingError,
  DatabaseUnreachableError,
  KeysMismatchError,
  type Store,
} from '../store/ports.ts';
import {
  describePostgresUrl,
  isPostgresUrl,
  postgresHoldsRegister,
  resetPostgresDatabase,
} from '../store/postgres/postgres-store.ts';
import { databaseMissing } from '../store/sqlite/sqlite-store.ts';
import { CheckFailedError, UsageError } from './errors.ts';
import { readDataFile, readDemoFiles } from './files.ts';
import { formatDecision, formatExplanation, formatSummary } from './format.ts';
import { importFile } from './import-file.ts';
import { formatSimulation, formatSubjectSimulation, simulationCsv } from './simulate-format.ts';
import { demoKeyFileOf, writeKeyFile } from './keys.ts';
import { keysAt, openStoreAt, type StorePlace } from './store-at.ts';
import { replayParts } from './replay-threads.ts';

const defaultDb = 'data/credence.db';
/** Who reads through the command line, in the subject's access log: the operator at this machine. */
const cliActor = 'operator (command line)';
const demoPeopleDefault = 20_000;
const demoSeedDefault = 'credence';

const common = {
  db: { type: 'string', default: defaultDb },
  'database-url': { type: 'string' },
  keys: { type: 'string' },
  json: { type: 'boolean', default: false },
  now: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} satisfies ParseArgsConfig['options'];

const usage = `Usage: credence COMMAND [options]

Commands:
  start                          serve; on first start, create the demo city
  serve [--port 8080] [--host 127.0.0.1] [--webhook URL] [--nats URL,... [--stream-replicas N]]
                                 serve the HTTP API (/v1, /docs, /openapi.json, /healthz, /metrics); with
                                 --webhook (or CREDENCE_NOTICE_WEBHOOK), also deliver notices to that URL; with
                                 --nats (or CREDENCE_NATS_URL), publish each change to the JetStream change stream
                                 (made with N copies if missing: 3 on a three-node cluster; --stream NAME,
                                 default CREDENCE_CHANGES, for several registers on one NATS)
  replica --nats URL,... --database-url URL [--stream NAME] [--port 8081] [--host 127.0.0.1]
                                 a stateless decision replica: loads the index from PostgreSQL, follows the
                                 change stream, serves /v1/decisions (+ batch), /healthz with its lag, /metrics
  notify-expiries [--since ISO]  tell subjects what time did since the last run: listings ended at term,
                                 grades changed as entries stopped counting (the server does this every minute)
  deliveries [--status pending|delivered|dead] [--channel webhook]
                                 notice deliveries beyond the inbox (dead letters by default)
  tokens create --role ROLE --name NAME [--scope CODE,...]
                                 create a bearer token (agency, service-point, reviewer, admin, or subject:
                                 named by the subject's identifier, it reads only that subject's data); prints it alone
  accounts create --login LOGIN --role ROLE [--name NAME] [--scope ...]
                                 a password login for the web app (a subject's login is its identifier);
                                 prints a new password alone (or takes it from CREDENCE_NEW_PASSWORD)
  tokens list                    every token, without secrets
  tokens revoke ID               revoke a token
  demo [--people N] [--seed S]   (re)create the demo database and print its summary
  summary                        print the register's summary
  check SUBJECT ACTION [--at ISO]  decide whether SUBJECT may do ACTION
  explain SUBJECT [--at ISO]     scores, grades, listings, measures and the records behind them
  notices SUBJECT [--limit N]    what the subject has been told: every effect, adverse or not, newest first
  link-passport RESIDENT_ID passport:CHN:NUMBER
                                 a citizen's passport stands for their resident ID in checks and records
  export SUBJECT                 everything held about the subject, as JSON (logged in its access log)
  access-log SUBJECT             who read the subject's data and when
  object SUBJECT RECORD_ID --grounds TEXT [--filed-by ID]
                                 file an objection to a record for the subject (within the scheme's window)
  objections [--status open|upheld|overturned] [--overdue]
                                 objections by review deadline; overdue ones flagged
  repair SUBJECT RECORD_ID [--list LIST] --conditions C,... --statement TEXT
                                 apply to end a listing (name its list) or a direct grade early
  repairs [--status open|approved|refused] [--overdue]
                                 repair applications by review deadline
  decide-repair ID --outcome approved|refused --reasons TEXT --reviewer NAME
  decide-objection ID --outcome upheld|overturned --reasons TEXT --reviewer NAME [--reviewer-agency ID]
                                 decide an objection (overturned: the record is retracted, all recomputed)
  lists [LIST] [--limit N] [--unmasked] [--at ISO]
                                 lists and their current members (identifiers masked)
  import FILE [--agency ID] [--batch N]
                                 import records from NDJSON or CSV, N a transaction (default 10,000; up to
                                 200,000 for a bulk load: faster, but holds the write lock longer)
  publish FILE                   publish a catalog version (YAML or JSON)
  simulate FILE [--from ISO] [--to ISO] [--sample N] [--csv] [--subject SUBJECT]
                                 replay history with the draft FILE in force (writes nothing): changes by kind,
                                 grade histograms, districts and kinds, proportionality findings, a sample;
                                 --csv prints the counts and histograms as CSV; --subject both explanations
  rebuild [--verify] [--threads N]
                                 replay every record, in N threads (default one a core, up to 4); --verify
                                 compares with the stored state
  audit verify [--public-key FILE]
                                 recompute the audit log, its tiles, signed checkpoints and every record's digest;
                                 exits 1 naming the first problem
  audit checkpoint               sign a checkpoint of the audit log now
  keys generate --out FILE       write new keys (lookup, data encryption, signing) to a file only you can read

Every command takes --db FILE (default ${defaultDb}), or --database-url postgres://... (or CREDENCE_DATABASE_URL)
for PostgreSQL (the database is created if the server has none of that name); --keys FILE (or CREDENCE_KEY_FILE) names the key file;
--json prints data as JSON; --now ISO fixes the clock. The demo city writes and uses its own key file.
SUBJECT is a resident ID, a Unified Social Credit Code or passport:CCC:NUMBER.`;

/** `credence rebuild` replays in this many threads at most unless told (--threads): one per core, up to 4. */
const rebuildThreadsDefaultMax = 4;

type Options = Record<string, string | boolean | undefined>;

function parse(argv: string[], extra: ParseArgsConfig['options'] = {}): { values: Options; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...common, ...extra },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Options, positionals };
  } catch (error) {
    throw new UsageError('bad_arguments', (error as Error).message.split('\n')[0] ?? 'bad arguments');
  }
}

function instantOption(values: Options, name: string, fallbackMs: number): number {
  const text = values[name];
  if (typeof text !== 'string') return fallbackMs;
  const parsed = parseInstant(text, `--${name}`);
  if (!parsed.ok) throw new UsageError(parsed.problem.code, parsed.problem.message);
  return parsed.value;
}

function positiveInteger(values: Options, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const text = values[name];
  if (typeof text !== 'string') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new UsageError('bad_arguments', `--${name} must be a whole number from 1 to ${max}, not ${text}`);
  return n;
}

function expectPositionals(positionals: string[], names: readonly string[], optional = 0): void {
  if (positionals.length < names.length - optional || positionals.length > names.length) {
    throw new UsageError('bad_arguments', `expected ${names.join(' ')}; see credence --help`);
  }
}

/**
 * Which database: PostgreSQL when --database-url (or CREDENCE_DATABASE_URL) names one, else the SQLite file --db.
 * `base` is where the demo city keeps its own key and account files: beside the SQLite file, or, for PostgreSQL,
 * under data/ by the database's name. `label` names it in messages, without a password.
 */
function where(values: Options): { url?: string; base: string; label: string } {
  const url = typeof values['database-url'] === 'string' ? values['database-url'] : process.env.CREDENCE_DATABASE_URL;
  if (url === undefined || url === '') return { base: String(values.db), label: String(values.db) };
  if (!isPostgresUrl(url))
    throw new UsageError('bad_arguments', `--database-url must be a postgres:// URL, not ${describePostgresUrl(url)}`);
  const name = new URL(url).pathname.slice(1) || 'postgres';
  return { url, base: join('data', `postgres-${name}`), label: describePostgresUrl(url) };
}

/** The register's place and its key file, from the options. */
function placeOf(values: Options): StorePlace {
  const { url, base } = where(values);
  return {
    ...(url === undefined ? {} : { url }),
    base,
    ...(typeof values.keys === 'string' ? { keys: values.keys } : {}),
  };
}

function keysOf(values: Options): { keyring: Keyring; demoFile?: string } {
  return keysAt(placeOf(values));
}

/** Opens the database with its keys; a missing database is named before missing keys. */
async function openStore(values: Options, create = false): Promise<{ store: Store; keys: Keyring }> {
  const place = placeOf(values);
  if (place.url === undefined && !create && place.base !== ':memory:' && !existsSync(place.base))
    throw databaseMissing(place.base);
  return openStoreAt(place, create);
}

/** Whether the database holds a register already (`start` makes the demo city in one that does not). */
async function registerExists(values: Options): Promise<boolean> {
  const { url, base } = where(values);
  return url === undefined ? existsSync(base) : postgresHoldsRegister(url);
}

async function withContext<T>(values: Options, work: (context: AppContext) => Promise<T>, create = false): Promise<T> {
  const { store, keys } = await openStore(values, create);
  try {
    return await work(await openContext(store, { keys }));
  } finally {
    await store.close();
  }
}

function print(values: Options, data: unknown, text: () => string): void {
  process.stdout.write(`${values.json ? JSON.stringify(data, null, 2) : text()}\n`);
}

function progressBar(label: string): SingleBar {
  return new SingleBar({
    format: `${label} [{bar}] {percentage}% {value}/{total}`,
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: true,
  });
}

/** Whether keys were named (option or environment), rather than left to the demo's own key file. */
function ownKeysGiven(values: Options): boolean {
  return typeof values.keys === 'string' || Boolean(process.env.CREDENCE_KEY_FILE || process.env.CREDENCE_KEYS);
}

/** Options are all checked before the old database is removed: bad input must never cost the operator data. */
async function makeDemo(values: Options): Promise<void> {
  const { url, base: db, label } = where(values);
  const people = positiveInteger(values, 'people', demoPeopleDefault, 50_000_000);
  const seed = typeof values.seed === 'string' ? values.seed : demoSeedDefault;
  const files = readDemoFiles();
  if (!ownKeysGiven(values) && !existsSync(demoKeyFileOf(db))) {
    mkdirSync(dirname(db), { recursive: true });
    writeKeyFile(demoKeyFileOf(db), { demo: true });
    process.stderr.write(`demo: wrote the demo city's own keys to ${demoKeyFileOf(db)} (for the demo only)\n`);
  }
  keysOf(values);
  if (url === undefined) for (const suffix of ['', '-wal', '-shm']) rmSync(`${db}${suffix}`, { force: true });
  else await resetPostgresDatabase(url);
  await withContext(
    values,
    async (context) => {
      const bar = progressBar('records');
      let started = false;
      const report = await createDemo(context, {
        people,
        seed,
        ...files,
        onProgress: (done, total) => {
          if (!started) bar.start(total, 0);
          started = true;
          bar.update(done);
        },
      });
      if (started) bar.stop();
      process.stderr.write(
        `demo: ${report.subjects.toLocaleString('en')} subjects, ${report.records.toLocaleString('en')} records in ${label} (seed ${seed})\n`,
      );
      await makeDemoAccounts(context, db, instantOption(values, 'now', Date.now()));
    },
    true,
  );
}

export const demoAccountsFileOf = (db: string) => `${db}.accounts`;

/**
 * One account per role for the demo city, with fresh passwords written beside the database (readable by its owner
 * only; demo only) so that every `npm start` can show them. The subject is the first court defaulter suggested.
 */
async function makeDemoAccounts(context: AppContext, db: string, nowMs: number): Promise<void> {
  const defaulter = (await listDemoSubject(context, nowMs)) ?? (await exampleSubjects(context, nowMs))[0];
  const wanted = [
    { login: 'admin', role: 'admin', name: 'admin' },
    { login: 'reviewer', role: 'reviewer', name: 'reviewer-1' },
    { login: 'court-clerk', role: 'agency', name: 'city-court' },
    {
      login: 'airport-desk',
      role: 'service-point',
      name: 'airport-desk',
      scope: ['travel.flight', 'travel.rail.g_series'],
    },
    ...(defaulter === undefined ? [] : [{ login: defaulter.subject, role: 'subject' }]),
  ];
  const made: { login: string; role: string; password: string }[] = [];
  for (const request of wanted) {
    const password = newPassword();
    const created = await createAccount(context, { ...request, password }, { nowMs, actor: 'demo' });
    if (!created.ok) throw new Error(`demo account ${request.login}: ${created.problem.message}`);
    made.push({ login: request.login, role: request.role, password });
  }
  rmSync(demoAccountsFileOf(db), { force: true });
  // Beside the database, or for PostgreSQL under data/, which a fresh checkout does not have yet.
  mkdirSync(dirname(demoAccountsFileOf(db)), { recursive: true });
  writeFileSync(demoAccountsFileOf(db), `${JSON.stringify(made, null, 2)}\n`, { mode: 0o600 });
}

/** The demo accounts, as `npm start` shows them (nothing for a database that is not a demo). */
function demoAccountsText(db: string): string {
  if (!existsSync(demoAccountsFileOf(db))) return '';
  const accounts = JSON.parse(readFileSync(demoAccountsFileOf(db), 'utf8')) as {
    login: string;
    role: string;
    password: string;
  }[];
  return [
    `Demo accounts (log in at /login, or POST /v1/session {"login", "password"}; demo only, kept in ${demoAccountsFileOf(db)}):`,
    ...accounts.map((a) => `  ${a.role.padEnd(13)} ${a.login.padEnd(20)} ${a.password}`),
    '',
  ].join('\n');
}

async function printSummary(values: Options, nowMs: number): Promise<void> {
  await withContext(values, async (context) => {
    const summary = await summarize(context, nowMs);
    const examples = await exampleSubjects(context, nowMs);
    print(values, { ...summary, examples }, () => {
      const tries = examples.map((e) => `  credence check ${e.subject} ${e.action}    # ${e.why}`);
      return `${formatSummary(summary, context.catalogs)}\n\nTry (npm run -s credence -- ...):\n${tries.join('\n')}\n  credence lists court-defaulters`;
    });
  });
}

const isResident = (key: string) => {
  const id = parseSubjectId(key);
  return id.ok && id.value.scheme === 'resident_id';
};

/**
 * The demo subject's account is a resident the court lists at the command's instant (an hour before it), by one
 * record: the demo's own year ends on a fixed date, and someone trying the portal must still be able to object
 * (the window runs 15 days from the notice), and an overturn must end the listing. The same instant gives the
 * same record.
 */
async function listDemoSubject(context: AppContext, nowMs: number): Promise<{ subject: string } | undefined> {
  if (!context.catalogs.list('court-defaulters')) return undefined;
  const first17 = '11010519850505123';
  const subject = `${first17}${residentIdCheckCharacter(first17)}`;
  const result = await submitRecords(
    context,
    [
      {
        agency: 'city-court',
        agencyRef: 'city-court-demo-portal',
        subject,
        code: 'court.defaulter.refuses',
        effectiveAt: isoFromMs(nowMs - 3_600_000),
        evidence: 'city-court/doc/demo-portal',
      },
    ],
    { nowMs },
  );
  return result.results[0]?.status === 'rejected' ? undefined : { subject };
}

/** A few subjects worth a look: the first current members of some lists, by kind. */
async function exampleSubjects(
  context: AppContext,
  atMs: number,
): Promise<{ subject: string; action: string; why: string }[]> {
  const wanted: readonly [string, string, string, (key: string) => boolean][] = [
    ['court-defaulters', 'travel.flight', 'a court defaulter', isResident],
    ['flight-conduct-ban', 'travel.flight', 'banned from flights for disruption', () => true],
    ['court-defaulters', 'visa.issue', 'a foreigner on the defaulter list', (k) => k.startsWith('passport:')],
    ['civic-honours', 'service.green_channel', 'on the red list', () => true],
  ];
  const out: { subject: string; action: string; why: string }[] = [];
  for (const [list, action, why, accept] of wanted) {
    if (!context.catalogs.list(list)) continue;
    // Members come in the store's order (lookup tokens, which differ with every key, or registration): pick the
    // least identifier, so a seed always suggests the same examples.
    let found: string | undefined;
    for (let after: string | undefined, pages = 0; pages < 50; pages++) {
      const members = await context.store.listMembers(list, atMs, listMembersPageMax, after);
      for (const m of members) if (accept(m.subject) && (found === undefined || m.subject < found)) found = m.subject;
      if (members.length < listMembersPageMax) break;
      after = members.at(-1)?.subject;
    }
    if (found !== undefined) out.push({ subject: found, action, why });
  }
  return out;
}

/** --nats URL[,URL...] (or CREDENCE_NATS_URL): the change stream's servers, checked before anything opens. */
function natsServersOf(values: Options): string[] | undefined {
  const text = typeof values.nats === 'string' ? values.nats : process.env.CREDENCE_NATS_URL;
  if (text === undefined || text === '') return undefined;
  const servers = text.split(',').map((s) => s.trim());
  for (const server of servers)
    if (!/^(nats|tls):\/\/[^/]+$/.test(server) || !URL.canParse(server))
      throw new UsageError('bad_arguments', `--nats takes nats://HOST:PORT[,nats://HOST:PORT...], not ${server}`);
  return servers;
}

async function openChangeStream(values: Options, servers: string[]): Promise<NatsChangeStream> {
  const replicas = positiveInteger(values, 'stream-replicas', 1, 5);
  const stream = typeof values.stream === 'string' ? values.stream : undefined;
  if (stream !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(stream))
    throw new UsageError('bad_arguments', `--stream takes letters, digits, - and _ (at most 64), not ${stream}`);
  try {
    return await NatsChangeStream.open({ servers, replicas, ...(stream === undefined ? {} : { stream }) });
  } catch (error) {
    throw new UsageError(
      'stream_unreachable',
      `cannot open the change stream on ${servers.join(',')}: ${(error as Error).message}`,
    );
  }
}

/** Runs until SIGINT or SIGTERM, then stops in order; a second signal while stopping is answered, not obeyed. */
function untilSignalled(stopAll: () => Promise<void>): Promise<void> {
  return new Promise<void>((resolve) => {
    let stopping = false;
    // A second Ctrl-C while stopping must not lose the decisions still queued for the audit log (SIGKILL remains
    // for a stop that hangs).
    const stop = () => {
      if (stopping) {
        writeSync(2, 'Already stopping: finishing requests and writing queued decisions (SIGKILL forces).\n');
        return;
      }
      stopping = true;
      void stopAll().then(() => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

async function listen(running: RunningService, host: string, port: number): Promise<string> {
  try {
    await running.app.listen({ host, port });
  } catch (error) {
    await running.stop();
    throw new UsageError('listen_failed', `cannot listen on ${host}:${port}: ${(error as Error).message}`);
  }
  // The port actually bound (--port 0 picks a free one).
  const address = running.app.server.address();
  return `http://${host}:${typeof address === 'object' && address !== null ? address.port : port}`;
}

/** A stateless decision replica: PostgreSQL for the snapshot and tokens, the change stream to stay current. */
async function replica(values: Options, host: string, port: number): Promise<void> {
  const servers = natsServersOf(values);
  if (servers === undefined)
    throw new UsageError('bad_arguments', 'a replica follows the change stream: give --nats nats://HOST:PORT[,...]');
  if (where(values).url === undefined)
    throw new UsageError(
      'bad_arguments',
      'a replica reads the register from PostgreSQL: give --database-url postgres://...',
    );
  const { store, keys } = await openStore(values);
  let stream: NatsChangeStream;
  try {
    stream = await openChangeStream(values, servers);
  } catch (error) {
    await store.close();
    throw error;
  }
  const running = await startReplica(store, { keys, feed: stream });
  const url = await listen(running, host, port);
  process.stderr.write(
    `Credence decision replica of ${where(values).label} at ${url}, following ${servers.join(',')}\n` +
      `  Decisions: ${url}/v1/decisions   health and lag: ${url}/healthz   metrics: ${url}/metrics\n`,
  );
  await untilSignalled(async () => {
    await running.stop();
    await stream.close();
  });
}

const indexProgressIntervalMs = 10_000;
/** Above this share of the heap's limit once the index is loaded, serve says how to start with a larger heap. */
const heapShareWarned = 0.6;

/**
 * What `serve` says while the decision index loads (every 10 s: at a city's size it reads for minutes) and once it
 * has: subjects held, time, and the heap it takes against Node's limit, with how to raise the limit when it is near.
 */
function indexLoadReport(label: string) {
  const startedMs = performance.now();
  let toldMs = startedMs;
  const seconds = () => ((performance.now() - startedMs) / 1000).toFixed(0);
  process.stderr.write(`Loading the decision index from ${label}...
`);
  return {
    progress: ({ read, held }: IndexLoadProgress) => {
      if (performance.now() - toldMs < indexProgressIntervalMs) return;
      toldMs = performance.now();
      process.stderr.write(
        `  ${read.toLocaleString('en')} derivations in force read, ${held.toLocaleString('en')} subjects held (${seconds()} s)\n`,
      );
    },
    done: (held: number) => {
      const { used_heap_size: used, heap_size_limit: limit } = getHeapStatistics();
      const gb = (bytes: number) => (bytes / 1e9).toFixed(2);
      process.stderr.write(
        `Decision index: ${held.toLocaleString('en')} subjects held, loaded in ${seconds()} s; heap ${gb(used)} GB of ${gb(limit)} GB\n`,
      );
      if (used > heapShareWarned * limit)
        process.stderr.write(
          `warning: the heap is near its limit; start with NODE_OPTIONS=--max-old-space-size=${Math.ceil((3 * used) / 2 ** 20)} (MB) for room to serve\n`,
        );
    },
  };
}

async function serve(values: Options, host: string, port: number, showDemoAccounts = false): Promise<void> {
  const servers = natsServersOf(values);
  const webhook = typeof values.webhook === 'string' ? values.webhook : process.env.CREDENCE_NOTICE_WEBHOOK;
  if (webhook !== undefined && !URL.canParse(webhook))
    throw new UsageError('bad_arguments', `--webhook must be a URL, not ${webhook}`);
  const { demoFile } = keysOf(values);
  if (demoFile !== undefined)
    process.stderr.write(
      `warning: using the demo city's own key file ${demoFile} (demo only: real data needs --keys FILE or CREDENCE_KEY_FILE)\n`,
    );
  const { store, keys } = await openStore(values);
  let stream: NatsChangeStream | undefined;
  try {
    if (servers !== undefined) stream = await openChangeStream(values, servers);
  } catch (error) {
    await store.close();
    throw error;
  }
  const loading = indexLoadReport(where(values).label);
  const running = await startService(store, {
    keys,
    onIndexProgress: loading.progress,
    ...(webhook === undefined
      ? {}
      : { noticeChannels: [webhookChannel({ url: webhook, timeoutMs: webhookTimeoutMs })] }),
    ...(stream === undefined ? {} : { changeSink: stream }),
  });
  loading.done(running.service.index.size);
  const url = await listen(running, host, port);
  process.stderr.write(
    [
      `Credence serves ${where(values).label} at ${url}`,
      `  Web app: ${url}/ (public register; log in for the portal and the consoles)`,
      `  API docs: ${url}/docs   OpenAPI: ${url}/openapi.json   health: ${url}/healthz   metrics: ${url}/metrics`,
      `  Get a token (in another terminal):`,
      `    npm run -s credence -- tokens create --role service-point --name desk-1 --scope travel.flight,travel.rail.g_series`,
      `  Then: curl -H "Authorization: Bearer $TOKEN" "${url}/v1/decisions?subject=SUBJECT&action=travel.flight"`,
      servers === undefined
        ? '  Replicas: none (serve --nats URL publishes each change for credence replica)'
        : `  Change stream: ${servers.join(',')} (credence replica --nats ... --database-url ... serves decisions)`,
      webhook === undefined
        ? '  Notices: in the portal inbox (credence notices SUBJECT); --webhook URL also delivers them there.'
        : `  Notices: in the portal inbox, and delivered to ${webhook} (retried with backoff; credence deliveries --status dead).`,
      `  Stop with Ctrl-C: in-flight requests finish and queued decisions are written first.`,
      '',
    ].join('\n') + (showDemoAccounts ? demoAccountsText(where(values).base) : ''),
  );
  await untilSignalled(async () => {
    await running.stop();
    await stream?.close();
  });
}

async function auditCommand(argv: string[], clockMs: number): Promise<void> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parse(rest, { 'public-key': { type: 'string' } });
  expectPositionals(positionals, []);
  if (sub === 'checkpoint') {
    await withContext(values, async (context) => {
      if (context.keys === undefined) throw new UsageError('keys_missing', 'no signing key');
      const checkpoint = await new AuditTree(context.store).checkpoint(
        context.keys,
        instantOption(values, 'now', clockMs),
      );
      print(values, checkpoint, () => checkpointText(checkpoint) + `signature ${checkpoint.signature}`);
    });
    return;
  }
  if (sub !== 'verify') throw new UsageError('bad_arguments', 'expected: credence audit verify|checkpoint');
  const publicKeyFile = values['public-key'];
  const { store, keys } = await openStore(values);
  // The published public key may be given to check against; an operator's keys hold it too.
  const publicKeyPem = typeof publicKeyFile === 'string' ? readPublicKey(publicKeyFile) : keys.publicKeyPem;
  try {
    const bar = new SingleBar({ format: 'audit verify {value} events', stream: process.stderr, clearOnComplete: true });
    bar.start(0, 0);
    const report = await verifyAudit(store, { publicKeyPem, onProgress: (events) => bar.update(events) });
    bar.stop();
    print(values, report, () =>
      [
        `events: ${report.events}  tiles: ${report.tiles}  checkpoints: ${report.checkpoints}  records: ${report.records}`,
        report.ok ? 'audit log verified: every event, tile, checkpoint and record matches' : 'PROBLEMS:',
        ...report.problems.map((p) => `  ${p.kind} ${p.id}: ${p.message}`),
      ].join('\n'),
    );
    const first = report.problems[0];
    if (first !== undefined) throw new CheckFailedError(`audit verify: first problem: ${first.message}`);
  } finally {
    await store.close();
  }
}

function readPublicKey(path: string): string {
  if (!existsSync(path)) throw new UsageError('bad_arguments', `--public-key: ${path} does not exist`);
  return readFileSync(path, 'utf8');
}

/** A new password: 128 random bits, as eight groups of four hexadecimal digits. */
function newPassword(): string {
  return (randomBytes(16).toString('hex').match(/.{4}/g) ?? []).join('-');
}

async function accountsCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parse(rest, {
    login: { type: 'string' },
    role: { type: 'string' },
    name: { type: 'string' },
    scope: { type: 'string' },
  });
  expectPositionals(positionals, []);
  if (sub !== 'create' || typeof values.login !== 'string' || typeof values.role !== 'string')
    throw new UsageError(
      'bad_arguments',
      'expected: credence accounts create --login LOGIN --role ROLE [--name NAME] [--scope ...]',
    );
  const nowMs = instantOption(values, 'now', Date.now());
  const password = process.env.CREDENCE_NEW_PASSWORD ?? newPassword();
  await withContext(values, async (context) => {
    const created = await createAccount(
      context,
      {
        login: values.login as string,
        password,
        role: values.role as string,
        ...(typeof values.name === 'string' ? { name: values.name } : {}),
        scope: typeof values.scope === 'string' ? values.scope.split(',') : [],
      },
      { nowMs, actor: 'cli' },
    );
    if (!created.ok) throw new UsageError(created.problem.code, created.problem.message);
    // The password alone on stdout, once (unless it was given in CREDENCE_NEW_PASSWORD).
    if (process.env.CREDENCE_NEW_PASSWORD === undefined) process.stdout.write(`${password}\n`);
  });
}

async function tokensCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parse(rest, {
    role: { type: 'string' },
    name: { type: 'string' },
    scope: { type: 'string' },
  });
  const nowMs = instantOption(values, 'now', Date.now());
  await withContext(values, async (context) => {
    if (sub === 'create') {
      expectPositionals(positionals, []);
      if (typeof values.role !== 'string' || typeof values.name !== 'string') {
        throw new UsageError('bad_arguments', 'tokens create needs --role ROLE and --name NAME');
      }
      const scope = typeof values.scope === 'string' ? values.scope.split(',') : [];
      const created = await createToken(
        context,
        { role: values.role, name: values.name, scope },
        { nowMs, actor: 'cli' },
      );
      if (!created.ok) throw new UsageError(created.problem.code, created.problem.message);
      // The token alone on stdout, so that TOKEN=$(credence tokens create ...) works.
      process.stdout.write(`${created.value.token}\n`);
    } else if (sub === 'list') {
      expectPositionals(positionals, []);
      const tokens = (await context.store.tokens()).map((t) => ({
        id: t.id,
        role: t.role,
        name: t.name,
        scope: t.scope,
        createdAt: isoFromMs(t.createdAtMs),
        ...(t.revokedAtMs === undefined ? {} : { revokedAt: isoFromMs(t.revokedAtMs) }),
      }));
      print(values, tokens, () =>
        tokens
          .map(
            (t) =>
              `${t.id}  ${t.role.padEnd(13)} ${t.name.padEnd(20)} ${t.revokedAt ? `revoked ${t.revokedAt}` : 'active'}  ${t.scope.join(',')}`,
          )
          .join('\n'),
      );
    } else if (sub === 'revoke') {
      expectPositionals(positionals, ['ID']);
      const revoked = await revokeToken(context, String(positionals[0]), { nowMs, actor: 'cli' });
      if (!revoked.ok) throw new UsageError(revoked.problem.code, revoked.problem.message);
      print(values, revoked.value, () => `revoked ${revoked.value.id}`);
    } else {
      throw new UsageError('bad_arguments', 'expected tokens create|list|revoke; see credence --help');
    }
  });
}

/**
 * A reviewer's queue (objections, repair applications): by review deadline, overdue ones flagged; --status picks
 * one status, --overdue the open ones past their deadline.
 */
async function reviewQueue<S extends string, T extends { id: number; status: string; reviewDueAtMs: number }>(
  argv: string[],
  clockMs: number,
  queue: {
    readonly statuses: readonly S[];
    readonly empty: string;
    list(context: AppContext, query: { status?: S; dueBeforeMs?: number; limit: number }): Promise<T[]>;
    line(item: T): string;
  },
): Promise<void> {
  const { values, positionals } = parse(argv, {
    status: { type: 'string' },
    overdue: { type: 'boolean', default: false },
    limit: { type: 'string' },
  });
  expectPositionals(positionals, []);
  const status = queue.statuses.find((s) => s === values.status);
  if (values.status !== undefined && status === undefined) {
    throw new UsageError('bad_arguments', `--status must be ${queue.statuses.join(', ')}`);
  }
  const nowMs = instantOption(values, 'now', clockMs);
  const limit = positiveInteger(values, 'limit', 100, listMembersPageMax);
  const open = queue.statuses[0];
  await withContext(values, async (context) => {
    const items = await queue.list(context, {
      ...(values.overdue && open !== undefined
        ? { status: open, dueBeforeMs: nowMs }
        : status !== undefined
          ? { status }
          : {}),
      limit,
    });
    print(values, items, () =>
      items.length === 0
        ? queue.empty
        : items
            .map((item) => {
              const overdue = item.status === 'open' && nowMs >= item.reviewDueAtMs ? ' OVERDUE' : '';
              return `#${item.id} ${item.status}${overdue}  due ${isoFromMs(item.reviewDueAtMs)}  ${queue.line(item)}`;
            })
            .join('\n'),
    );
  });
}

async function run(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const clockMs = Date.now();
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${usage}\n`);
      return;
    case 'start':
    case 'serve': {
      const { values, positionals } = parse(rest, {
        people: { type: 'string' },
        seed: { type: 'string' },
        port: { type: 'string', default: '8080' },
        host: { type: 'string', default: '127.0.0.1' },
        webhook: { type: 'string' },
        nats: { type: 'string' },
        stream: { type: 'string' },
        'stream-replicas': { type: 'string' },
      });
      expectPositionals(positionals, []);
      const port = values.port === '0' ? 0 : positiveInteger(values, 'port', 8080, 65_535);
      const { base: db, label } = where(values);
      if (command === 'start' && !(await registerExists(values))) {
        process.stderr.write(`No register in ${label}: creating the demo city (once).\n`);
        await makeDemo(values);
        await printSummary(values, Date.now());
      } else if (command === 'start' && !ownKeysGiven(values) && !existsSync(demoKeyFileOf(db))) {
        throw new UsageError(
          'keys_missing',
          `${db} has no keys: if it is a demo city from an earlier version, remove ${db}* and run npm start again for a new one; for real data pass --keys FILE`,
        );
      }
      await serve(values, String(values.host), port, command === 'start');
      return;
    }
    case 'replica': {
      const { values, positionals } = parse(rest, {
        port: { type: 'string', default: '8081' },
        host: { type: 'string', default: '127.0.0.1' },
        nats: { type: 'string' },
        stream: { type: 'string' },
        'stream-replicas': { type: 'string' },
      });
      expectPositionals(positionals, []);
      const port = values.port === '0' ? 0 : positiveInteger(values, 'port', 8081, 65_535);
      await replica(values, String(values.host), port);
      return;
    }
    case 'tokens': {
      await tokensCommand(rest);
      return;
    }
    case 'demo': {
      const { values, positionals } = parse(rest, { people: { type: 'string' }, seed: { type: 'string' } });
      expectPositionals(positionals, []);
      const nowMs = instantOption(values, 'now', clockMs);
      await makeDemo(values);
      await printSummary(values, nowMs);
      return;
    }
    case 'summary': {
      const { values, positionals } = parse(rest);
      expectPositionals(positionals, []);
      await printSummary(values, instantOption(values, 'now', clockMs));
      return;
    }
    case 'check': {
      const { values, positionals } = parse(rest, { at: { type: 'string' } });
      expectPositionals(positionals, ['SUBJECT', 'ACTION']);
      const nowMs = instantOption(values, 'now', clockMs);
      const atMs = instantOption(values, 'at', nowMs);
      await withContext(values, async (context) => {
        const decided = await checkAction(
          context,
          { subject: String(positionals[0]), action: String(positionals[1]), atMs },
          { nowMs, actor: 'cli' },
        );
        if (!decided.ok) throw new UsageError(decided.problem.code, decided.problem.message);
        print(values, decided.value, () => formatDecision(decided.value));
      });
      return;
    }
    case 'explain': {
      const { values, positionals } = parse(rest, { at: { type: 'string' } });
      expectPositionals(positionals, ['SUBJECT']);
      const atMs = instantOption(values, 'at', instantOption(values, 'now', clockMs));
      await withContext(values, async (context) => {
        const explained = await explain(context, String(positionals[0]), atMs);
        if (!explained.ok) throw new UsageError(explained.problem.code, explained.problem.message);
        await logRead(context, explained.value.subject.key, {
          nowMs: instantOption(values, 'now', clockMs),
          actor: cliActor,
          what: 'credence explain',
        });
        print(values, explained.value, () => formatExplanation(explained.value, context.catalogs));
      });
      return;
    }
    case 'notices': {
      const { values, positionals } = parse(rest, { limit: { type: 'string' } });
      expectPositionals(positionals, ['SUBJECT']);
      const limit = positiveInteger(values, 'limit', 20, listMembersPageMax);
      const subject = parseSubjectId(String(positionals[0]));
      if (!subject.ok) throw new UsageError(subject.problem.code, subject.problem.message);
      await withContext(values, async (context) => {
        const stored = await context.store.noticesOf(subject.value.key, limit);
        const notices = stored.map((n) => renderNotice(context.catalogs, n));
        await logRead(context, subject.value.key, {
          nowMs: instantOption(values, 'now', clockMs),
          actor: cliActor,
          what: 'credence notices',
        });
        print(values, notices, () =>
          notices.length === 0
            ? `no notices for ${subject.value.key}`
            : notices
                .map(
                  (n) =>
                    `#${n.id} ${isoFromMs(n.createdAtMs)} ${n.kind}${n.adverse ? ' (adverse)' : ''}\n  ${n.text.en}\n  ${n.text['zh-CN']}`,
                )
                .join('\n'),
        );
      });
      return;
    }
    case 'link-passport': {
      const { values, positionals } = parse(rest);
      expectPositionals(positionals, ['RESIDENT_ID', 'PASSPORT']);
      const nowMs = instantOption(values, 'now', clockMs);
      await withContext(values, async (context) => {
        const linked = await linkPassport(
          context,
          { subject: String(positionals[0]), passport: String(positionals[1]) },
          { nowMs, actor: 'cli' },
        );
        if (!linked.ok) throw new UsageError(linked.problem.code, linked.problem.message);
        print(values, linked.value, () => `${linked.value.passport} now stands for ${linked.value.subject}`);
      });
      return;
    }
    case 'export': {
      const { values, positionals } = parse(rest);
      expectPositionals(positionals, ['SUBJECT']);
      const nowMs = instantOption(values, 'now', clockMs);
      await withContext(values, async (context) => {
        const exported = await exportSubject(context, String(positionals[0]), { nowMs, actor: 'cli' });
        if (!exported.ok) throw new UsageError(exported.problem.code, exported.problem.message);
        process.stdout.write(`${JSON.stringify(exported.value, null, 2)}\n`);
      });
      return;
    }
    case 'access-log': {
      const { values, positionals } = parse(rest);
      expectPositionals(positionals, ['SUBJECT']);
      const subject = parseSubjectId(String(positionals[0]));
      if (!subject.ok) throw new UsageError(subject.problem.code, subject.problem.message);
      await withContext(values, async (context) => {
        const entries = await accessLog(context, subject.value.key);
        print(values, entries, () =>
          entries.length === 0
            ? `nobody has read ${subject.value.key}'s data`
            : entries.map((a) => `${isoFromMs(a.atMs)}  ${a.actor.padEnd(20)} ${a.what}`).join('\n'),
        );
      });
      return;
    }
    case 'object': {
      const { values, positionals } = parse(rest, { grounds: { type: 'string' }, 'filed-by': { type: 'string' } });
      expectPositionals(positionals, ['SUBJECT', 'RECORD_ID']);
      const recordId = Number(positionals[1]);
      if (!Number.isInteger(recordId) || recordId < 1)
        throw new UsageError('bad_arguments', `RECORD_ID must be a record number, not ${String(positionals[1])}`);
      if (typeof values.grounds !== 'string') throw new UsageError('bad_arguments', 'object needs --grounds TEXT');
      const nowMs = instantOption(values, 'now', clockMs);
      await withContext(values, async (context) => {
        const filed = await fileObjection(
          context,
          {
            subject: String(positionals[0]),
            recordId,
            grounds: values.grounds as string,
            ...(typeof values['filed-by'] === 'string' ? { filedBy: values['filed-by'] } : {}),
          },
          { nowMs, actor: 'cli' },
        );
        if (!filed.ok) throw new UsageError(filed.problem.code, filed.problem.message);
        print(
          values,
          filed.value,
          () =>
            `objection ${filed.value.id} filed against record ${recordId}; decision due by ${isoFromMs(filed.value.reviewDueAtMs)}`,
        );
      });
      return;
    }
    case 'objections': {
      await reviewQueue(rest, clockMs, {
        statuses: ['open', 'upheld', 'overturned'],
        empty: 'no objections',
        list: (context, query) => context.store.objections(query),
        line: (o) => `record ${o.recordId} of ${o.subject}  ${o.grounds}`,
      });
      return;
    }
    case 'decide-objection': {
      const { values, positionals } = parse(rest, {
        outcome: { type: 'string' },
        reasons: { type: 'string' },
        reviewer: { type: 'string' },
        'reviewer-agency': { type: 'string' },
      });
      expectPositionals(positionals, ['ID']);
      const id = Number(positionals[0]);
      if (!Number.isInteger(id) || id < 1)
        throw new UsageError('bad_arguments', `ID must be an objection number, not ${String(positionals[0])}`);
      const outcome = values.outcome;
      if (outcome !== 'upheld' && outcome !== 'overturned')
        throw new UsageError('bad_arguments', '--outcome must be upheld or overturned');
      if (typeof values.reasons !== 'string' || typeof values.reviewer !== 'string') {
        throw new UsageError('bad_arguments', 'decide-objection needs --reasons TEXT and --reviewer NAME');
      }
      const nowMs = instantOption(values, 'now', clockMs);
      await withContext(values, async (context) => {
        const decided = await decideObjection(
          context,
          {
            objectionId: id,
            outcome,
            reasons: values.reasons as string,
            reviewer: values.reviewer as string,
            ...(typeof values['reviewer-agency'] === 'string' ? { reviewerAgency: values['reviewer-agency'] } : {}),
          },
          { nowMs },
        );
        if (!decided.ok) throw new UsageError(decided.problem.code, decided.problem.message);
        print(
          values,
          decided.value,
          () =>
            `objection ${id} ${decided.value.status}${decided.value.retractionRecordId ? `; record retracted by record ${decided.value.retractionRecordId}` : ''}`,
        );
      });
      return;
    }
    case 'repair': {
      const { values, positionals } = parse(rest, {
        list: { type: 'string' },
        conditions: { type: 'string' },
        statement: { type: 'string' },
      });
      expectPositionals(positionals, ['SUBJECT', 'RECORD_ID']);
      const recordId = Number(positionals[1]);
      if (!Number.isInteger(recordId) || recordId < 1)
        throw new UsageError('bad_arguments', `RECORD_ID must be a record number, not ${String(positionals[1])}`);
      if (typeof values.conditions !== 'string' || typeof values.statement !== 'string') {
        throw new UsageError('bad_arguments', 'repair needs --conditions C,... and --statement TEXT');
      }
      const nowMs = instantOption(values, 'now', clockMs);
      await withContext(values, async (context) => {
        const applied = await applyRepair(
          context,
          {
            subject: String(positionals[0]),
            recordId,
            conditions: (values.conditions as string).split(','),
            statement: values.statement as string,
            ...(typeof values.list === 'string' ? { list: values.list } : {}),
          },
          { nowMs, actor: 'cli' },
        );
        if (!applied.ok) throw new UsageError(applied.problem.code, applied.problem.message);
        print(
          values,
          applied.value,
          () =>
            `repair application ${applied.value.id} filed; decision due by ${isoFromMs(applied.value.reviewDueAtMs)}`,
        );
      });
      return;
    }
    case 'repairs': {
      await reviewQueue(rest, clockMs, {
        statuses: ['open', 'approved', 'refused'],
        empty: 'no repair applications',
        list: (context, query) => context.store.repairs(query),
        line: (r) => `record ${r.recordId}${r.list ? ` on ${r.list}` : ''} of ${r.subject}`,
      });
      return;
    }
    case 'decide-repair': {
      const { values, positionals } = parse(rest, {
        outcome: { type: 'string' },
        reasons: { type: 'string' },
        reviewer: { type: 'string' },
      });
      expectPositionals(positionals, ['ID']);
      const id = Number(positionals[0]);
      if (!Number.isInteger(id) || id < 1)
        throw new UsageError('bad_arguments', `ID must be a repair application number, not ${String(positionals[0])}`);
      const outcome = values.outcome;
      if (outcome !== 'approved' && outcome !== 'refused')
        throw new UsageError('bad_arguments', '--outcome must be approved or refused');
      if (typeof values.reasons !== 'string' || typeof values.reviewer !== 'string') {
        throw new UsageError('bad_arguments', 'decide-repair needs --reasons TEXT and --reviewer NAME');
      }
      const nowMs = instantOption(values, 'now', clockMs);
      await withContext(values, async (context) => {
        const decided = await decideRepair(
          context,
          { repairId: id, outcome, reasons: values.reasons as string, reviewer: values.reviewer as string },
          { nowMs },
        );
        if (!decided.ok) throw new UsageError(decided.problem.code, decided.problem.message);
        print(values, decided.value, () => `repair application ${id} ${decided.value.status}`);
      });
      return;
    }
    case 'notify-expiries': {
      const { values, positionals } = parse(rest, { since: { type: 'string' } });
      expectPositionals(positionals, []);
      const nowMs = instantOption(values, 'now', clockMs);
      const sinceMs = typeof values.since === 'string' ? instantOption(values, 'since', nowMs) : undefined;
      await withContext(values, async (context) => {
        const report = await notifyExpiries(context, { nowMs, ...(sinceMs === undefined ? {} : { sinceMs }) });
        print(
          values,
          report,
          () => `${report.notices} notices for ${isoFromMs(report.fromMs)} .. ${isoFromMs(report.toMs)}`,
        );
      });
      return;
    }
    case 'deliveries': {
      const { values, positionals } = parse(rest, {
        status: { type: 'string', default: 'dead' },
        channel: { type: 'string', default: 'webhook' },
        limit: { type: 'string' },
      });
      expectPositionals(positionals, []);
      const status = String(values.status);
      if (status !== 'pending' && status !== 'delivered' && status !== 'dead') {
        throw new UsageError('bad_arguments', '--status must be pending, delivered or dead');
      }
      const limit = positiveInteger(values, 'limit', 100, listMembersPageMax);
      await withContext(values, async (context) => {
        const deliveries = await context.store.deliveries(String(values.channel), status, limit);
        print(values, deliveries, () =>
          deliveries.length === 0
            ? `no ${status} deliveries on ${String(values.channel)}`
            : deliveries
                .map(
                  (d) =>
                    `notice ${d.noticeId}  ${d.status}  attempts ${d.attempts}${d.lastError ? `  last error: ${d.lastError}` : ''}`,
                )
                .join('\n'),
        );
      });
      return;
    }
    case 'lists': {
      const { values, positionals } = parse(rest, {
        at: { type: 'string' },
        limit: { type: 'string' },
        unmasked: { type: 'boolean', default: false },
      });
      expectPositionals(positionals, ['LIST'], 1);
      const atMs = instantOption(values, 'at', instantOption(values, 'now', clockMs));
      const limit = positiveInteger(values, 'limit', 20, listMembersPageMax);
      await withContext(values, async (context) => {
        const listId = positionals[0];
        if (listId === undefined) {
          const counts = await context.store.countListMembers(atMs);
          const lists = context.catalogs.listIds.map((id) => {
            const found = context.catalogs.list(id);
            return {
              id,
              scheme: found?.schemeId,
              color: found?.list.color,
              title: found?.list.title,
              members: counts.get(id) ?? 0,
            };
          });
          print(values, lists, () =>
            lists
              .map(
                (l) =>
                  `${l.id.padEnd(28)} ${String(l.color).padEnd(6)} ${String(l.members).padStart(8)}  ${l.title?.en ?? ''} / ${l.title?.['zh-CN'] ?? ''}`,
              )
              .join('\n'),
          );
          return;
        }
        const found = context.catalogs.list(listId);
        if (!found)
          throw new UsageError('unknown_list', `unknown list ${listId}; lists: ${context.catalogs.listIds.join(', ')}`);
        const members = await context.store.listMembers(listId, atMs, limit);
        const shown = members.map((m) => {
          const id = parseSubjectId(m.subject);
          return { ...m, subject: values.unmasked || !id.ok ? m.subject : maskSubjectKey(id.value) };
        });
        print(values, shown, () =>
          [
            `${found.list.title.en} / ${found.list.title['zh-CN']} at ${isoFromMs(atMs)}: ${shown.length} shown (--limit ${limit})`,
            ...shown.map(
              (m) =>
                `  ${m.subject.padEnd(28)} since ${isoFromMs(m.startMs).slice(0, 10)} until ${isoFromMs(m.endMs).slice(0, 10)}  ${m.code} (record ${m.recordId})`,
            ),
          ].join('\n'),
        );
      });
      return;
    }
    case 'import': {
      const { values, positionals } = parse(rest, { agency: { type: 'string' }, batch: { type: 'string' } });
      expectPositionals(positionals, ['FILE']);
      const nowMs = instantOption(values, 'now', clockMs);
      const batch = positiveInteger(values, 'batch', recordsPerBatchMax, importBatchMax);
      await withContext(values, async (context) => {
        const bar = new SingleBar({ format: 'import {value} lines', stream: process.stderr, clearOnComplete: true });
        bar.start(0, 0);
        const report = await importFile(context, String(positionals[0]), {
          nowMs,
          ...(typeof values.agency === 'string' ? { agency: values.agency } : {}),
          batch,
          onProgress: (lines) => bar.update(lines),
        });
        bar.stop();
        print(values, report, () =>
          [
            `lines: ${report.lines}`,
            `accepted: ${report.accepted}`,
            `duplicate: ${report.duplicates}`,
            `rejected: ${report.rejected}`,
            ...(report.rejectedFile ? [`rejected lines and reasons: ${report.rejectedFile}`] : []),
          ].join('\n'),
        );
      });
      return;
    }
    case 'publish': {
      const { values, positionals } = parse(rest);
      expectPositionals(positionals, ['FILE']);
      const nowMs = instantOption(values, 'now', clockMs);
      const input = readDataFile(String(positionals[0]));
      await withContext(values, async (context) => {
        const published = await publishCatalog(context, input, { nowMs, actor: 'admin' });
        if (!published.ok) throw new UsageError(published.problem.code, published.problem.message);
        const v = published.value;
        print(
          values,
          {
            scheme: v.schemeId,
            version: v.version,
            publishedAt: isoFromMs(v.publishedAtMs),
            effectiveFrom: isoFromMs(v.effectiveFromMs),
          },
          () => `published ${v.schemeId} v${v.version}, effective from ${isoFromMs(v.effectiveFromMs)}`,
        );
      });
      return;
    }
    case 'simulate': {
      const { values, positionals } = parse(rest, {
        from: { type: 'string' },
        to: { type: 'string' },
        sample: { type: 'string' },
        csv: { type: 'boolean', default: false },
        subject: { type: 'string' },
      });
      expectPositionals(positionals, ['FILE']);
      const nowMs = instantOption(values, 'now', clockMs);
      const window = {
        ...(typeof values.from === 'string' ? { fromMs: instantOption(values, 'from', nowMs) } : {}),
        toMs: instantOption(values, 'to', nowMs),
      };
      const input = readDataFile(String(positionals[0]));
      await withContext(values, async (context) => {
        if (typeof values.subject === 'string') {
          const simulated = await simulateSubject(context, input, values.subject, window);
          if (!simulated.ok) throw new UsageError(simulated.problem.code, simulated.problem.message);
          await logRead(context, simulated.value.subject.key, { nowMs, actor: cliActor, what: 'credence simulate' });
          const notices = values.json
            ? await context.store.noticesOf(simulated.value.subject.key, listMembersPageMax)
            : [];
          print(values, presentSubjectSimulation(simulated.value, notices, nowMs), () =>
            formatSubjectSimulation(simulated.value),
          );
          return;
        }
        const bar = progressBar('simulate');
        const sampleMax = positiveInteger(values, 'sample', simulationSampleDefault, simulationSampleMax);
        const simulated = await simulateDraft(context, input, {
          ...window,
          sampleMax,
          onProgress: (p) => {
            if (p.phase === 'records' && !bar.isActive) bar.start(p.subjectsTotal, 0);
            bar.update(p.subjects);
          },
        });
        bar.stop();
        if (!simulated.ok) throw new UsageError(simulated.problem.code, simulated.problem.message);
        await logRead(
          context,
          simulated.value.counts.sample.map((s) => s.subject),
          { nowMs, actor: cliActor, what: 'credence simulate' },
        );
        if (values.csv) process.stdout.write(`${simulationCsv(simulated.value)}\n`);
        else print(values, presentSimulation(simulated.value), () => formatSimulation(simulated.value));
      });
      return;
    }
    case 'rebuild': {
      const { values, positionals } = parse(rest, {
        verify: { type: 'boolean', default: false },
        threads: { type: 'string' },
      });
      expectPositionals(positionals, []);
      const nowMs = instantOption(values, 'now', clockMs);
      const threads = positiveInteger(
        values,
        'threads',
        Math.min(availableParallelism(), rebuildThreadsDefaultMax),
        64,
      );
      await withContext(values, async (context) => {
        const bar = new SingleBar({
          format: 'rebuild {value} subjects',
          stream: process.stderr,
          clearOnComplete: true,
        });
        bar.start(0, 0);
        const report = await rebuild(context, {
          verify: Boolean(values.verify),
          nowMs,
          onProgress: (subjects) => bar.update(subjects),
          ...(threads > 1 ? { parts: replayParts(context, placeOf(values), threads) } : {}),
        });
        bar.stop();
        print(values, report, () =>
          [
            `replayed ${report.records} records of ${report.subjects} subjects`,
            values.verify ? `differences: ${report.differences}` : 'derived state rewritten',
            ...report.sample.map((s) => `  ${s.problem}: ${s.subject}`),
          ].join('\n'),
        );
        if (values.verify && report.differences > 0)
          throw new CheckFailedError(
            `rebuild --verify: ${report.differences} subjects' stored state differs from the replay`,
          );
      });
      return;
    }
    case 'audit': {
      await auditCommand(rest, clockMs);
      return;
    }
    case 'accounts': {
      await accountsCommand(rest);
      return;
    }
    case 'keys': {
      const [sub, ...more] = rest;
      const { values, positionals } = parse(more, { out: { type: 'string' } });
      expectPositionals(positionals, []);
      if (sub !== 'generate' || typeof values.out !== 'string')
        throw new UsageError('bad_arguments', 'expected: credence keys generate --out FILE');
      writeKeyFile(values.out);
      process.stderr.write(
        `wrote new keys to ${values.out} (readable by you only). Keep it apart from the database and its backups: without it, the identifiers stored cannot be read or found.\n`,
      );
      return;
    }
    default:
      throw new UsageError('unknown_command', `unknown command ${command}; see credence --help`);
  }
}

try {
  await run(process.argv.slice(2));
} catch (error) {
  if (
    error instanceof UsageError ||
    error instanceof DatabaseMissingError ||
    error instanceof DatabaseUnreachableError ||
    error instanceof DatabaseFormatError ||
    error instanceof KeysMismatchError
  ) {
    process.stderr.write(`credence: ${error.message}\n`);
    process.exitCode = 2;
  } else if (error instanceof CheckFailedError) {
    process.stderr.write(`credence: ${error.message}\n`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
