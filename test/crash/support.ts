/**
 * The crash-safety harness: it kills `credence import` and `credence serve` with SIGKILL at seeded random points
 * and, after each kill, checks what a restart finds. The properties (docs/architecture.md, "Flow of a record"):
 * every acknowledged record is stored exactly once; nothing unacknowledged is half there (a batch is stored whole
 * or not at all, every stored record has its derivation, which `credence rebuild --verify` replays, and exactly one
 * `records.accepted` audit event listing it, and no notice or listing is without its record); the audit chain verifies;
 * the database opens and passes `PRAGMA integrity_check`. test/crash/crash.test.ts runs a short form in `npm test`,
 * test/long/crash.ts a long one.
 *
 * A SIGKILL ends the process, not the machine: what it wrote is in the operating system's page cache and stays
 * there. This tests the transaction boundaries and SQLite's recovery of a WAL left mid-write, not fsync (a power
 * cut needs a virtual machine or a fault-injecting file system).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  watch,
  writeFileSync,
  type FSWatcher,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { recordsListed } from '../../src/app/audit-chain.ts';
import { verifyAudit } from '../../src/app/audit-verify.ts';
import { generateKeyMaterial, keyringFrom } from '../../src/app/keyring.ts';
import { publishCatalog } from '../../src/app/catalogs.ts';
import { openContext } from '../../src/app/context.ts';
import { seededRandom } from '../../src/app/population.ts';
import { createToken } from '../../src/app/tokens.ts';
import { recordsPerBatchMax } from '../../src/core/constants.ts';
import { residentIdCheckCharacter } from '../../src/core/identifiers.ts';
import type { AuditEvent } from '../../src/store/ports.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { demoAgencies, demoCatalogInputs, demoPublishedAtMs } from '../support/demo-catalogs.ts';

/** The keys every database of a run is opened with, here and in the killed children. */
const crashKeyMaterial = generateKeyMaterial();
const crashKeys = keyringFrom(crashKeyMaterial);

const root = fileURLToPath(new URL('../../', import.meta.url));
/** Every command that takes a clock gets this one; the server's clock is the machine's, which is later. */
export const now = '2026-11-22T00:00:00Z';
const effectiveFromMs = Date.parse('2025-11-02T00:00:00Z');
const effectiveUntilMs = Date.parse('2026-10-31T00:00:00Z');
const minuteMs = 60_000;

/** The file import is one agency's; the API takes batches from two, about the same people. */
export const importAgency = 'animal-control';
export const apiAgencies = ['traffic-police', 'animal-control'] as const;
export type ApiAgency = (typeof apiAgencies)[number];

type Random = () => number;

const pick = <T>(rand: Random, items: readonly T[]): T => {
  const item = items[Math.floor(rand() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
};

/** A code by weight: [code, weight, scored by amount]. */
type CodeMix = readonly (readonly [string, number, boolean])[];

const codesOf: Readonly<Record<ApiAgency, CodeMix>> = {
  'animal-control': [
    ['dog.leash_violation', 5, false],
    ['dog.improper_keeping', 2, false],
    ['dog.licence_not_renewed', 1, false],
    ['dog.course_passed', 2, false],
  ],
  'traffic-police': [
    ['traffic.warning', 4, false],
    ['traffic.fine', 5, true],
    ['traffic.licence_suspended', 1, false],
  ],
};

function pickCode(rand: Random, mix: CodeMix): { code: string; byAmount: boolean } {
  const total = mix.reduce((sum, [, weight]) => sum + weight, 0);
  let left = rand() * total;
  for (const [code, weight, byAmount] of mix) {
    left -= weight;
    if (left < 0) return { code, byAmount };
  }
  const [code, , byAmount] = mix[0] ?? ['', 0, false];
  return { code, byAmount };
}

const regions = ['110105', '310104', '440304', '510104', '320102', '370102'] as const;

/** `count` distinct resident IDs with valid check characters; none is a real person's. */
export function residentIds(count: number, rand: Random): string[] {
  const out = new Set<string>();
  while (out.size < count) {
    const birth = new Date(Date.UTC(1940, 0, 1) + Math.floor(rand() * 24_000) * 86_400_000);
    const date = birth.toISOString().slice(0, 10).replaceAll('-', '');
    const first17 = `${pick(rand, regions)}${date}${String(Math.floor(rand() * 1000)).padStart(3, '0')}`;
    out.add(`${first17}${residentIdCheckCharacter(first17)}`);
  }
  return [...out];
}

/** A record as an agency sends it; the agency comes from the import's --agency or the API token. */
export interface RecordLine {
  readonly agencyRef: string;
  readonly subject: string;
  readonly code: string;
  readonly effectiveAt: string;
  readonly evidence: string;
  readonly amount?: number;
}

function recordLine(rand: Random, agency: ApiAgency, agencyRef: string, subject: string): RecordLine {
  const { code, byAmount } = pickCode(rand, codesOf[agency]);
  const span = (effectiveUntilMs - effectiveFromMs) / minuteMs;
  const effectiveAt = new Date(effectiveFromMs + Math.floor(rand() * span) * minuteMs).toISOString();
  return {
    agencyRef,
    subject,
    code,
    effectiveAt,
    evidence: `decision ${agencyRef}`,
    ...(byAmount ? { amount: 50 * Math.floor(rand() * 400) } : {}),
  };
}

/** The import file's records: about four per person, so that a batch re-derives people with earlier records. */
export function importLines(count: number, seed: string): RecordLine[] {
  const rand = seededRandom(seed);
  const people = residentIds(Math.max(1, Math.ceil(count / 4)), rand);
  return Array.from({ length: count }, (_, i) =>
    recordLine(rand, importAgency, `IMP-${String(i + 1).padStart(7, '0')}`, pick(rand, people)),
  );
}

/** How a stored record is named across the harness: agency and reference. */
const keyOf = (agency: string, agencyRef: string) => `${agency} ${agencyRef}`;

/**
 * A temporary folder and every child process started in it. `close` kills the children still running and removes
 * the folder; callers run it in t.after or finally, so that a failed assertion leaves nothing behind.
 */
export class Workspace {
  readonly folder: string;
  readonly #children = new Set<ChildProcess>();
  #closed = false;

  constructor() {
    this.folder = mkdtempSync(join(tmpdir(), 'credence-crash-'));
  }

  path(name: string): string {
    return join(this.folder, name);
  }

  /** `node src/cli/main.ts ARGS` with the project's node, stdin closed. */
  spawnCredence(args: readonly string[], stdout: 'pipe' | 'ignore' = 'pipe'): ChildProcess {
    if (this.#closed) throw new Error('the workspace is closed');
    // The children open the databases with the harness's keys, given as the key file's JSON.
    const env: NodeJS.ProcessEnv = { ...process.env, CREDENCE_KEYS: JSON.stringify(crashKeyMaterial) };
    delete env.NODE_TEST_CONTEXT;
    delete env.CREDENCE_KEY_FILE;
    const child = spawn(process.execPath, ['src/cli/main.ts', ...args], {
      cwd: root,
      env,
      stdio: ['ignore', stdout, 'pipe'],
    });
    this.#children.add(child);
    child.once('exit', () => this.#children.delete(child));
    return child;
  }

  /** No child starts any more; every running one is killed. */
  async abort(): Promise<void> {
    this.#closed = true;
    await Promise.all(
      [...this.#children].map(async (child) => {
        if (!isRunning(child)) return;
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
      }),
    );
  }

  async close(): Promise<void> {
    await this.abort();
    rmSync(this.folder, { recursive: true, force: true });
  }
}

const isRunning = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/**
 * When to kill: `delayMs` after it is armed, or, with `atWalWriteOf`, at the first write to that database's WAL
 * after the delay (a commit being written: the kill has a fair chance of cutting it, which a plain delay rarely
 * has). A WAL-write kill that sees no write within `walWriteWaitMaxMs` fires anyway.
 */
export interface KillPlan {
  readonly delayMs: number;
  readonly atWalWriteOf?: string;
}

const walWriteWaitMaxMs = 3_000;

export interface KillShot {
  /** The process was still running when the kill came (it had not finished its work and exited). */
  readonly landed: boolean;
  /** Since the kill was armed: the delay, or more when it waited for a WAL write or the event loop was busy. */
  readonly firedAfterMs: number;
}

/** Sends SIGKILL to a child by a plan; `onFire` runs just before, `cancel` disarms it. */
class KillSwitch {
  shot: KillShot | undefined;
  #timer: NodeJS.Timeout | undefined;
  #watcher: FSWatcher | undefined;

  constructor(child: ChildProcess, plan: KillPlan, onFire?: () => void) {
    const armedAt = performance.now();
    const fire = () => {
      if (this.shot !== undefined) return;
      onFire?.();
      this.shot = { landed: isRunning(child), firedAfterMs: Math.round(performance.now() - armedAt) };
      child.kill('SIGKILL');
      this.cancel();
    };
    const { atWalWriteOf } = plan;
    this.#timer = setTimeout(() => {
      if (atWalWriteOf === undefined) return fire();
      const wal = `${basename(atWalWriteOf)}-wal`;
      this.#watcher = watch(dirname(atWalWriteOf), (_event, name) => {
        if (name === wal) fire();
      });
      // The folder can go while it waits (a failed run closes the workspace): then there is nothing to kill.
      this.#watcher.on('error', () => this.cancel());
      this.#timer = setTimeout(fire, walWriteWaitMaxMs);
    }, plan.delayMs);
  }

  cancel(): void {
    clearTimeout(this.#timer);
    this.#watcher?.close();
    this.#watcher = undefined;
  }
}

export interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly elapsedMs: number;
  /** The kill, if it was sent. */
  readonly shot: KillShot | undefined;
}

/** Runs the command to its end, or until it is killed by the plan (its delay counted from the spawn). */
export async function runCredence(workspace: Workspace, args: readonly string[], kill?: KillPlan): Promise<Run> {
  const started = performance.now();
  const child = workspace.spawnCredence(args);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const closed = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  const killSwitch = kill === undefined ? undefined : new KillSwitch(child, kill);
  const [code, signal] = await closed;
  killSwitch?.cancel();
  return { code, signal, stdout, stderr, elapsedMs: performance.now() - started, shot: killSwitch?.shot };
}

/** Removes a database and its WAL and shared-memory files. */
export function removeDatabase(db: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${db}${suffix}`, { force: true });
}

/**
 * A database with the demo agencies and catalogs published, no records, and an agency token for each API agency.
 * It is closed cleanly (no WAL left), so a copy of the one file is a fresh start.
 */
export async function createBaseDatabase(db: string): Promise<Record<ApiAgency, string>> {
  const store = openSqliteStore(db, { create: true, keys: crashKeys });
  const tokens: Partial<Record<ApiAgency, string>> = {};
  try {
    const context = await openContext(store, { keys: crashKeys });
    await store.transaction((tx) => tx.putAgencies(demoAgencies()));
    for (const input of demoCatalogInputs()) {
      const published = await publishCatalog(context, input, { nowMs: demoPublishedAtMs, actor: 'admin' });
      if (!published.ok) throw new Error(`demo catalog not published: ${published.problem.message}`);
    }
    for (const agency of apiAgencies) {
      const created = await createToken(
        context,
        { role: 'agency', name: agency, scope: [] },
        { nowMs: Date.parse(now), actor: 'admin' },
      );
      if (!created.ok) throw new Error(`token for ${agency}: ${created.problem.message}`);
      tokens[agency] = created.value.token;
    }
  } finally {
    await store.close();
  }
  assert.ok(!existsSync(`${db}-wal`), 'the base database closed without a WAL');
  const [trafficPolice, animalControl] = [tokens['traffic-police'], tokens['animal-control']];
  assert.ok(trafficPolice !== undefined && animalControl !== undefined);
  return { 'traffic-police': trafficPolice, 'animal-control': animalControl };
}

/** What a kill left in the WAL, read before anything opens the database (opening recovers it). */
export interface WalState {
  /** Frames of committed transactions, not yet checkpointed. */
  readonly committedFrames: number;
  /** Whole, valid frames after the last commit frame: a transaction was being written when the kill came. */
  readonly uncommittedFrames: number;
  /** Bytes of a frame of the current WAL cut off mid-write. */
  readonly tornBytes: number;
}

/** SQLite's WAL checksum (https://sqlite.org/fileformat2.html#walformat), over 8-byte steps. */
function walChecksum(
  buffer: Buffer,
  start: number,
  length: number,
  bigEndian: boolean,
  seed: [number, number],
): [number, number] {
  let [s0, s1] = seed;
  for (let i = start; i < start + length; i += 8) {
    const x0 = bigEndian ? buffer.readUInt32BE(i) : buffer.readUInt32LE(i);
    const x1 = bigEndian ? buffer.readUInt32BE(i + 4) : buffer.readUInt32LE(i + 4);
    s0 = (s0 + x0 + s1) >>> 0;
    s1 = (s1 + x1 + s0) >>> 0;
  }
  return [s0, s1];
}

export function inspectWal(db: string): WalState {
  const empty = { committedFrames: 0, uncommittedFrames: 0, tornBytes: 0 };
  const path = `${db}-wal`;
  if (!existsSync(path)) return empty;
  const wal = readFileSync(path);
  if (wal.length < 32) return empty;
  const magic = wal.readUInt32BE(0);
  if (magic !== 0x377f0682 && magic !== 0x377f0683) return empty;
  const bigEndian = (magic & 1) === 1;
  const pageSize = wal.readUInt32BE(8);
  const salts = [wal.readUInt32BE(16), wal.readUInt32BE(20)];
  let sum = walChecksum(wal, 0, 24, bigEndian, [0, 0]);
  if (sum[0] !== wal.readUInt32BE(24) || sum[1] !== wal.readUInt32BE(28)) return empty;
  let offset = 32;
  let frames = 0;
  let committed = 0;
  let tornBytes = 0;
  while (offset + 24 <= wal.length) {
    if (wal.readUInt32BE(offset + 8) !== salts[0] || wal.readUInt32BE(offset + 12) !== salts[1]) break;
    if (offset + 24 + pageSize > wal.length) {
      tornBytes = wal.length - offset;
      break;
    }
    sum = walChecksum(wal, offset, 8, bigEndian, sum);
    sum = walChecksum(wal, offset + 24, pageSize, bigEndian, sum);
    if (sum[0] !== wal.readUInt32BE(offset + 16) || sum[1] !== wal.readUInt32BE(offset + 20)) {
      tornBytes = 24 + pageSize;
      break;
    }
    frames++;
    if (wal.readUInt32BE(offset + 4) !== 0) committed = frames;
    offset += 24 + pageSize;
  }
  return { committedFrames: committed, uncommittedFrames: frames - committed, tornBytes };
}

/** Events are read in pages, yielding between them, so that the other phase's kill timers are not held up. */
const auditPageSize = 5_000;

/** Every audit event, read through the store port, in order. */
async function readAuditEvents(db: string): Promise<AuditEvent[]> {
  const store = openSqliteStore(db, { keys: crashKeys });
  try {
    const events: AuditEvent[] = [];
    for (;;) {
      const page = await store.auditEvents(events.at(-1)?.seq ?? 0, auditPageSize);
      events.push(...page);
      await yieldToEventLoop();
      if (page.length < auditPageSize) return events;
    }
  } finally {
    await store.close();
  }
}

/**
 * The audit log verified as `credence audit verify` does it (verifyAudit): the hash chain from genesis, the stored
 * tiles, the signed checkpoints and every record against the digest its event holds.
 */
export async function verifyAuditChain(db: string): Promise<{ readonly events: number }> {
  const store = openSqliteStore(db, { keys: crashKeys });
  try {
    const report = await verifyAudit(store, { publicKeyPem: crashKeys.publicKeyPem, pageSize: auditPageSize });
    assert.deepEqual(report.problems, [], `audit verify: ${report.problems[0]?.message ?? ''}`);
    return { events: report.events };
  } finally {
    await store.close();
  }
}

export interface StoredRecord {
  readonly id: number;
  readonly agency: string;
  readonly agencyRef: string;
  readonly subject: string;
  readonly code: string;
  readonly effectiveAtMs: number;
  readonly evidence: string;
  readonly amount: number | null;
}

export interface DatabaseCheck {
  /** Every stored record by agency and reference. */
  readonly records: ReadonlyMap<string, StoredRecord>;
  readonly auditEvents: number;
  readonly notices: number;
  readonly wal: WalState;
}

const count = (db: DatabaseSync, sql: string) => Number(db.prepare(sql).get()?.n);

/**
 * Everything a restart must find true after a kill, whatever the kill interrupted: the database opens (through the
 * store, which recovers the WAL) and is intact, the audit chain verifies, every record is stored once with exactly
 * one `records.accepted` event listing it and no such event lists a missing record, no notice or listing is without
 * its record, and `credence rebuild --verify` finds every subject's stored derivation equal to a replay.
 */
export async function checkDatabase(workspace: Workspace, db: string): Promise<DatabaseCheck> {
  const wal = inspectWal(db);
  // The first open after the kill, through the store as the service opens it: it recovers the WAL.
  const chain = await verifyAuditChain(db);
  // The replay runs in its own process meanwhile.
  const rebuilding = runCredence(workspace, ['rebuild', '--verify', '--db', db, '--json', '--now', now]);
  try {
    const events = await readAuditEvents(db);
    const { records, notices } = checkRecords(db, events);
    const rebuild = await rebuilding;
    assert.equal(
      rebuild.code,
      0,
      `credence rebuild --verify exited ${rebuild.code}: ${rebuild.stdout} ${rebuild.stderr}`,
    );
    const replay = JSON.parse(rebuild.stdout) as { records: number; differences: number };
    assert.equal(replay.differences, 0, `rebuild --verify: ${rebuild.stdout}`);
    assert.equal(replay.records, records.size, 'rebuild --verify replayed other than the stored records');
    return { records, auditEvents: chain.events, notices, wal };
  } finally {
    await rebuilding;
  }
}

/** The SQL side of checkDatabase, and every record against the audit events. */
function checkRecords(
  db: string,
  events: readonly AuditEvent[],
): { records: Map<string, StoredRecord>; notices: number } {
  const sql = new DatabaseSync(db);
  let rows: Record<string, unknown>[];
  let notices: number;
  try {
    const integrity = sql.prepare('PRAGMA integrity_check').all();
    assert.deepEqual(
      integrity.map((r) => r.integrity_check),
      ['ok'],
      'PRAGMA integrity_check',
    );
    assert.deepEqual(sql.prepare('PRAGMA foreign_key_check').all(), [], 'PRAGMA foreign_key_check');
    const twice = sql
      .prepare('SELECT agency, agency_ref, COUNT(*) AS n FROM records GROUP BY agency, agency_ref HAVING n > 1')
      .all();
    assert.deepEqual(twice, [], 'records stored more than once under one (agency, agencyRef)');
    const orphanNotices = count(
      sql,
      'SELECT COUNT(*) AS n FROM notices n LEFT JOIN records r ON r.id = n.record_id WHERE r.id IS NULL',
    );
    assert.equal(orphanNotices, 0, 'notices without their record');
    const orphanListings = count(
      sql,
      'SELECT COUNT(*) AS n FROM listings l LEFT JOIN records r ON r.id = l.record_id WHERE r.id IS NULL',
    );
    assert.equal(orphanListings, 0, 'listings without their record');
    const unregistered = count(
      sql,
      'SELECT COUNT(*) AS n FROM records r LEFT JOIN subjects s ON s.id = r.subject WHERE s.id IS NULL',
    );
    assert.equal(unregistered, 0, 'records of unregistered subjects');
    notices = count(sql, 'SELECT COUNT(*) AS n FROM notices');
    // A record names its subject by number (the SQLite store's subjects.id); the subject's lookup token is there.
    rows = sql
      .prepare('SELECT r.*, s.key AS subject FROM records r JOIN subjects s ON s.id = r.subject ORDER BY r.id')
      .all();
  } finally {
    sql.close();
  }

  // records.accepted: one event per agency per transaction, listing each record it stored (audit-chain.ts).
  const accepted = events
    .filter((e) => e.kind === 'records.accepted')
    .flatMap((event) => recordsListed(event.payload).map(({ id }) => ({ id, event })));
  const records = new Map<string, StoredRecord>();
  const eventsByRecord = Map.groupBy(accepted, (a) => a.id);
  for (const row of rows) {
    const record: StoredRecord = {
      id: Number(row.id),
      agency: String(row.agency),
      agencyRef: String(row.agency_ref),
      subject: String(row.subject), // its lookup token: the file holds no identifier
      code: String(row.code),
      effectiveAtMs: Number(row.effective_at_ms),
      evidence: String(row.evidence),
      amount: row.amount === null ? null : Number(row.amount),
    };
    assert.equal(row.retracts, null, `record ${record.id} is a retraction: this workload submits none`);
    records.set(keyOf(record.agency, record.agencyRef), record);
    const named = eventsByRecord.get(record.id) ?? [];
    assert.equal(
      named.length,
      1,
      `record ${record.id} (${record.agencyRef}) is listed by ${named.length} records.accepted events`,
    );
    assert.equal(named[0]?.event.actor, record.agency, `record ${record.id} is audited as another agency's`);
  }
  const ids = new Set(rows.map((r) => Number(r.id)));
  const stray = accepted.filter((a) => !ids.has(a.id));
  assert.equal(
    stray.length,
    0,
    `records.accepted events naming no stored record: ${stray.map((a) => a.event.seq).join(', ')}`,
  );
  return { records, notices };
}

/** A stored record holds what was sent. */
function assertSameContent(stored: StoredRecord | undefined, agency: string, sent: RecordLine): void {
  assert.ok(stored, `${agency} ${sent.agencyRef} is not stored`);
  assert.deepEqual(
    [stored.agency, stored.subject, stored.code, stored.effectiveAtMs, stored.evidence, stored.amount],
    [
      agency,
      crashKeys.lookup(sent.subject),
      sent.code,
      Date.parse(sent.effectiveAt),
      sent.evidence,
      sent.amount ?? null,
    ],
    `${agency} ${sent.agencyRef} is stored otherwise than sent`,
  );
}

/** A kill point: when the kill came, what it found, what the restart found. */
export interface KillPoint {
  readonly phase: 'import' | 'api';
  readonly index: number;
  /** The planned delay; with `atWalWrite`, the kill came at the first WAL write after it. */
  readonly delayMs: number;
  readonly atWalWrite: boolean;
  /** The delay counts from the spawn, or from the moment the server said it listens. */
  readonly from: 'spawn' | 'ready';
  /** When the kill was sent (undefined: the process ended first). */
  readonly firedAfterMs: number | undefined;
  readonly landed: boolean;
  /** POST /v1/records requests sent and not answered when the kill came (API). */
  readonly requestsInFlight: number;
  readonly recordsBefore: number;
  readonly recordsAfter: number;
  readonly wal: WalState;
}

/** Where a failure happened, so that it can be reproduced: the seed, the phase, the kill point's delay. */
export class CrashPropertyError extends Error {
  constructor(where: string, cause: unknown) {
    super(`${where}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'CrashPropertyError';
  }
}

async function within<T>(where: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw error instanceof CrashPropertyError ? error : new CrashPropertyError(where, error);
  }
}

export interface KillSummary {
  readonly tried: number;
  /** Kill points planned at the first WAL write after their delay. */
  readonly atWalWrite: number;
  /** The process was still running when the kill came. */
  readonly landed: number;
  /** The kill cut a write to the WAL: frames after the last commit, or a frame cut off. */
  readonly duringWalWrite: number;
}

function summarize(points: readonly KillPoint[]): KillSummary {
  return {
    tried: points.length,
    atWalWrite: points.filter((p) => p.atWalWrite).length,
    landed: points.filter((p) => p.landed).length,
    duringWalWrite: points.filter((p) => p.wal.uncommittedFrames > 0 || p.wal.tornBytes > 0).length,
  };
}

/** One kill point in this many waits, after its delay, for the next write to the WAL. */
const walWriteKillEvery = 4;

/**
 * A seeded kill plan: a delay spread uniformly over `spanMs`, or now and then a wait for the first WAL write after a
 * delay spread over most of it (so that a commit is still to come).
 */
function planKill(rand: Random, spanMs: number, db: string): KillPlan {
  const atWalWrite = rand() < 1 / walWriteKillEvery;
  const delayMs = Math.round(rand() * spanMs * (atWalWrite ? 0.8 : 1));
  return atWalWrite ? { delayMs, atWalWriteOf: db } : { delayMs };
}

function describePlan(plan: KillPlan | undefined, index: number, from: 'spawn' | 'ready'): string {
  if (plan === undefined) return 'no kill (run to completion)';
  const wal = plan.atWalWriteOf === undefined ? '' : ', then at the next WAL write';
  return `kill ${index} planned ${plan.delayMs} ms after ${from}${wal}`;
}

export interface ImportCrashReport {
  readonly seed: string;
  readonly lines: number;
  readonly linesPerBatch: number;
  readonly cleanImportMs: number;
  readonly cycles: number;
  readonly kills: KillSummary & {
    /** What the killed run had committed: nothing, some batches, or every batch (it was finishing). */
    readonly noBatchCommitted: number;
    readonly someBatchesCommitted: number;
    readonly allBatchesCommitted: number;
  };
  readonly elapsedMs: number;
  readonly points: readonly KillPoint[];
}

export interface ImportCrashOptions {
  readonly kills: number;
  readonly lines: number;
  readonly seed: string;
  /** Kills in a row on one database (each restart re-runs the import) before a run is let finish. */
  readonly killsPerCycleMax: number;
  readonly onKill?: (point: KillPoint) => void;
}

/**
 * After a kill the stored lines of the file are a prefix of it, a whole number of batches long (each batch is one
 * transaction), each stored as written. Returns the prefix's length.
 */
function checkImportState(records: ReadonlyMap<string, StoredRecord>, lines: readonly RecordLine[]): number {
  let prefix = 0;
  while (prefix < lines.length && records.has(keyOf(importAgency, lines[prefix]?.agencyRef ?? ''))) prefix++;
  assert.equal(records.size, prefix, `the ${records.size} records stored are not a prefix of the file`);
  assert.ok(
    prefix === lines.length || prefix % recordsPerBatchMax === 0,
    `${prefix} lines stored: not a whole number of ${recordsPerBatchMax}-line batches`,
  );
  for (const line of lines.slice(0, prefix))
    assertSameContent(records.get(keyOf(importAgency, line.agencyRef)), importAgency, line);
  return prefix;
}

/** A completed import reports every line accepted or duplicate: accepted exactly those not stored before. */
function checkImportCompleted(run: Run, lines: number, storedBefore: number): void {
  assert.equal(run.code, 0, `credence import exited ${run.code} (${run.signal}): ${run.stderr}`);
  const report = JSON.parse(run.stdout) as { lines: number; accepted: number; duplicates: number; rejected: number };
  assert.deepEqual(
    report,
    { lines, accepted: lines - storedBefore, duplicates: storedBefore, rejected: 0 },
    'the completed import accepted the lines not stored before and found the others duplicates',
  );
}

/**
 * (a) `credence import` of a generated NDJSON file, killed at random points. A clean import first gives the run's
 * duration (kill delays are spread over it, from the spawn: module loading, parsing, validation, transactions,
 * commits) and checks the checks on an uninterrupted run. Then cycles on a fresh database: the import is killed
 * one to `killsPerCycleMax` times in a row, each restart re-running it, and then let finish; after every kill and
 * at every finish the database is checked.
 */
export async function runImportCrashes(
  workspace: Workspace,
  template: string,
  options: ImportCrashOptions,
): Promise<ImportCrashReport> {
  const started = performance.now();
  const rand = seededRandom(`${options.seed}/import`);
  const lines = importLines(options.lines, `${options.seed}/import-file`);
  const file = workspace.path('records.ndjson');
  writeFileSync(file, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  const importArgs = (db: string) => ['import', file, '--agency', importAgency, '--db', db, '--now', now, '--json'];

  const cleanDb = workspace.path('import-clean.db');
  copyFileSync(template, cleanDb);
  const clean = await runCredence(workspace, importArgs(cleanDb));
  await within(`seed ${options.seed}, clean import`, async () => {
    checkImportCompleted(clean, lines.length, 0);
    assert.equal(checkImportState((await checkDatabase(workspace, cleanDb)).records, lines), lines.length);
  });
  removeDatabase(cleanDb);

  const points: KillPoint[] = [];
  const progress = { noBatchCommitted: 0, someBatchesCommitted: 0, allBatchesCommitted: 0 };
  let cycles = 0;
  while (points.length < options.kills) {
    cycles++;
    const db = workspace.path(`import-${cycles}.db`);
    copyFileSync(template, db);
    const killsInCycle = Math.min(options.kills - points.length, 1 + Math.floor(rand() * options.killsPerCycleMax));
    let stored = 0;
    for (let attempt = 1; ; attempt++) {
      // A re-run has less to do (the batches stored before are quick duplicates): its kills spread over less.
      const spanMs = clean.elapsedMs * (0.35 + (0.65 * (lines.length - stored)) / lines.length);
      const plan = attempt <= killsInCycle ? planKill(rand, spanMs, db) : undefined;
      const where = `seed ${options.seed}, import cycle ${cycles} attempt ${attempt}, ${describePlan(plan, points.length + 1, 'spawn')}`;
      const run = await runCredence(workspace, importArgs(db), plan);
      const finished = run.code === 0;
      const check = await within(where, async () => {
        if (!finished) assert.equal(run.signal, 'SIGKILL', `credence import failed (${run.code}): ${run.stderr}`);
        else checkImportCompleted(run, lines.length, stored);
        const found = await checkDatabase(workspace, db);
        const prefix = checkImportState(found.records, lines);
        if (finished) assert.equal(prefix, lines.length, 'lines missing after a finished import');
        return { found, prefix };
      });
      if (plan !== undefined) {
        const point: KillPoint = {
          phase: 'import',
          index: points.length + 1,
          delayMs: plan.delayMs,
          atWalWrite: plan.atWalWriteOf !== undefined,
          from: 'spawn',
          firedAfterMs: run.shot?.firedAfterMs,
          landed: (run.shot?.landed ?? false) && !finished,
          requestsInFlight: 0,
          recordsBefore: stored,
          recordsAfter: check.prefix,
          wal: check.found.wal,
        };
        points.push(point);
        if (point.landed) {
          if (check.prefix === lines.length) progress.allBatchesCommitted++;
          else if (check.prefix > stored) progress.someBatchesCommitted++;
          else progress.noBatchCommitted++;
        }
        options.onKill?.(point);
      }
      stored = check.prefix;
      if (finished) break;
    }
    removeDatabase(db);
  }
  return {
    seed: options.seed,
    lines: lines.length,
    linesPerBatch: recordsPerBatchMax,
    cleanImportMs: Math.round(clean.elapsedMs),
    cycles,
    kills: { ...summarize(points), ...progress },
    elapsedMs: Math.round(performance.now() - started),
    points,
  };
}

/** One item of an API batch: a new record, a re-send of an acknowledged one, or an invalid one. */
interface ApiItem {
  readonly key: string;
  readonly agency: ApiAgency;
  readonly line: RecordLine;
  readonly valid: boolean;
  /** A re-send of a record already acknowledged: the answer must be a duplicate with the same id. */
  readonly resent: boolean;
}

interface ApiBatch {
  readonly id: number;
  readonly agency: ApiAgency;
  readonly items: readonly ApiItem[];
  attempts: number;
}

const apiBatchSizeMax = 80;

/**
 * The API workload: batches of one agency's records about a shared pool of people, some with a re-send of records
 * already acknowledged and, rarely, an invalid item (a wrong check character) that must be refused and never
 * stored. A batch that got no answer goes back in the queue and is sent again, before any new one.
 */
class ApiWorkload {
  readonly #rand: Random;
  readonly #people: readonly string[];
  readonly #retry: ApiBatch[] = [];
  #records = 0;
  #batches = 0;
  /** Every valid record generated, by key. */
  readonly items = new Map<string, ApiItem>();
  readonly invalid = new Set<string>();

  constructor(seed: string, people: number) {
    this.#rand = seededRandom(seed);
    this.#people = residentIds(people, this.#rand);
  }

  get unanswered(): readonly ApiBatch[] {
    return this.#retry;
  }

  retry(batch: ApiBatch): void {
    this.#retry.push(batch);
  }

  next(acknowledged: ReadonlyMap<string, number>, fresh: boolean): ApiBatch | undefined {
    const again = this.#retry.shift();
    if (again !== undefined || !fresh) return again;
    const rand = this.#rand;
    const agency = pick(rand, apiAgencies);
    const size = 2 + Math.floor(rand() * (apiBatchSizeMax - 1));
    const items: ApiItem[] = [];
    for (let i = 0; i < size; i++) {
      this.#records++;
      const agencyRef = `API-${agency === 'traffic-police' ? 'TP' : 'AC'}-${String(this.#records).padStart(7, '0')}`;
      const line = recordLine(rand, agency, agencyRef, pick(rand, this.#people));
      const item: ApiItem = { key: keyOf(agency, agencyRef), agency, line, valid: true, resent: false };
      this.items.set(item.key, item);
      items.push(item);
    }
    if (rand() < 0.1) {
      const agencyRef = `API-BAD-${this.#batches + 1}`;
      const wrong = pick(rand, this.#people);
      const subject = `${wrong.slice(0, 17)}${wrong.endsWith('0') ? '1' : '0'}`;
      const line = { ...recordLine(rand, agency, agencyRef, wrong), subject };
      const key = keyOf(agency, agencyRef);
      this.invalid.add(key);
      items.splice(Math.floor(rand() * items.length), 0, { key, agency, line, valid: false, resent: false });
    }
    if (rand() < 0.2) {
      const earlier = [...acknowledged.keys()].filter((k) => this.items.get(k)?.agency === agency);
      for (let i = 0; i < 3 && earlier.length > 0; i++) {
        const item = this.items.get(pick(rand, earlier));
        if (item !== undefined) items.push({ ...item, resent: true });
      }
    }
    this.#batches++;
    return { id: this.#batches, agency, items, attempts: 0 };
  }
}

interface SubmitAnswer {
  readonly results: readonly { index: number; status: string; recordId?: number; error?: { code: string } }[];
}

/**
 * The clients: `concurrency` loops posting batches until stopped. A batch is acknowledged only by a 200 answer
 * read whole; its items' results are checked as they come (a re-send answers duplicate with the original id).
 */
class Ingestion {
  readonly acknowledged = new Map<string, number>();
  readonly violations: string[] = [];
  requestsInFlight = 0;
  batchesAcknowledged = 0;
  duplicatesAcknowledged = 0;
  /** Posts that got no answer (the server was killed). */
  postsUnanswered = 0;
  #stopping = false;
  #draining = false;
  readonly #workload: ApiWorkload;
  readonly #tokens: Readonly<Record<ApiAgency, string>>;

  constructor(workload: ApiWorkload, tokens: Readonly<Record<ApiAgency, string>>) {
    this.#workload = workload;
    this.#tokens = tokens;
  }

  /** Posts until stopped; with `fresh` false, only the unanswered batches, until there are none. */
  async run(url: string, concurrency: number, fresh: boolean): Promise<void> {
    this.#stopping = false;
    this.#draining = !fresh;
    const client = async () => {
      for (;;) {
        if (this.#stopping) return;
        const batch = this.#workload.next(this.acknowledged, fresh);
        if (batch === undefined) return;
        await this.#post(url, batch);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, client));
  }

  stop(): void {
    this.#stopping = true;
  }

  async #post(url: string, batch: ApiBatch): Promise<void> {
    batch.attempts++;
    this.requestsInFlight++;
    let answer: { status: number; text: string } | undefined;
    try {
      const response = await fetch(`${url}/v1/records`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.#tokens[batch.agency]}`, 'content-type': 'application/json' },
        body: JSON.stringify({ records: batch.items.map((i) => i.line) }),
        signal: AbortSignal.timeout(requestMaxMs),
      });
      answer = { status: response.status, text: await response.text() };
    } catch (error) {
      // No answer (the server was killed): not acknowledged, sent again after the restart.
      if (error instanceof Error && error.name === 'TimeoutError')
        this.violations.push(`batch ${batch.id} got no answer in ${requestMaxMs} ms`);
    } finally {
      this.requestsInFlight--;
    }
    if (answer === undefined) {
      this.#workload.retry(batch);
      if (this.#draining) {
        this.violations.push(`batch ${batch.id} got no answer from a server nobody killed`);
        this.stop();
      } else this.postsUnanswered++;
      return;
    }
    if (answer.status !== 200) {
      this.violations.push(`batch ${batch.id} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
      this.#workload.retry(batch);
      this.stop();
      return;
    }
    this.#acknowledge(batch, JSON.parse(answer.text) as SubmitAnswer);
  }

  #acknowledge(batch: ApiBatch, answer: SubmitAnswer): void {
    this.batchesAcknowledged++;
    if (answer.results.length !== batch.items.length)
      this.violations.push(`batch ${batch.id}: ${answer.results.length} results for ${batch.items.length} items`);
    for (const result of answer.results) {
      const item = batch.items[result.index];
      if (item === undefined) continue;
      if (!item.valid) {
        if (result.status !== 'rejected') this.violations.push(`invalid ${item.key} answered ${result.status}`);
        continue;
      }
      if (result.status !== 'accepted' && result.status !== 'duplicate') {
        this.violations.push(`${item.key} answered ${result.status} (${result.error?.code ?? ''})`);
        continue;
      }
      const earlier = this.acknowledged.get(item.key);
      if (earlier !== undefined) {
        this.duplicatesAcknowledged++;
        if (result.status !== 'duplicate' || result.recordId !== earlier)
          this.violations.push(
            `${item.key}, acknowledged as record ${earlier}, answered ${result.status} ${result.recordId ?? ''}`,
          );
      } else if (result.recordId === undefined) {
        this.violations.push(`${item.key} answered ${result.status} without a record id`);
      } else {
        this.acknowledged.set(item.key, result.recordId);
      }
    }
  }
}

interface Server {
  readonly child: ChildProcess;
  readonly exited: Promise<[number | null, NodeJS.Signals | null]>;
  /** The URL once it listens; undefined if it exited first or took longer than `serverStartMaxMs`. */
  readonly ready: Promise<string | undefined>;
  listening(): boolean;
}

/** Bounds on waiting, so that a stuck server fails the run instead of hanging it. */
const serverStartMaxMs = 60_000;
const requestMaxMs = 60_000;

/** `credence serve` on a free port (--port 0); it says where it listens on stderr. */
function startServer(workspace: Workspace, db: string): Server {
  const child = workspace.spawnCredence(['serve', '--port', '0', '--host', '127.0.0.1', '--db', db], 'ignore');
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let stderr = '';
  let listening = false;
  const ready = new Promise<string | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), serverStartMaxMs);
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const found = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (found?.[1] !== undefined && !listening) {
        listening = true;
        clearTimeout(timer);
        resolve(found[1]);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
  return { child, exited, ready, listening: () => listening };
}

export interface ApiCrashReport {
  readonly seed: string;
  readonly databases: number;
  readonly kills: KillSummary & {
    /** Kills during the server's start (opening and recovering the database, loading the index). */
    readonly duringStartup: number;
    /** Kills with at least one POST /v1/records sent and not answered. */
    readonly withRequestsInFlight: number;
  };
  readonly batchesAcknowledged: number;
  readonly recordsAcknowledged: number;
  /** Re-sends of acknowledged records, each answered duplicate with the original id. */
  readonly duplicatesAcknowledged: number;
  /** Posts that got no answer because of a kill; their batches were sent again after the restart. */
  readonly postsUnanswered: number;
  readonly elapsedMs: number;
  readonly points: readonly KillPoint[];
}

export interface ApiCrashOptions {
  readonly kills: number;
  readonly seed: string;
  /** Kill delays after the server listens are spread over this span. */
  readonly windowMs: number;
  /** Kills on one database before it is drained, stopped gracefully and checked in full. */
  readonly killsPerDatabase: number;
  readonly concurrency: number;
  readonly people: number;
  readonly onKill?: (point: KillPoint) => void;
}

/** One kill in this many comes while the server starts, at a random point of its start; the others after. */
const startupKillEvery = 8;

/**
 * After a kill: every acknowledged record is stored once, with the id it was acknowledged with, as sent; no invalid
 * item is stored; every batch that got no answer is stored whole or not at all.
 */
function checkApiState(records: ReadonlyMap<string, StoredRecord>, workload: ApiWorkload, ingestion: Ingestion): void {
  assert.deepEqual(ingestion.violations, [], 'answers the server should not have given');
  for (const [key, id] of ingestion.acknowledged) {
    const item = workload.items.get(key);
    assert.ok(item, `${key} was generated`);
    assertSameContent(records.get(key), item.agency, item.line);
    assert.equal(records.get(key)?.id, id, `${key} was acknowledged as record ${id}, and is stored as another`);
  }
  for (const key of records.keys())
    assert.ok(workload.items.has(key), `${key} is stored, but no such valid record was sent`);
  for (const batch of workload.unanswered) {
    const fresh = batch.items.filter((i) => i.valid && !i.resent);
    const stored = fresh.filter((i) => records.has(i.key)).length;
    assert.ok(
      stored === 0 || stored === fresh.length,
      `batch ${batch.id}, unanswered: ${stored} of its ${fresh.length} records stored`,
    );
  }
}

/**
 * (b) API ingestion: a `credence serve` child takes concurrent POST /v1/records batches from the harness and is
 * killed at a random point, most often while it answers them, sometimes while it starts; after each kill the
 * database is checked and the server restarted, and the batches that got no answer are sent again. Every
 * `killsPerDatabase` kills, a last run sends every unanswered batch until answered and stops the server with
 * SIGTERM, and then every record generated must be stored exactly once.
 */
export async function runApiCrashes(
  workspace: Workspace,
  template: string,
  tokens: Readonly<Record<ApiAgency, string>>,
  options: ApiCrashOptions,
): Promise<ApiCrashReport> {
  const started = performance.now();
  const rand = seededRandom(`${options.seed}/api`);
  const points: KillPoint[] = [];
  let startupMs = 0;
  let databases = 0;
  let batchesAcknowledged = 0;
  let recordsAcknowledged = 0;
  let duplicatesAcknowledged = 0;
  let postsUnanswered = 0;
  let duringStartup = 0;

  while (points.length < options.kills) {
    databases++;
    const db = workspace.path(`api-${databases}.db`);
    copyFileSync(template, db);
    const workload = new ApiWorkload(`${options.seed}/api-workload-${databases}`, options.people);
    const ingestion = new Ingestion(workload, tokens);
    let storedBefore = 0;
    const killsHere = Math.min(options.killsPerDatabase, options.kills - points.length);
    for (let k = 0; k < killsHere; k++) {
      const index = points.length + 1;
      const spawnedAt = performance.now();
      const server = startServer(workspace, db);
      // However the server ends (this kill, or an abort of the workspace), the clients stop.
      void server.exited.then(() => ingestion.stop());
      const inStartup = startupMs > 0 && rand() < 1 / startupKillEvery;
      const plan = inStartup ? { delayMs: Math.round(rand() * startupMs) } : planKill(rand, options.windowMs, db);
      const where = `seed ${options.seed}, API database ${databases}, ${describePlan(plan, index, inStartup ? 'spawn' : 'ready')}`;
      let requestsInFlight = 0;
      let starting = false;
      const stopIngestion = () => {
        ingestion.stop();
        requestsInFlight = ingestion.requestsInFlight;
        starting = !server.listening();
      };
      let killSwitch: KillSwitch;
      if (inStartup) {
        killSwitch = new KillSwitch(server.child, plan, stopIngestion);
      } else {
        const url = await server.ready;
        await within(where, async () => assert.ok(url, 'the server did not start'));
        startupMs = Math.max(startupMs, performance.now() - spawnedAt);
        killSwitch = new KillSwitch(server.child, plan, stopIngestion);
        await ingestion.run(url ?? '', options.concurrency, true);
      }
      const [code, signal] = await server.exited;
      killSwitch.cancel();
      const landed = killSwitch.shot?.landed ?? false;
      if (landed && starting) duringStartup++;
      const check = await within(where, async () => {
        assert.equal(signal, 'SIGKILL', `the server ended by itself (${code})`);
        const found = await checkDatabase(workspace, db);
        checkApiState(found.records, workload, ingestion);
        return found;
      });
      const point: KillPoint = {
        phase: 'api',
        index,
        delayMs: plan.delayMs,
        atWalWrite: plan.atWalWriteOf !== undefined,
        from: inStartup ? 'spawn' : 'ready',
        firedAfterMs: killSwitch.shot?.firedAfterMs,
        landed,
        requestsInFlight,
        recordsBefore: storedBefore,
        recordsAfter: check.records.size,
        wal: check.wal,
      };
      storedBefore = check.records.size;
      points.push(point);
      options.onKill?.(point);
    }

    // The last restart: send every unanswered batch until answered, stop gracefully, and find everything stored.
    await within(`seed ${options.seed}, API database ${databases}, final run`, async () => {
      const server = startServer(workspace, db);
      const url = await server.ready;
      assert.ok(url, 'the server did not start');
      await ingestion.run(url, options.concurrency, false);
      server.child.kill('SIGTERM');
      const [code] = await server.exited;
      assert.equal(code, 0, 'the server did not stop gracefully on SIGTERM');
      assert.equal(workload.unanswered.length, 0, 'batches left unanswered by a server nobody killed');
      const found = await checkDatabase(workspace, db);
      checkApiState(found.records, workload, ingestion);
      assert.equal(ingestion.acknowledged.size, workload.items.size, 'records generated but never acknowledged');
      assert.equal(found.records.size, workload.items.size, 'records stored other than those generated, once each');
      for (const key of workload.invalid) assert.ok(!found.records.has(key), `invalid ${key} is stored`);
    });
    batchesAcknowledged += ingestion.batchesAcknowledged;
    recordsAcknowledged += ingestion.acknowledged.size;
    duplicatesAcknowledged += ingestion.duplicatesAcknowledged;
    postsUnanswered += ingestion.postsUnanswered;
    removeDatabase(db);
  }
  return {
    seed: options.seed,
    databases,
    kills: {
      ...summarize(points),
      duringStartup,
      withRequestsInFlight: points.filter((p) => p.requestsInFlight > 0).length,
    },
    batchesAcknowledged,
    recordsAcknowledged,
    duplicatesAcknowledged,
    postsUnanswered,
    elapsedMs: Math.round(performance.now() - started),
    points,
  };
}

/**
 * Runs the two phases side by side (each is mostly one process at a time; the machine has two cores). The first
 * failure aborts the workspace, so that the other phase stops at its next step, and is the one thrown.
 */
export async function runSideBySide<A, B>(
  workspace: Workspace,
  first: () => Promise<A>,
  second: () => Promise<B>,
): Promise<[A, B]> {
  let failure: { error: unknown } | undefined;
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      failure ??= { error };
      await workspace.abort();
      throw error;
    }
  };
  const [a, b] = await Promise.allSettled([guard(first), guard(second)]);
  if (a.status === 'fulfilled' && b.status === 'fulfilled') return [a.value, b.value];
  throw failure?.error ?? new Error('a phase failed');
}

/** The JSON diagnostic line: both reports without their kill points, and the totals. */
export function crashSummary(imported: ImportCrashReport, ingested: ApiCrashReport, elapsedMs: number): object {
  const { points: importPoints, ...importReport } = imported;
  const { points: apiPoints, ...apiReport } = ingested;
  const all = [...importPoints, ...apiPoints];
  return {
    killPoints: { ...summarize(all), withRequestsInFlight: ingested.kills.withRequestsInFlight },
    elapsedMs: Math.round(elapsedMs),
    import: importReport,
    api: apiReport,
  };
}
