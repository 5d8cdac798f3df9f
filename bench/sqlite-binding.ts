/**
 * Binding benchmark for the embedded store: how fast node:sqlite (DatabaseSync) writes and reads a table shaped like
 * `records`. A temporary database file in WAL mode with synchronous=FULL, one prepared INSERT, transactions of
 * 10,000 rows; then point reads by primary key on the same file. Each run starts from an empty file; the figures
 * reported are the medians over the runs.
 *
 * Usage: node bench/sqlite-binding.ts [--rows N] [--reads N] [--runs N]
 * Prints one JSON object on stdout; progress goes to stderr.
 *
 * A plain-JavaScript twin of this program, for better-sqlite3, must generate the same rows and time the same steps
 * so that the two sets of figures can be compared.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';

const batchSize = 10_000;

const schema = `
  CREATE TABLE records (
    id INTEGER PRIMARY KEY,
    agency TEXT NOT NULL,
    agency_ref TEXT NOT NULL,
    subject TEXT NOT NULL,
    code TEXT NOT NULL,
    effective_at INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    evidence TEXT NOT NULL,
    amount REAL,
    UNIQUE (agency, agency_ref)
  );
  CREATE INDEX records_subject ON records (subject);
`;

const insertSql = `INSERT INTO records (agency, agency_ref, subject, code, effective_at, recorded_at, evidence, amount)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;

const selectSql = 'SELECT * FROM records WHERE id = ?';

const agencies = ['ACMA', 'ASIC', 'ACCC', 'ATO', 'AUSTRAC', 'OAIC', 'TGA'];
const codes = ['LATE-FILING', 'BREACH', 'CAUTION', 'INFRINGEMENT', 'COMMENDATION'];
const baseMs = Date.UTC(2020, 0, 1);

interface Options {
  readonly rows: number;
  readonly reads: number;
  readonly runs: number;
}

interface RunResult {
  readonly insertSeconds: number;
  readonly rowsPerSecond: number;
  readonly readSeconds: number;
  readonly readsPerSecond: number;
}

function parsePositive(flag: string, value: string | undefined): number {
  const n = Number(value?.replaceAll('_', ''));
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new Error(`${flag} needs a positive integer, got ${String(value)}`);
  }
  return n;
}

function parseOptions(argv: readonly string[]): Options {
  let rows = 1_000_000;
  let reads = 200_000;
  let runs = 3;
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    const value = argv[i + 1];
    i += 1;
    if (flag === '--rows') rows = parsePositive(flag, value);
    else if (flag === '--reads') reads = parsePositive(flag, value);
    else if (flag === '--runs') runs = parsePositive(flag, value);
    else throw new Error(`unknown argument ${String(flag)} (expected --rows, --reads or --runs)`);
  }
  return { rows, reads, runs };
}

/** The values of row `i` (0-based), in the order of the INSERT's placeholders. Deterministic. */
function rowValues(i: number, subjectCount: number): SQLInputValue[] {
  const effectiveAt = baseMs + i * 1000;
  return [
    agencies[i % agencies.length] ?? 'ACMA',
    `REF-${i}`,
    `SUBJ-${(i * 7919) % subjectCount}`,
    codes[i % codes.length] ?? 'BREACH',
    effectiveAt,
    effectiveAt + 500,
    `https://evidence.example.org/notices/${i}/decision.pdf`,
    i % 3 === 0 ? null : (i % 100_000) / 100,
  ];
}

/** A small seeded generator (mulberry32) so that every run and both bindings read the same keys. */
function keyGenerator(seed: number, max: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const r = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return 1 + Math.floor(r * max);
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const hi = sorted[mid] ?? Number.NaN;
  const lo = sorted[mid - 1] ?? hi;
  return sorted.length % 2 === 1 ? hi : (lo + hi) / 2;
}

function pragma(db: DatabaseSync, sql: string): unknown {
  const row = db.prepare(sql).get();
  return row === undefined ? undefined : Object.values(row)[0];
}

function runOnce(options: Options, run: number): RunResult {
  const dir = mkdtempSync(join(tmpdir(), 'sqlite-binding-'));
  const db = new DatabaseSync(join(dir, 'bench.db'));
  try {
    const journalMode = pragma(db, 'PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = FULL');
    const synchronous = pragma(db, 'PRAGMA synchronous');
    if (journalMode !== 'wal' || synchronous !== 2) {
      throw new Error(`pragmas not applied: journal_mode=${String(journalMode)} synchronous=${String(synchronous)}`);
    }
    db.exec(schema);

    const subjectCount = Math.max(1, Math.floor(options.rows / 20));
    const insert = db.prepare(insertSql);
    const insertStart = performance.now();
    for (let start = 0; start < options.rows; start += batchSize) {
      const end = Math.min(start + batchSize, options.rows);
      db.exec('BEGIN');
      try {
        for (let i = start; i < end; i += 1) insert.run(...rowValues(i, subjectCount));
        db.exec('COMMIT');
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
    }
    const insertSeconds = (performance.now() - insertStart) / 1000;

    const count = pragma(db, 'SELECT count(*) FROM records');
    if (count !== options.rows) throw new Error(`expected ${options.rows} rows, found ${String(count)}`);

    const select = db.prepare(selectSql);
    const nextKey = keyGenerator(42, options.rows);
    let checksum = 0;
    const readStart = performance.now();
    for (let r = 0; r < options.reads; r += 1) {
      const row = select.get(nextKey());
      if (row === undefined) throw new Error('point read missed a row');
      checksum += typeof row.agency_ref === 'string' ? row.agency_ref.length : 0;
    }
    const readSeconds = (performance.now() - readStart) / 1000;
    if (checksum === 0) throw new Error('point reads returned no data');

    const result: RunResult = {
      insertSeconds,
      rowsPerSecond: options.rows / insertSeconds,
      readSeconds,
      readsPerSecond: options.reads / readSeconds,
    };
    process.stderr.write(
      `run ${run}: ${Math.round(result.rowsPerSecond)} rows/s insert, ${Math.round(result.readsPerSecond)} reads/s\n`,
    );
    return result;
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const options = parseOptions(process.argv.slice(2));
  const probe = new DatabaseSync(':memory:');
  const sqliteVersion = pragma(probe, 'SELECT sqlite_version()');
  probe.close();

  const results: RunResult[] = [];
  for (let run = 1; run <= options.runs; run += 1) results.push(runOnce(options, run));

  const round = (n: number): number => Math.round(n);
  process.stdout.write(
    `${JSON.stringify({
      binding: 'node:sqlite',
      node: process.version,
      sqlite: sqliteVersion,
      journalMode: 'wal',
      synchronous: 'FULL',
      rows: options.rows,
      batchSize,
      reads: options.reads,
      runs: options.runs,
      insertRowsPerSecond: round(median(results.map((r) => r.rowsPerSecond))),
      pointReadsPerSecond: round(median(results.map((r) => r.readsPerSecond))),
      perRun: results.map((r) => ({
        insertSeconds: Number(r.insertSeconds.toFixed(3)),
        rowsPerSecond: round(r.rowsPerSecond),
        readSeconds: Number(r.readSeconds.toFixed(3)),
        readsPerSecond: round(r.readsPerSecond),
      })),
    })}\n`,
  );
}

main();
