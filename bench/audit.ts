/**
 * Audit log benchmark: how fast Credence appends events to its hash-chained audit log and verifies it, in events per
 * second, each against references measured in the same run.
 *
 * The events: --events `decision.made` events shaped as src/http/decisions/routes.ts logs them (the service point's
 * name as actor, the subject's identifier, which chainEvents turns into its lookup token, and a payload with a
 * decision id, the action, the instant, the outcome, the reasons and the demo catalogs' versions), half of them
 * denials citing a measure, for --subjects distinct valid resident IDs, 10 ms apart. Made once, before any clock.
 *
 * Repeated --runs times, each on fresh files in a temporary folder:
 * - hash chain (reference a): hashEvent over the same events as stored (lookup tokens computed beforehand), in
 *   memory, no store: the hashing alone;
 * - chainEvents (reference a'): chainEvents over the events in batches of --batch, in memory: hashing and the
 *   lookup token of each subject, everything appendAudit computes before it stores;
 * - raw insert (reference b): the stored rows (the chain's hashes, the payloads' JSON text made beforehand) into a
 *   table of audit_events' shape with its index, through node:sqlite with the store's pragmas (WAL, cache_size,
 *   synchronous as the store sets it for this durability), one prepared INSERT, transactions of --batch, as
 *   bench/sqlite-binding.ts does: the storing alone;
 * - append: appendAudit(tx, keys, batch) in store.transaction(..., { durability }) per batch of --batch on a fresh
 *   SQLite store (openSqliteStore). Durability `process` by default: the decision log writes decision.made events
 *   so (no fsync per commit); --durability disk fsyncs each commit. The stored tail must equal the reference chain's;
 * - checkpoint: AuditTree.checkpoint, which stores the tile roots and signs one checkpoint over the whole log (as
 *   `credence audit checkpoint` does; derived data, not on the write path), timed on its own;
 * - verify: verifyAudit(store, { publicKeyPem }) over the log: every hash, tile and the checkpoint. It must pass;
 * - read (reference c): store.storedAuditEvents in verifyAudit's pages of 10,000, counting events: the read cost alone.
 * From the medians: the shares of append spent hashing, making lookup tokens and storing (the raw insert), of
 * verify spent reading and hashing (the rest is the Merkle tree and the checks), and
 * issue 8's goals: at least 100,000 events/s appended and 1,000,000 events/s verified. Also the bytes per event of
 * the store's file after a WAL checkpoint.
 *
 * Usage: node bench/audit.ts [--events N] [--batch N] [--subjects N] [--durability process|disk] [--runs N] [--short]
 * --short: 20,000 events, one run, to prove in CI that it works.
 * Prints one JSON object on stdout; progress goes to stderr.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatabaseSync } from 'node:sqlite';
import { appendAudit, chainEvents, genesisHash, hashEvent } from '../src/app/audit-chain.ts';
import { AuditTree, tileSize } from '../src/app/audit-tree.ts';
import { verifyAudit } from '../src/app/audit-verify.ts';
import type { Keyring } from '../src/app/keyring.ts';
import { readDemoFiles } from '../src/cli/files.ts';
import { parseCatalogDraft } from '../src/core/catalog.ts';
import type { AuditEvent, AuditEventInput, Store, TransactionOptions } from '../src/store/ports.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { machine, median, round2, round3, throttledProgress } from './support/figures.ts';
import { makeBenchKeys } from './support/keys.ts';
import { benchArgs, positive } from './support/options.ts';
import { freshResidentIds } from './support/soak-subjects.ts';
import { sqliteFileSize } from './support/sqlite-size.ts';

const goalAppendPerSecond = 100_000;
const goalVerifyPerSecond = 1_000_000;
const action = 'travel.flight';
const actor = 'bench-desk';
/** The measure the demo's court-defaulters list applies to travel.flight: what a denial cites. */
const denialMeasure = 'high-consumption-restrictions';
const firstAtMs = Date.parse('2026-06-01T08:00:00Z');
const eventSpacingMs = 10;
/** verifyAudit's default page size: the read reference reads the same pages. */
const verifyPageSize = 10_000;

/** audit_events as src/store/sqlite/migrations.ts makes it, with the index on subject it gained later. */
const rawSchema = `
  CREATE TABLE audit_events (
    seq INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    subject TEXT,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
  ) STRICT;
  CREATE INDEX audit_events_by_subject ON audit_events (subject, seq) WHERE subject IS NOT NULL;
`;
const rawInsertSql =
  'INSERT INTO audit_events (seq, at_ms, kind, actor, subject, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)';

type Durability = NonNullable<TransactionOptions['durability']>;

interface Options {
  readonly events: number;
  readonly batch: number;
  readonly subjects: number;
  readonly durability: Durability;
  readonly runs: number;
  readonly short: boolean;
}

function parseOptions(argv: string[]): Options {
  const values = benchArgs(argv, ['events', 'batch', 'subjects', 'durability', 'runs'], ['short']);
  const short = values.short;
  const durability = values.durability ?? 'process';
  if (durability !== 'process' && durability !== 'disk')
    throw new Error(`--durability needs process or disk, got ${durability}`);
  return {
    events: positive('events', values.events, true) ?? (short ? 20_000 : 1_000_000),
    batch: positive('batch', values.batch, true) ?? 5_000,
    subjects: positive('subjects', values.subjects, true) ?? 10_000,
    durability,
    runs: positive('runs', values.runs, true) ?? (short ? 1 : 3),
    short,
  };
}

const log = (line: string) => process.stderr.write(`audit: ${line}\n`);
const thousands = (n: number) => Math.round(n).toLocaleString('en');
const seconds = (since: number) => (performance.now() - since) / 1000;

// --- the events -----------------------------------------------------------------------------------------------

interface Events {
  /** As the decision routes hand them to the decision log: the subject as its identifier. */
  readonly inputs: readonly AuditEventInput[];
  /** As stored: the subject as its lookup token. */
  readonly stored: readonly AuditEventInput[];
  /** Each stored payload's JSON text, for the raw insert. */
  readonly payloadTexts: readonly string[];
}

function makeEvents(options: Options, keys: Keyring): Events {
  const files = readDemoFiles();
  const catalogVersions = files.catalogs.map((input) => {
    const draft = parseCatalogDraft(input);
    if (!draft.ok) throw new Error(`demo catalog is invalid: ${draft.problem.message}`);
    return { scheme: draft.value.scheme.id, version: 1 };
  });
  const subjects = freshResidentIds(options.subjects);
  const inputs: AuditEventInput[] = [];
  for (let i = 0; i < options.events; i++) {
    const atMs = firstAtMs + i * eventSpacingMs;
    const deny = i % 2 === 0;
    inputs.push({
      atMs,
      kind: 'decision.made',
      actor,
      // A stride through the pool, so that neighbouring events name different subjects.
      subject: subjects[(i * 7919) % subjects.length] ?? '',
      payload: {
        decisionId: randomUUID(),
        action,
        atMs,
        outcome: deny ? 'deny' : 'allow',
        reasons: deny ? [denialMeasure] : [],
        catalogVersions,
      },
    });
  }
  const tokens = new Map(subjects.map((s) => [s, keys.lookup(s)]));
  const stored = inputs.map((e) => ({ ...e, subject: tokens.get(e.subject ?? '') ?? '' }));
  return { inputs, stored, payloadTexts: stored.map((e) => JSON.stringify(e.payload)) };
}

// --- the references -------------------------------------------------------------------------------------------

/** Reference (a): the hash chain alone. Returns its hashes (the raw insert stores them) and the seconds. */
function hashChain(events: readonly AuditEventInput[]): { hashes: string[]; seconds: number } {
  const hashes: string[] = new Array<string>(events.length);
  const started = performance.now();
  let prevHash = genesisHash;
  for (let i = 0; i < events.length; i++) {
    prevHash = hashEvent(prevHash, i + 1, events[i] as AuditEventInput);
    hashes[i] = prevHash;
  }
  return { hashes, seconds: seconds(started) };
}

/** Reference (a'): chainEvents in batches, as appendAudit calls it, without a store. Returns the tail and seconds. */
function chainInMemory(inputs: readonly AuditEventInput[], batch: number, keys: Keyring) {
  const started = performance.now();
  let tail: AuditEvent | undefined;
  for (let i = 0; i < inputs.length; i += batch) tail = chainEvents(tail, inputs.slice(i, i + batch), keys).at(-1);
  return { tail, seconds: seconds(started) };
}

/** Reference (b): the rows as stored, into a bare table through node:sqlite. Returns the seconds. */
function rawInsert(path: string, events: Events, hashes: readonly string[], options: Options): number {
  const db = new DatabaseSync(path);
  try {
    // The store's pragmas (src/store/sqlite/sqlite-store.ts), and the synchronous level it commits with.
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA cache_size = -65536;');
    db.exec(rawSchema);
    const insert = db.prepare(rawInsertSql);
    const { stored, payloadTexts } = events;
    const started = performance.now();
    if (options.durability === 'process') db.exec('PRAGMA synchronous = NORMAL');
    for (let from = 0; from < stored.length; from += options.batch) {
      const to = Math.min(from + options.batch, stored.length);
      db.exec('BEGIN IMMEDIATE');
      try {
        for (let i = from; i < to; i++) {
          const e = stored[i] as AuditEventInput;
          const prevHash = i === 0 ? genesisHash : (hashes[i - 1] as string);
          insert.run(
            i + 1,
            e.atMs,
            e.kind,
            e.actor,
            e.subject ?? null,
            payloadTexts[i] ?? '',
            prevHash,
            hashes[i] ?? '',
          );
        }
        db.exec('COMMIT');
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
    }
    const elapsed = seconds(started);
    const count = Number(db.prepare('SELECT count(*) AS n FROM audit_events').get()?.n);
    if (count !== stored.length) throw new Error(`the raw insert stored ${count} rows, not ${stored.length}`);
    return elapsed;
  } finally {
    db.close();
  }
}

/** Reference (c): the log read back as verifyAudit pages it, nothing checked. Returns the events read. */
async function readEvents(store: Store): Promise<number> {
  let events = 0;
  let afterSeq = 0;
  for (;;) {
    const page = await store.storedAuditEvents(afterSeq, verifyPageSize);
    if (page.length === 0) return events;
    events += page.length;
    afterSeq = page.at(-1)?.seq ?? afterSeq;
  }
}

// --- one run --------------------------------------------------------------------------------------------------

interface Run {
  readonly hashSeconds: number;
  readonly chainSeconds: number;
  readonly rawSeconds: number;
  readonly appendSeconds: number;
  readonly checkpointSeconds: number;
  readonly verifySeconds: number;
  readonly readSeconds: number;
  readonly bytes: number;
}

async function runOnce(events: Events, keys: Keyring, options: Options, run: number): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'credence-bench-audit-'));
  try {
    const n = options.events;
    const { hashes, seconds: hashSeconds } = hashChain(events.stored);
    const chained = chainInMemory(events.inputs, options.batch, keys);
    if (chained.tail?.hash !== hashes.at(-1)) throw new Error('chainEvents and the bare hash chain disagree');
    const rawSeconds = rawInsert(join(dir, 'raw.db'), events, hashes, options);

    const path = join(dir, 'credence.db');
    const store = openSqliteStore(path, { keys, create: true });
    let appendSeconds: number;
    let checkpointSeconds: number;
    let verifySeconds: number;
    let readSeconds: number;
    try {
      const progress = throttledProgress(log, (done) => `  append: ${thousands(done)} events`);
      let started = performance.now();
      for (let i = 0; i < n; i += options.batch) {
        const batch = events.inputs.slice(i, i + options.batch);
        await store.transaction((tx) => appendAudit(tx, keys, batch), { durability: options.durability });
        progress(i + batch.length);
      }
      appendSeconds = seconds(started);
      const size = await store.auditSize();
      const [tail] = await store.auditHashes(size - 1, 1);
      if (size !== n || tail !== hashes.at(-1))
        throw new Error(`the store holds ${size} events ending in ${tail}, not the reference chain's ${n}`);

      started = performance.now();
      const checkpoint = await new AuditTree(store).checkpoint(keys, firstAtMs + n * eventSpacingMs);
      checkpointSeconds = seconds(started);
      if (checkpoint.size !== n) throw new Error(`the checkpoint covers ${checkpoint.size} events, not ${n}`);

      started = performance.now();
      const report = await verifyAudit(store, { publicKeyPem: keys.publicKeyPem, pageSize: verifyPageSize });
      verifySeconds = seconds(started);
      const tiles = Math.floor(n / tileSize);
      if (!report.ok || report.events !== n || report.tiles !== tiles || report.checkpoints !== 1)
        throw new Error(
          `verifyAudit: ok ${report.ok}, ${report.events} events, ${report.tiles} tiles, ${report.checkpoints} checkpoints (expected ${n}, ${tiles}, 1): ${JSON.stringify(report.problems.slice(0, 3))}`,
        );

      started = performance.now();
      const read = await readEvents(store);
      readSeconds = seconds(started);
      if (read !== n) throw new Error(`reading the log gave ${read} events, not ${n}`);
    } finally {
      await store.close();
    }
    const { bytes } = sqliteFileSize(path);
    const rate = (s: number) => thousands(n / s);
    log(
      `run ${run}/${options.runs}: append ${rate(appendSeconds)}/s (${appendSeconds.toFixed(2)} s), verify ${rate(verifySeconds)}/s (${verifySeconds.toFixed(2)} s), checkpoint ${checkpointSeconds.toFixed(2)} s; read ${rate(readSeconds)}/s, hash chain ${rate(hashSeconds)}/s, chainEvents ${rate(chained.seconds)}/s, raw insert ${rate(rawSeconds)}/s`,
    );
    return {
      hashSeconds,
      chainSeconds: chained.seconds,
      rawSeconds,
      appendSeconds,
      checkpointSeconds,
      verifySeconds,
      readSeconds,
      bytes,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// --- main -----------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const keysDir = mkdtempSync(join(tmpdir(), 'credence-bench-audit-keys-'));
  try {
    const { keys } = makeBenchKeys(keysDir);
    const started = performance.now();
    const events = makeEvents(options, keys);
    log(
      `${thousands(options.events)} decision.made events for ${thousands(options.subjects)} subjects made in ${seconds(started).toFixed(1)} s; batches of ${thousands(options.batch)}, durability ${options.durability}`,
    );
    const runs: Run[] = [];
    for (let run = 1; run <= options.runs; run++) runs.push(await runOnce(events, keys, options, run));

    const n = options.events;
    const mid = (pick: (r: Run) => number) => median(runs.map(pick));
    const [hashS, chainS, rawS, appendS, checkpointS, verifyS, readS] = [
      mid((r) => r.hashSeconds),
      mid((r) => r.chainSeconds),
      mid((r) => r.rawSeconds),
      mid((r) => r.appendSeconds),
      mid((r) => r.checkpointSeconds),
      mid((r) => r.verifySeconds),
      mid((r) => r.readSeconds),
    ];
    const rate = (s: number) => Math.round(n / s);
    const goal = {
      append: {
        eventsPerSecond: goalAppendPerSecond,
        measured: rate(appendS),
        met: rate(appendS) >= goalAppendPerSecond,
      },
      verify: {
        eventsPerSecond: goalVerifyPerSecond,
        measured: rate(verifyS),
        met: rate(verifyS) >= goalVerifyPerSecond,
      },
    };
    log(
      `goals: append ${thousands(goal.append.measured)}/s of ${thousands(goalAppendPerSecond)} (${goal.append.met ? 'met' : 'not met'}), verify ${thousands(goal.verify.measured)}/s of ${thousands(goalVerifyPerSecond)} (${goal.verify.met ? 'met' : 'not met'})`,
    );
    process.stdout.write(
      `${JSON.stringify({
        benchmark: 'audit',
        ...machine(),
        parameters: {
          events: n,
          batch: options.batch,
          subjects: options.subjects,
          durability: options.durability,
          runs: options.runs,
          short: options.short,
          store: 'sqlite',
          event: 'decision.made',
          verifyPageSize,
          payloadBytesMean: Math.round(events.payloadTexts.reduce((sum, t) => sum + t.length, 0) / n),
        },
        append: { eventsPerSecond: rate(appendS), microsPerEvent: round3((appendS / n) * 1e6) },
        verify: { eventsPerSecond: rate(verifyS), microsPerEvent: round3((verifyS / n) * 1e6) },
        checkpoint: { seconds: round3(checkpointS), eventsPerSecond: rate(checkpointS) },
        references: {
          hashChain: { eventsPerSecond: rate(hashS), microsPerEvent: round3((hashS / n) * 1e6) },
          chainEvents: { eventsPerSecond: rate(chainS), microsPerEvent: round3((chainS / n) * 1e6) },
          rawInsert: { eventsPerSecond: rate(rawS), microsPerEvent: round3((rawS / n) * 1e6) },
          read: { eventsPerSecond: rate(readS), microsPerEvent: round3((readS / n) * 1e6) },
        },
        ratio: {
          /** Append's rate over the raw insert's: 1 would be appending at the speed of storing alone. */
          appendOverRawInsert: round2(rawS / appendS),
          appendOverHashChain: round2(hashS / appendS),
          /** Verify recomputes every hash (and the tree): its rate over the bare hash chain's. */
          verifyOverHashChain: round2(hashS / verifyS),
          verifyOverRead: round2(readS / verifyS),
        },
        shares: {
          append: {
            hashing: round2(hashS / appendS),
            lookupTokens: round2((chainS - hashS) / appendS),
            storing: round2(rawS / appendS),
            rest: round2((appendS - chainS - rawS) / appendS),
          },
          verify: {
            reading: round2(readS / verifyS),
            hashing: round2(hashS / verifyS),
            rest: round2((verifyS - readS - hashS) / verifyS),
          },
        },
        store: { bytes: Math.round(mid((r) => r.bytes)), bytesPerEvent: Math.round(mid((r) => r.bytes) / n) },
        goal,
        perRun: runs.map((r) => ({
          seconds: {
            hashChain: round3(r.hashSeconds),
            chainEvents: round3(r.chainSeconds),
            rawInsert: round3(r.rawSeconds),
            append: round3(r.appendSeconds),
            checkpoint: round3(r.checkpointSeconds),
            verify: round3(r.verifySeconds),
            read: round3(r.readSeconds),
          },
          eventsPerSecond: { append: rate(r.appendSeconds), verify: rate(r.verifySeconds) },
        })),
      })}\n`,
    );
  } finally {
    rmSync(keysDir, { recursive: true, force: true });
  }
}

await main();
