/**
 * The embedded store on node:sqlite (built into Node 24: no native build; see docs/architecture.md for the
 * measurement behind the choice). One connection, WAL journal, synchronous=FULL so that an acknowledged
 * write survives a crash. node:sqlite is synchronous; the port is asynchronous for the networked adapters, so
 * transactions are queued here and never interleave. Subjects are numbered (subjects.id): the tables that grow
 * with the records name them by number, and their reads join `subjects` for the lookup token the row mappers open.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type SQLOutputValue, type StatementSync } from 'node:sqlite';
import { auditEventsPageBytesMax } from '../../core/constants.ts';
import type { CatalogVersion } from '../../core/catalog.ts';
import { firstEndAfter, lastEndOf, type Derivation } from '../../core/derive.ts';
import type { SubjectId, SubjectKind } from '../../core/identifiers.ts';
import type { RecordFact } from '../../core/record.ts';
import type { Relation } from '../../core/standing.ts';
import {
  KeysMismatchError,
  DatabaseFormatError,
  DatabaseMissingError,
  DuplicateReferenceError,
  type Agency,
  type AccountRecord,
  type AuditCheckpoint,
  type AuditEvent,
  type StoredAuditEvent,
  type CalendarRecord,
  type Change,
  type DerivationDifference,
  type DerivationScan,
  type ScanPart,
  type CatalogDraftRecord,
  type DeliveryStatus,
  type Objection,
  type ObjectionStatus,
  type Repair,
  type RepairStatus,
  type StoredNotice,
  type NoticeDelivery,
  type TokenRecord,
  type TransactionOptions,
  type ListMember,
  type IdentifierProtector,
  type Store,
  type StoreSummary,
  type StoreTransaction,
} from '../ports.ts';
import {
  accountFromRow,
  agencyFromRow,
  auditFromRow,
  parsedAuditEvent,
  catalogDraftFromRow,
  catalogVersionFromRow,
  checkpointFromRow,
  deliveryFromRow,
  derivationOpenedWhenRead,
  listMemberFromRow,
  noticeBody,
  noticeFromRow,
  type NoticeRecord,
  num,
  objectionFromRow,
  recordColumns,
  recordFromRow,
  recordFromValues,
  relationFromRow,
  repairFromRow,
  str,
  subjectFromRow,
  tokenFromRow,
  type Row,
} from '../rows.ts';
import { derivationBody, derivationDifferences, derivationOfBody } from '../derivation-body.ts';

import { ChangeNote, changeFromRow, OwnChanges } from '../changes.ts';
import { Identities } from '../identities.ts';
import { migrations } from './migrations.ts';

/** Parameters per statement stay under SQLite's default limit of 32,766 host parameters. */
const keysPerQueryMax = 500;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface SqliteStoreOptions {
  /** Keeps identifiers from the database file: lookup tokens in every column, each identifier sealed once. */
  readonly keys: IdentifierProtector;
  /** Create the file (and its folder) if missing; otherwise a missing file is a DatabaseMissingError. */
  readonly create?: boolean;
}

export const databaseMissing = (path: string) =>
  new DatabaseMissingError(`database ${path} does not exist; create it with: credence demo --db ${path}`);

export function openSqliteStore(path: string, options: SqliteStoreOptions): Store {
  const inMemory = path === ':memory:';
  if (!inMemory && !existsSync(path)) {
    if (!options.create) throw databaseMissing(path);
    mkdirSync(dirname(path), { recursive: true });
  }
  const db = new DatabaseSync(path);
  db.exec(
    // cache_size: Node's SQLite is built with a 2 MB page cache; 64 MB took batched inserts up by about a third
    // (bench/sqlite-binding.ts; docs/performance.md).
    'PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA cache_size = -65536;',
  );
  migrate(db);
  checkKeys(db, options.keys);
  // An in-memory database cannot be shared between connections; there the reader is the writer.
  const reader = inMemory ? db : new DatabaseSync(path, { readOnly: true });
  if (!inMemory) reader.exec('PRAGMA busy_timeout = 5000; PRAGMA cache_size = -65536;');
  return new SqliteStore(db, reader, options.keys);
}

/**
 * The database remembers which lookup key it was made with (a token of a fixed text, which tells nothing of the
 * key): opened with another key it would find nobody and answer for everyone as for a stranger, so it is refused.
 */
function checkKeys(db: DatabaseSync, keys: IdentifierProtector): void {
  const expected = keys.lookup(keyCheckText);
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(keyCheckMeta);
  if (row === undefined) {
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(keyCheckMeta, expected);
  } else if (str(row.value) !== expected) {
    db.close();
    throw new KeysMismatchError('these keys are not the ones this database was made with; give its own key file');
  }
}

const keyCheckMeta = 'identities.key-check';
const keyCheckText = 'credence identities key check';

function migrate(db: DatabaseSync) {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY) STRICT');
  const applied = new Set(
    db
      .prepare('SELECT name FROM schema_migrations')
      .all()
      .map((r) => str(r.name)),
  );
  for (const migration of migrations) {
    if (applied.has(migration.name)) continue;
    if (migration.name === '0011-identities' && db.prepare('SELECT 1 FROM subjects LIMIT 1').get() !== undefined) {
      db.close();
      throw new DatabaseFormatError(
        'this database was made by an earlier Credence that stored identifiers in clear; it cannot be opened. Recreate a demo with: credence demo (or remove the file); real data: re-import its records into a new database',
      );
    }
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (name) VALUES (?)').run(migration.name);
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  }
}

/**
 * A record's columns as recordFromValues reads them, the subject's number replaced by its lookup token: the tables
 * that grow with the records name their subject by its number (migration 0014).
 */
const recordsWithTokens = `SELECT ${recordColumns
  .split(', ')
  .map((column) => (column === 'subject' ? 's.key AS subject' : `r.${column}`))
  .join(', ')} FROM records r JOIN subjects s ON s.id = r.subject`;

/** A notice's columns with its record's that a body of layout 2 leaves out (store/notice-body.ts). */
const noticeColumns =
  'n.kind, n.adverse, n.record_id, n.created_at_ms, n.body, r.code AS record_code, r.evidence AS record_evidence, r.effective_at_ms AS record_effective_at_ms';
const noticesWithTokens = `SELECT n.id, s.key AS subject, ${noticeColumns} FROM notices n JOIN subjects s ON s.id = n.subject JOIN records r ON r.id = n.record_id`;

/** A subject's number from its lookup token, as a scalar subquery (NULL for one that is not registered). */
const numberOfToken = '(SELECT id FROM subjects WHERE key = ?)';

export class UnregisteredSubjectError extends Error {
  readonly code = 'unregistered_subject';
}

/**
 * The numbers of registered subjects by lookup token, cached like the identities: those committed, within a bound,
 * and those the open transaction registered or found (kept only if it commits; a rolled-back registration's
 * number may be given to another subject later).
 */
class SubjectNumbers {
  readonly #committed = new Map<string, number>();
  readonly #pending = new Map<string, number>();

  get(token: string): number | undefined {
    return this.#committed.get(token) ?? this.#pending.get(token);
  }

  /** A number the open transaction registered or read: known once it commits. */
  found(token: string, n: number): void {
    this.#pending.set(token, n);
  }

  /** A number read outside any write (the reader's connection): committed already, and never changed. */
  foundCommitted(token: string, n: number): void {
    if (this.#committed.size >= subjectNumbersCacheMax) this.#committed.clear();
    this.#committed.set(token, n);
  }

  transactionEnded(committed: boolean): void {
    if (committed) {
      if (this.#committed.size + this.#pending.size > subjectNumbersCacheMax) this.#committed.clear();
      for (const [token, n] of this.#pending) {
        if (this.#committed.size >= subjectNumbersCacheMax) break;
        this.#committed.set(token, n);
      }
    }
    this.#pending.clear();
  }
}

const subjectNumbersCacheMax = 1_000_000;

/** One SQLite connection with its prepared statements. */
class Connection {
  readonly db: DatabaseSync;
  readonly ids: Identities;
  readonly numbers: SubjectNumbers;
  readonly #statements = new Map<string, StatementSync>();

  /** The read-only connection sees only what is committed. */
  readonly #readOnly: boolean;

  constructor(db: DatabaseSync, ids: Identities, numbers: SubjectNumbers, readOnly: boolean) {
    this.db = db;
    this.ids = ids;
    this.numbers = numbers;
    this.#readOnly = readOnly;
  }

  /** The number of a registered subject, by identifier; a subject that is not registered is a programming error. */
  numberOf(clear: string): number {
    const n = this.numberOrUndefined(clear);
    if (n === undefined) {
      throw new UnregisteredSubjectError('a subject must be registered before anything is stored about it');
    }
    return n;
  }

  numberOrUndefined(clear: string): number | undefined {
    const token = this.ids.token(clear);
    const known = this.numbers.get(token);
    if (known !== undefined) return known;
    const row = this.prepare('SELECT id FROM subjects WHERE key = ?').get(token);
    if (row === undefined) return undefined;
    const n = num(row.id);
    if (this.#readOnly) this.numbers.foundCommitted(token, n);
    else this.numbers.found(token, n);
    return n;
  }

  prepare(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  all(sql: string, ...params: SQLInputValue[]): Row[] {
    return this.prepare(sql).all(...params) as Row[];
  }

  byKeys(sqlWithList: (placeholders: string) => string, keys: readonly string[], prefix: SQLInputValue[] = []): Row[] {
    const rows: Row[] = [];
    for (const part of chunks([...new Set(keys)], keysPerQueryMax)) {
      rows.push(...this.all(sqlWithList(part.map(() => '?').join(',')), ...prefix, ...part));
    }
    return rows;
  }

  /** Stores an identifier's sealed form under its token, once; returns the token. */
  remember(clear: string): string {
    const token = this.ids.token(clear);
    if (this.ids.isStored(token)) return token;
    if (this.prepare('SELECT 1 FROM identities WHERE token = ?').get(token) === undefined) {
      this.prepare('INSERT INTO identities (token, sealed) VALUES (?, ?)').run(token, this.ids.seal(clear));
    }
    this.ids.storedInTransaction(token);
    return token;
  }

  subjectsOfPassports(keys: readonly string[]): Map<string, string> {
    const passports = keys.filter((k) => k.startsWith('passport:'));
    const rows = this.byKeys(
      (list) => `SELECT passport, subject FROM passports WHERE passport IN (${list})`,
      this.ids.tokens(passports),
    );
    return new Map(rows.map((row) => [this.ids.clear(str(row.passport)), this.ids.clear(str(row.subject))]));
  }

  disputedRecordsOf(subjects: readonly string[]): Map<string, Set<number>> {
    const rows = this.byKeys(
      (list) => `SELECT subject, record_id FROM objections WHERE status = 'open' AND subject IN (${list})`,
      this.ids.tokens(subjects),
    );
    const out = new Map<string, Set<number>>();
    for (const row of rows) {
      const subject = this.ids.clear(str(row.subject));
      const set = out.get(subject) ?? new Set<number>();
      set.add(num(row.record_id));
      out.set(subject, set);
    }
    return out;
  }

  /**
   * The records of every subject whose number lies from `first` to `last`, by subject (their identifiers given in
   * `subjects`, by number): one range of records_by_subject read in its own order, rows as arrays. What a scan of
   * the whole register reads (a rebuild), at 2.5 times the rate of recordsOf's lookups and sort.
   */
  recordsBetween(first: number, last: number, subjects: ReadonlyMap<number, SubjectId>): Map<string, RecordFact[]> {
    const statement = this.prepare(
      `SELECT ${recordColumns} FROM records WHERE subject >= ? AND subject <= ? ORDER BY subject, id`,
    );
    statement.setReturnArrays(true);
    const bySubject = new Map<string, RecordFact[]>();
    let n: unknown;
    let key = '';
    let list: RecordFact[] = [];
    // With setReturnArrays the rows are arrays, which node:sqlite's types do not say.
    for (const values of statement.all(first, last) as unknown as SQLOutputValue[][]) {
      if (values[3] !== n) {
        n = values[3];
        const subject = subjects.get(num(n));
        if (subject === undefined) throw new Error('a record names a subject that is not registered');
        key = subject.key;
        list = [];
        bySubject.set(key, list);
      }
      list.push(recordFromValues(values, key));
    }
    return bySubject;
  }

  /**
   * Rows about some subjects, looked up by subject number (cached from their registration or an earlier lookup; a
   * subject without one has none), as arrays, each passed with its subject's identifier: 1.7 times the rate of
   * joining subjects for their tokens (bench/city.ts's import).
   */
  #eachBySubject(
    subjects: readonly string[],
    select: (placeholders: string) => string,
    subjectColumn: number,
    each: (values: SQLOutputValue[], subject: string) => void,
  ): void {
    const keys = new Map<number, string>();
    for (const key of new Set(subjects)) {
      const n = this.numberOrUndefined(key);
      if (n !== undefined) keys.set(n, key);
    }
    for (const part of chunks([...keys.keys()], keysPerQueryMax)) {
      const statement = this.prepare(select(part.map(() => '?').join(',')));
      statement.setReturnArrays(true);
      // With setReturnArrays the rows are arrays, which node:sqlite's types do not say.
      for (const values of statement.all(...part) as unknown as SQLOutputValue[][])
        each(values, keys.get(num(values[subjectColumn])) ?? '');
    }
  }

  /** The records of each subject, in id order. */
  recordsOf(subjects: readonly string[]): Map<string, RecordFact[]> {
    const bySubject = new Map<string, RecordFact[]>();
    this.#eachBySubject(
      subjects,
      (list) => `SELECT ${recordColumns} FROM records WHERE subject IN (${list}) ORDER BY subject, id`,
      3,
      (values, subject) => {
        const record = recordFromValues(values, subject);
        const list = bySubject.get(subject);
        if (list === undefined) bySubject.set(subject, [record]);
        else list.push(record);
      },
    );
    return bySubject;
  }

  /** The stored derivation of each subject that has one. */
  derivationsOf(subjects: readonly string[]): Map<string, Derivation> {
    const found = new Map<string, Derivation>();
    this.#eachBySubject(
      subjects,
      (list) => `SELECT subject, kind, body FROM derivations WHERE subject IN (${list})`,
      0,
      ([, kind, body], subject) => found.set(subject, derivationOfBody(str(body), subject, str(kind) as SubjectKind)),
    );
    return found;
  }

  derivationsDiffering(derivations: readonly Derivation[]): Map<string, DerivationDifference> {
    const stored = new Map<string, { kind: string; body: string }>();
    this.#eachBySubject(
      derivations.map((d) => d.subject),
      (list) => `SELECT subject, kind, body FROM derivations WHERE subject IN (${list})`,
      0,
      ([, kind, body], subject) => stored.set(subject, { kind: str(kind), body: str(body) }),
    );
    return derivationDifferences(derivations, (d) => stored.get(d.subject));
  }
}

/**
 * Writes go through the writer connection inside queued transactions; reads outside a transaction go through a
 * second connection, which in WAL mode sees only committed data (never a transaction still in progress).
 */
class SqliteStore implements Store {
  readonly #writer: Connection;
  readonly #reader: Connection;
  readonly #ownChanges = new OwnChanges();
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(writer: DatabaseSync, reader: DatabaseSync, protector: IdentifierProtector) {
    // Identities are read through the writer: inside a transaction it sees those the transaction just stored.
    let writerConnection: Connection | undefined;
    const ids = new Identities(protector, (token) => {
      const row = writerConnection?.prepare('SELECT sealed FROM identities WHERE token = ?').get(token);
      return row === undefined ? undefined : str(row.sealed);
    });
    const numbers = new SubjectNumbers();
    this.#writer = writerConnection = new Connection(writer, ids, numbers, false);
    this.#reader = reader === writer ? this.#writer : new Connection(reader, ids, numbers, true);
  }

  get #ids(): Identities {
    return this.#writer.ids;
  }

  transaction<T>(work: (tx: StoreTransaction) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const db = this.#writer.db;
    // In WAL mode, synchronous=NORMAL skips the fsync at commit; the WAL is still synced at checkpoints.
    const relaxed = options.durability === 'process';
    const run = async () => {
      if (relaxed) db.exec('PRAGMA synchronous = NORMAL');
      db.exec('BEGIN IMMEDIATE');
      try {
        const note = new ChangeNote();
        const result = await work(this.#transactionView(note));
        const change = note.body();
        const changeId =
          change === undefined
            ? undefined
            : Number(this.#writer.prepare('INSERT INTO changes (body) VALUES (?)').run(change).lastInsertRowid);
        db.exec('COMMIT');
        if (changeId !== undefined) this.#ownChanges.committed(changeId);
        this.#ids.transactionEnded(true);
        this.#writer.numbers.transactionEnded(true);
        return result;
      } catch (error) {
        if (db.isTransaction) db.exec('ROLLBACK');
        this.#ids.transactionEnded(false);
        this.#writer.numbers.transactionEnded(false);
        throw error;
      } finally {
        if (relaxed) db.exec('PRAGMA synchronous = FULL');
      }
    };
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  #transactionView(note: ChangeNote): StoreTransaction {
    const w = this.#writer;
    const insertRecord = w.prepare(
      `INSERT INTO records (agency, agency_ref, subject, code, effective_at_ms, recorded_at_ms, evidence, amount, case_ref, retracts, ends)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // What this transaction's records hold of the notices it writes next (notice-body.ts layout 2): nearly every
    // notice is of a record just stored, found here instead of read back (2.5% of an import's time).
    const recordsStored = new Map<number, NoticeRecord>();
    return {
      recordsByRef: async (agency, agencyRefs) => {
        const rows = w.byKeys(
          (list) => `${recordsWithTokens} WHERE r.agency = ? AND r.agency_ref IN (${list})`,
          agencyRefs,
          [agency],
        );
        return new Map(rows.map((row) => [str(row.agency_ref), recordFromRow(row, this.#ids)]));
      },
      recordsOf: async (subjects) => w.recordsOf(subjects),
      subjectsOf: async (keys) => {
        const rows = w.byKeys((list) => `SELECT * FROM subjects WHERE key IN (${list})`, this.#ids.tokens(keys));
        const subjects = rows.map((row) => subjectFromRow(row, this.#ids));
        return new Map(subjects.map((subject) => [subject.key, subject]));
      },
      auditTail: async () => {
        const row = w.prepare('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1').get();
        return row === undefined ? undefined : { seq: num(row.seq), hash: str(row.hash) };
      },
      insertCatalogVersion: async (v) => {
        note.catalogs();
        w.prepare(
          'INSERT INTO catalog_versions (scheme_id, version, published_at_ms, effective_from_ms, body) VALUES (?, ?, ?, ?, ?)',
        ).run(v.schemeId, v.version, v.publishedAtMs, v.effectiveFromMs, JSON.stringify(v.catalog));
      },
      putAgencies: async (agencies) => {
        const statement = w.prepare(
          'INSERT INTO agencies (id, kind, name_zh, name_en) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name_zh = excluded.name_zh, name_en = excluded.name_en',
        );
        for (const a of agencies) statement.run(a.id, a.kind, a.name['zh-CN'], a.name.en);
      },
      rememberIdentity: async (identifier) => {
        w.remember(identifier);
      },
      putSubjects: async (subjects) => {
        const statement = w.prepare(
          'INSERT INTO subjects (key, scheme, kind, region) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING RETURNING id',
        );
        // In token order: identities and the subjects' key index are keyed by the token, so a large registration
        // appends to their B-trees instead of writing pages all over them (a city's 22M subjects would not fit the
        // page cache). A subject registered now has its number at hand for the records that follow.
        const byToken = subjects.map((s) => ({ s, token: w.ids.token(s.key) }));
        byToken.sort((a, b) => (a.token < b.token ? -1 : a.token > b.token ? 1 : 0));
        // A subject registered before (most, in an import) is found by one lookup, which also caches its number
        // for the records that follow; its identity was stored with it.
        for (const { s, token } of byToken) {
          if (w.numberOrUndefined(s.key) !== undefined) continue;
          const row = statement.get(w.remember(s.key), s.scheme, s.kind, s.region ?? null);
          if (row !== undefined) w.numbers.found(token, num(row.id));
        }
      },
      putRelations: async (relations) => {
        const statement = w.prepare(
          'INSERT INTO relations (organisation, person, role, from_ms, until_ms) VALUES (?, ?, ?, ?, ?) ON CONFLICT (person, organisation, role, from_ms) DO UPDATE SET until_ms = excluded.until_ms',
        );
        for (const r of relations) {
          const [organisation, person] = [w.remember(r.organisation), w.remember(r.person)];
          note.subjects([organisation, person]);
          statement.run(organisation, person, r.role, r.fromMs, r.untilMs ?? null);
        }
      },
      insertRecords: async (records) => {
        const stored: RecordFact[] = [];
        for (const { draft, recordedAtMs, retracts, ends } of records) {
          let id: number;
          try {
            // run's lastInsertRowid, not RETURNING: no result row to build, 12% of the insert (bench/city.ts).
            id = num(
              insertRecord.run(
                draft.agency,
                draft.agencyRef,
                w.numberOf(draft.subject),
                draft.code,
                draft.effectiveAtMs,
                recordedAtMs,
                draft.evidence,
                draft.amount ?? null,
                draft.caseRef ?? null,
                retracts ?? null,
                ends ?? null,
              ).lastInsertRowid,
            );
          } catch (error) {
            if (error instanceof Error && /UNIQUE constraint failed: records\.agency/.test(error.message)) {
              throw new DuplicateReferenceError(`agency ${draft.agency} already used reference ${draft.agencyRef}`);
            }
            throw error;
          }
          stored.push({
            ...draft,
            id,
            recordedAtMs,
            ...(retracts === undefined ? {} : { retracts }),
            ...(ends === undefined ? {} : { ends }),
          });
          recordsStored.set(id, draft);
        }
        return stored;
      },
      putDerivations: async (derivations, toldUntilMs = -Infinity) => {
        note.subjects(derivations.map((d) => w.remember(d.subject)));
        const subjects = derivations.map((d) => w.numberOf(d.subject));
        for (const part of chunks(subjects, keysPerQueryMax)) {
          w.prepare(`DELETE FROM listings WHERE subject IN (${part.map(() => '?').join(',')})`).run(...part);
        }
        const putDerivation = w.prepare(
          `INSERT INTO derivations (subject, kind, body, due_ms, last_end_ms) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (subject) DO UPDATE
           SET kind = excluded.kind, body = excluded.body, due_ms = excluded.due_ms, last_end_ms = excluded.last_end_ms`,
        );
        const putListing = w.prepare(
          'INSERT INTO listings (subject, list, scheme, version, record_id, code, trigger, start_ms, end_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        );
        derivations.forEach((d, i) => {
          const subject = subjects[i] ?? 0;
          putDerivation.run(
            subject,
            d.kind,
            derivationBody(d),
            firstEndAfter(d, toldUntilMs) ?? null,
            lastEndOf(d) ?? null,
          );
          for (const l of d.listings) {
            putListing.run(subject, l.list, l.scheme, l.version, l.recordId, l.code, l.trigger, l.startMs, l.endMs);
          }
        });
      },
      putDerivationsTold: async (derivations, toldUntilMs) => {
        const told = w.prepare('UPDATE derivations SET due_ms = ? WHERE subject = ?');
        for (const d of derivations) told.run(firstEndAfter(d, toldUntilMs) ?? null, w.numberOf(d.subject));
      },
      derivationsOf: async (subjects) => w.derivationsOf(subjects),
      insertNotices: async (notices, createdAtMs) => {
        const statement = w.prepare(
          'INSERT INTO notices (subject, kind, adverse, record_id, created_at_ms, body) VALUES (?, ?, ?, ?, ?, ?)',
        );
        const recordOf = w.prepare('SELECT code, evidence, effective_at_ms FROM records WHERE id = ?');
        return notices.map((n) => {
          const subject = w.numberOf(n.subject);
          // A notice's record is stored before it (notices.record_id is a foreign key).
          let record = recordsStored.get(n.recordId);
          if (record === undefined) {
            const row = recordOf.get(n.recordId);
            if (row !== undefined)
              record = { code: str(row.code), evidence: str(row.evidence), effectiveAtMs: num(row.effective_at_ms) };
          }
          const body = noticeBody(n, record);
          const { lastInsertRowid } = statement.run(subject, n.kind, n.adverse ? 1 : 0, n.recordId, createdAtMs, body);
          return { ...n, id: num(lastInsertRowid), createdAtMs };
        });
      },
      enqueueDeliveries: async (channel, limit, nowMs) => {
        const cursor = num(
          w.prepare('SELECT last_notice_id AS n FROM delivery_cursors WHERE channel = ?').get(channel)?.n ?? 0,
        );
        const ids = w
          .all('SELECT id FROM notices WHERE id > ? ORDER BY id LIMIT ?', cursor, limit)
          .map((r) => num(r.id));
        const open = w.prepare(
          `INSERT INTO notice_deliveries (notice_id, channel, status, attempts, next_attempt_at_ms) VALUES (?, ?, 'pending', 0, ?)`,
        );
        for (const id of ids) open.run(id, channel, nowMs);
        const last = ids.at(-1);
        if (last !== undefined) {
          w.prepare(
            'INSERT INTO delivery_cursors (channel, last_notice_id) VALUES (?, ?) ON CONFLICT (channel) DO UPDATE SET last_notice_id = excluded.last_notice_id',
          ).run(channel, last);
        }
        return ids.length;
      },
      putDelivery: async (d) => {
        w.prepare(
          `UPDATE notice_deliveries SET status = ?, attempts = ?, next_attempt_at_ms = ?, last_error = ?, delivered_at_ms = ?
           WHERE channel = ? AND notice_id = ?`,
        ).run(
          d.status,
          d.attempts,
          d.nextAttemptAtMs,
          d.lastError ?? null,
          d.deliveredAtMs ?? null,
          d.channel,
          d.noticeId,
        );
      },
      insertRepair: async (r) => {
        const row = w
          .prepare(
            `INSERT INTO repairs (subject, record_id, list, applied_at_ms, conditions, statement, review_due_at_ms, status)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
          )
          .get(
            w.remember(r.subject),
            r.recordId,
            r.list ?? null,
            r.appliedAtMs,
            JSON.stringify(r.conditions),
            r.statement,
            r.reviewDueAtMs,
            r.status,
          );
        return { ...r, id: num(row?.id) };
      },
      updateRepair: async (r) => {
        w.prepare(
          'UPDATE repairs SET status = ?, decided_at_ms = ?, decided_by = ?, decision_reasons = ?, repair_record_id = ? WHERE id = ?',
        ).run(
          r.status,
          r.decidedAtMs ?? null,
          r.decidedBy ?? null,
          r.decisionReasons ?? null,
          r.repairRecordId ?? null,
          r.id,
        );
      },
      repair: async (id) => {
        const row = w.prepare('SELECT * FROM repairs WHERE id = ?').get(id);
        return row === undefined ? undefined : repairFromRow(row, this.#ids);
      },
      openRepairOf: async (recordId) => {
        const row = w.prepare(`SELECT * FROM repairs WHERE record_id = ? AND status = 'open'`).get(recordId);
        return row === undefined ? undefined : repairFromRow(row, this.#ids);
      },
      meta: async (key) => {
        const row = w.prepare('SELECT value FROM meta WHERE key = ?').get(key);
        return row === undefined ? undefined : str(row.value);
      },
      putMeta: async (key, value) => {
        w.prepare(
          'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
        ).run(key, value);
      },
      linkPassports: async (links) => {
        const statement = w.prepare('INSERT INTO passports (passport, subject, linked_at_ms) VALUES (?, ?, ?)');
        for (const l of links) {
          const [passport, subject] = [w.remember(l.passport), w.remember(l.subject)];
          note.passport(passport, subject);
          statement.run(passport, subject, l.linkedAtMs);
        }
      },
      subjectsOfPassports: async (keys) => w.subjectsOfPassports(keys),
      putCalendars: async (calendars) => {
        const statement = w.prepare(
          'INSERT INTO calendars (jurisdiction, body) VALUES (?, ?) ON CONFLICT (jurisdiction) DO UPDATE SET body = excluded.body',
        );
        for (const c of calendars) statement.run(c.jurisdiction, JSON.stringify(c));
      },
      insertObjection: async (o) => {
        const row = w
          .prepare(
            `INSERT INTO objections (subject, record_id, filed_at_ms, filed_by, grounds, window_closes_at_ms, review_due_at_ms, status)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
          )
          .get(
            w.remember(o.subject),
            o.recordId,
            o.filedAtMs,
            w.remember(o.filedBy),
            o.grounds,
            o.windowClosesAtMs,
            o.reviewDueAtMs,
            o.status,
          );
        return { ...o, id: num(row?.id) };
      },
      updateObjection: async (o) => {
        w.prepare(
          `UPDATE objections SET status = ?, decided_at_ms = ?, decided_by = ?, decision_reasons = ?, retraction_record_id = ?
           WHERE id = ?`,
        ).run(
          o.status,
          o.decidedAtMs ?? null,
          o.decidedBy ?? null,
          o.decisionReasons ?? null,
          o.retractionRecordId ?? null,
          o.id,
        );
      },
      objection: async (id) => {
        const row = w.prepare('SELECT * FROM objections WHERE id = ?').get(id);
        return row === undefined ? undefined : objectionFromRow(row, this.#ids);
      },
      openObjectionOf: async (recordId) => {
        const row = w.prepare(`SELECT * FROM objections WHERE record_id = ? AND status = 'open'`).get(recordId);
        return row === undefined ? undefined : objectionFromRow(row, this.#ids);
      },
      disputedRecordsOf: async (subjects) => w.disputedRecordsOf(subjects),
      noticesOfRecord: async (subject, recordId) =>
        w
          .all(
            `${noticesWithTokens} WHERE n.subject = ${numberOfToken} AND n.record_id = ? ORDER BY n.id`,
            this.#ids.token(subject),
            recordId,
          )
          .map((row) => noticeFromRow(row, this.#ids)),
      putToken: async (t) => {
        w.prepare(
          'INSERT INTO tokens (id, role, name, scope, secret_hash, created_at_ms, revoked_at_ms, expires_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        ).run(
          t.id,
          t.role,
          t.name,
          JSON.stringify(t.scope),
          t.secretHash,
          t.createdAtMs,
          t.revokedAtMs ?? null,
          t.expiresAtMs ?? null,
        );
      },
      insertAccount: async (a) => {
        const result = w
          .prepare(
            'INSERT INTO accounts (login, role, name, scope, password_hash, created_at_ms, disabled_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (login) DO NOTHING',
          )
          .run(a.login, a.role, a.name, JSON.stringify(a.scope), a.passwordHash, a.createdAtMs, a.disabledAtMs ?? null);
        return Number(result.changes) > 0;
      },
      revokeToken: async (id, atMs) => {
        const result = w
          .prepare('UPDATE tokens SET revoked_at_ms = ? WHERE id = ? AND revoked_at_ms IS NULL')
          .run(atMs, id);
        return Number(result.changes) > 0;
      },
      putCatalogDraft: async (d) => {
        w.prepare(
          'INSERT INTO catalog_drafts (scheme_id, body, updated_at_ms, updated_by) VALUES (?, ?, ?, ?) ON CONFLICT (scheme_id) DO UPDATE SET body = excluded.body, updated_at_ms = excluded.updated_at_ms, updated_by = excluded.updated_by',
        ).run(d.schemeId, JSON.stringify(d.body), d.updatedAtMs, d.updatedBy);
      },
      deleteCatalogDraft: async (schemeId) => {
        w.prepare('DELETE FROM catalog_drafts WHERE scheme_id = ?').run(schemeId);
      },
      dropChanges: async (throughId) => {
        w.prepare('DELETE FROM changes WHERE id <= ?').run(throughId);
      },
      appendAuditEvents: async (events) => {
        const statement = w.prepare(
          'INSERT INTO audit_events (seq, at_ms, kind, actor, subject, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        );
        for (const e of events) {
          statement.run(
            e.seq,
            e.atMs,
            e.kind,
            e.actor,
            e.subject ?? null,
            JSON.stringify(e.payload),
            e.prevHash,
            e.hash,
          );
        }
      },
      putAuditTiles: async (fromIndex, hashes) => {
        const statement = w.prepare('INSERT INTO audit_tiles (idx, hash) VALUES (?, ?) ON CONFLICT (idx) DO NOTHING');
        hashes.forEach((hash, i) => statement.run(fromIndex + i, hash));
      },
      putAuditCheckpoint: async (c) => {
        w.prepare(
          'INSERT INTO audit_checkpoints (size, root, at_ms, key_id, signature) VALUES (?, ?, ?, ?, ?) ON CONFLICT (size) DO NOTHING',
        ).run(c.size, c.root, c.atMs, c.keyId, c.signature);
      },
    };
  }

  async catalogVersions(): Promise<CatalogVersion[]> {
    return this.#reader.all('SELECT * FROM catalog_versions ORDER BY scheme_id, version').map(catalogVersionFromRow);
  }

  async agencies(): Promise<Agency[]> {
    return this.#reader.all('SELECT * FROM agencies ORDER BY id').map(agencyFromRow);
  }

  async subject(key: string): Promise<SubjectId | undefined> {
    const row = this.#reader.prepare('SELECT * FROM subjects WHERE key = ?').get(this.#ids.token(key));
    return row === undefined ? undefined : subjectFromRow(row, this.#ids);
  }

  async identifierOf(token: string): Promise<string | undefined> {
    // Only what is stored: the caches also know identifiers this process merely computed a token for.
    const stored =
      this.#ids.isStored(token) ||
      this.#reader.prepare('SELECT 1 FROM identities WHERE token = ?').get(token) !== undefined;
    return stored ? this.#ids.clear(token) : undefined;
  }

  async identifiersOf(tokens: readonly string[]): Promise<Map<string, string>> {
    const rows = this.#reader.byKeys((list) => `SELECT token FROM identities WHERE token IN (${list})`, tokens);
    return new Map(rows.map((row) => [str(row.token), this.#ids.clear(str(row.token))]));
  }

  async recordsOf(subject: string): Promise<RecordFact[]> {
    return this.#reader.recordsOf([subject]).get(subject) ?? [];
  }

  async derivation(subject: string): Promise<Derivation | undefined> {
    return (await this.derivations([subject])).get(subject);
  }

  async derivations(subjects: readonly string[]): Promise<Map<string, Derivation>> {
    return this.#reader.derivationsOf(subjects);
  }

  async relationsOfPerson(person: string): Promise<Relation[]> {
    return this.#reader
      .all('SELECT * FROM relations WHERE person = ? ORDER BY organisation, role, from_ms', this.#ids.token(person))
      .map((row) => relationFromRow(row, this.#ids));
  }

  async relationsOfOrganisation(organisation: string): Promise<Relation[]> {
    return this.#reader
      .all(
        'SELECT * FROM relations WHERE organisation = ? ORDER BY person, role, from_ms',
        this.#ids.token(organisation),
      )
      .map((row) => relationFromRow(row, this.#ids));
  }

  async recordsOfAgency(agency: string, limit: number, beforeId = Number.MAX_SAFE_INTEGER): Promise<RecordFact[]> {
    return this.#reader
      .all(`${recordsWithTokens} WHERE r.agency = ? AND r.id < ? ORDER BY r.id DESC LIMIT ?`, agency, beforeId, limit)
      .map((row) => recordFromRow(row, this.#ids));
  }

  /** Rows as arrays, and the page's identities opened together (fetched in one query for those not cached). */
  async recordsInIdRange(afterId: number, throughId: number, limit: number): Promise<RecordFact[]> {
    const statement = this.#reader.prepare(`${recordsWithTokens} WHERE r.id > ? AND r.id <= ? ORDER BY r.id LIMIT ?`);
    statement.setReturnArrays(true);
    // With setReturnArrays the rows are arrays, which node:sqlite's types do not say.
    const rows = statement.all(
      afterId,
      Math.min(throughId, Number.MAX_SAFE_INTEGER),
      limit,
    ) as unknown as SQLOutputValue[][];
    const tokens = rows.map((values) => str(values[3]));
    const opener = await this.#ids.openAll(tokens, async (missing) => {
      const found = this.#reader.byKeys(
        (list) => `SELECT token, sealed FROM identities WHERE token IN (${list})`,
        missing,
      );
      return new Map(found.map((row) => [str(row.token), str(row.sealed)]));
    });
    return rows.map((values, i) => recordFromValues(values, opener.clear(tokens[i] ?? '')));
  }

  async tokens(): Promise<TokenRecord[]> {
    return this.#reader.all('SELECT * FROM tokens ORDER BY created_at_ms, id').map(tokenFromRow);
  }

  async account(login: string): Promise<AccountRecord | undefined> {
    const row = this.#reader.prepare('SELECT * FROM accounts WHERE login = ?').get(login);
    return row === undefined ? undefined : accountFromRow(row);
  }

  async accounts(): Promise<AccountRecord[]> {
    return this.#reader.all('SELECT * FROM accounts ORDER BY created_at_ms, login').map(accountFromRow);
  }

  async dueDeliveries(
    channel: string,
    nowMs: number,
    limit: number,
  ): Promise<{ delivery: NoticeDelivery; notice: StoredNotice }[]> {
    return this.#reader
      .all(
        `SELECT d.*, s.key AS subject, ${noticeColumns} FROM notice_deliveries d
         JOIN notices n ON n.id = d.notice_id JOIN subjects s ON s.id = n.subject JOIN records r ON r.id = n.record_id
         WHERE d.channel = ? AND d.status = 'pending' AND d.next_attempt_at_ms <= ? ORDER BY d.next_attempt_at_ms, d.notice_id LIMIT ?`,
        channel,
        nowMs,
        limit,
      )
      .map((row) => ({
        delivery: deliveryFromRow(row),
        notice: noticeFromRow({ ...row, id: row.notice_id }, this.#ids),
      }));
  }

  async deliveries(channel: string, status: DeliveryStatus, limit: number): Promise<NoticeDelivery[]> {
    return this.#reader
      .all(
        'SELECT * FROM notice_deliveries WHERE channel = ? AND status = ? ORDER BY notice_id LIMIT ?',
        channel,
        status,
        limit,
      )
      .map(deliveryFromRow);
  }

  async calendar(jurisdiction: string): Promise<CalendarRecord | undefined> {
    const row = this.#reader.prepare('SELECT body FROM calendars WHERE jurisdiction = ?').get(jurisdiction);
    return row === undefined ? undefined : (JSON.parse(str(row.body)) as CalendarRecord);
  }

  async objection(id: number): Promise<Objection | undefined> {
    const row = this.#reader.prepare('SELECT * FROM objections WHERE id = ?').get(id);
    return row === undefined ? undefined : objectionFromRow(row, this.#ids);
  }

  async objections(query: { status?: ObjectionStatus; dueBeforeMs?: number; limit: number }): Promise<Objection[]> {
    return this.#reader
      .all(
        `SELECT * FROM objections WHERE (? IS NULL OR status = ?) AND (? IS NULL OR review_due_at_ms <= ?)
         ORDER BY review_due_at_ms, id LIMIT ?`,
        query.status ?? null,
        query.status ?? null,
        query.dueBeforeMs ?? null,
        query.dueBeforeMs ?? null,
        query.limit,
      )
      .map((row) => objectionFromRow(row, this.#ids));
  }

  async repairs(query: { status?: RepairStatus; dueBeforeMs?: number; limit: number }): Promise<Repair[]> {
    return this.#reader
      .all(
        `SELECT * FROM repairs WHERE (? IS NULL OR status = ?) AND (? IS NULL OR review_due_at_ms <= ?)
         ORDER BY review_due_at_ms, id LIMIT ?`,
        query.status ?? null,
        query.status ?? null,
        query.dueBeforeMs ?? null,
        query.dueBeforeMs ?? null,
        query.limit,
      )
      .map((row) => repairFromRow(row, this.#ids));
  }

  async repairsOf(subject: string): Promise<Repair[]> {
    // Few rows per subject, and few repairs at all: no index on subject yet.
    return this.#reader
      .all('SELECT * FROM repairs WHERE subject = ? ORDER BY id', this.#ids.token(subject))
      .map((row) => repairFromRow(row, this.#ids));
  }

  async subjectsOfPassports(keys: readonly string[]): Promise<Map<string, string>> {
    return this.#reader.subjectsOfPassports(keys);
  }

  async passportLinks(): Promise<{ passport: string; subject: string }[]> {
    return this.#reader
      .all('SELECT passport, subject FROM passports ORDER BY passport')
      .map((row) => ({ passport: this.#ids.clear(str(row.passport)), subject: this.#ids.clear(str(row.subject)) }));
  }

  async disputedRecordsOf(subjects: readonly string[]): Promise<Map<string, Set<number>>> {
    return this.#reader.disputedRecordsOf(subjects);
  }

  async objectionsOf(subject: string): Promise<Objection[]> {
    return this.#reader
      .all('SELECT * FROM objections WHERE subject = ? ORDER BY id', this.#ids.token(subject))
      .map((row) => objectionFromRow(row, this.#ids));
  }

  async noticesOf(subject: string, limit: number, beforeId = Number.MAX_SAFE_INTEGER): Promise<StoredNotice[]> {
    return this.#reader
      .all(
        `${noticesWithTokens} WHERE n.subject = ${numberOfToken} AND n.id < ? ORDER BY n.id DESC LIMIT ?`,
        this.#ids.token(subject),
        beforeId,
        limit,
      )
      .map((row) => noticeFromRow(row, this.#ids));
  }

  async catalogDraft(schemeId: string): Promise<CatalogDraftRecord | undefined> {
    const row = this.#reader.prepare('SELECT * FROM catalog_drafts WHERE scheme_id = ?').get(schemeId);
    return row === undefined ? undefined : catalogDraftFromRow(row);
  }

  async listMembers(
    list: string,
    atMs: number,
    limit: number,
    afterSubject = '',
    startedAfterMs = Number.MIN_SAFE_INTEGER,
  ): Promise<ListMember[]> {
    // One row per subject: of its active listings on this list, the one that ends last (ties: the earliest record).
    return this.#reader
      .all(
        `SELECT s.key AS subject, l.list, l.version, l.start_ms, l.end_ms, l.record_id, l.code FROM (
           SELECT *, ROW_NUMBER() OVER (PARTITION BY subject ORDER BY end_ms DESC, record_id) AS n
           FROM listings WHERE list = ? AND start_ms <= ? AND end_ms > ? AND subject > ? AND start_ms > ?
         ) l JOIN subjects s ON s.id = l.subject WHERE l.n = 1 ORDER BY l.subject LIMIT ?`,
        list,
        atMs,
        atMs,
        // A subject named as the cursor that is not registered has no place in the order: an empty page.
        afterSubject === '' ? 0 : (this.#reader.numberOrUndefined(afterSubject) ?? Number.MAX_SAFE_INTEGER),
        startedAfterMs,
        limit,
      )
      .map((row) => listMemberFromRow(row, this.#ids));
  }

  async recordsPerRuleMonth(): Promise<{ code: string; month: string; records: number }[]> {
    return this.#reader
      .all(
        `SELECT code, strftime('%Y-%m', effective_at_ms / 1000, 'unixepoch') AS month, COUNT(*) AS n FROM records
         WHERE retracts IS NULL AND ends IS NULL AND id NOT IN (SELECT retracts FROM records WHERE retracts IS NOT NULL)
         GROUP BY code, month ORDER BY code, month`,
      )
      .map((row) => ({ code: str(row.code), month: str(row.month), records: num(row.n) }));
  }

  async countListMembers(atMs: number): Promise<Map<string, number>> {
    const rows = this.#reader.all(
      'SELECT list, COUNT(DISTINCT subject) AS n FROM listings WHERE start_ms <= ? AND end_ms > ? GROUP BY list ORDER BY list',
      atMs,
      atMs,
    );
    return new Map(rows.map((row) => [str(row.list), num(row.n)]));
  }

  async countListMembersAt(
    list: string,
    instants: readonly { readonly atMs: number; readonly startedAfterMs: number }[],
  ): Promise<number[]> {
    const count = this.#reader.prepare(
      'SELECT COUNT(DISTINCT subject) AS n FROM listings WHERE list = ? AND start_ms <= ? AND end_ms > ? AND start_ms > ?',
    );
    return instants.map(({ atMs, startedAfterMs }) => num(count.get(list, atMs, atMs, startedAfterMs)?.n));
  }

  async summary(): Promise<StoreSummary> {
    const subjectsByKind = Object.fromEntries(
      this.#reader
        .all('SELECT kind, COUNT(*) AS n FROM subjects GROUP BY kind ORDER BY kind')
        .map((r) => [str(r.kind), num(r.n)]),
    );
    const recordsByCode = Object.fromEntries(
      this.#reader
        .all(
          'SELECT code, COUNT(*) AS n FROM records WHERE retracts IS NULL AND ends IS NULL GROUP BY code ORDER BY code',
        )
        .map((r) => [str(r.code), num(r.n)]),
    );
    const records = num(this.#reader.prepare('SELECT COUNT(*) AS n FROM records').get()?.n);
    const auditEvents = num(this.#reader.prepare('SELECT COUNT(*) AS n FROM audit_events').get()?.n);
    return { subjectsByKind, recordsByCode, records, auditEvents };
  }

  async *scanSubjects(pageSize: number): AsyncIterable<SubjectId[]> {
    let after = 0;
    for (;;) {
      const rows = this.#reader.all('SELECT * FROM subjects WHERE id > ? ORDER BY id LIMIT ?', after, pageSize);
      if (rows.length === 0) return;
      yield rows.map((row) => subjectFromRow(row, this.#ids));
      after = num(rows[rows.length - 1]?.id);
    }
  }

  async *scanSubjectRecords(
    pageSize: number,
    part: ScanPart = { index: 0, of: 1 },
  ): AsyncIterable<{ subject: SubjectId; records: RecordFact[] }[]> {
    // A part is a range of subject numbers, so that each reads its records' pages in order as the whole scan does.
    const bounds = this.#reader.prepare('SELECT MIN(id) AS first, MAX(id) AS last FROM subjects').get();
    const [first, last] = [num(bounds?.first ?? 0), num(bounds?.last ?? 0)];
    const edge = (i: number) => first - 1 + Math.floor(((last - first + 1) * i) / part.of);
    let after = edge(part.index);
    const through = edge(part.index + 1);
    for (;;) {
      // Each subject's sealed identity comes with it: opened from the page, not looked up one by one.
      const rows = this.#reader.all(
        `SELECT s.*, i.sealed FROM subjects s JOIN identities i ON i.token = s.key
         WHERE s.id > ? AND s.id <= ? AND EXISTS (SELECT 1 FROM records r WHERE r.subject = s.id) ORDER BY s.id LIMIT ?`,
        after,
        through,
        pageSize,
      );
      if (rows.length === 0) return;
      const opener = await this.#openRows(rows);
      const subjects = new Map(rows.map((row) => [num(row.id), subjectFromRow(row, opener)]));
      // Their numbers are known now: what the caller reads of these subjects next (a rebuild, their derivations)
      // is not a lookup of each (28% of a rebuild's time before).
      for (const row of rows) this.#reader.numbers.foundCommitted(str(row.key), num(row.id));
      const [lowest, highest] = [num(rows[0]?.id), num(rows[rows.length - 1]?.id)];
      const records = this.#reader.recordsBetween(lowest, highest, subjects);
      yield [...subjects.values()].map((subject) => ({ subject, records: records.get(subject.key) ?? [] }));
      after = highest;
    }
  }

  async *scanDerivations(pageSize: number, only: DerivationScan = {}): AsyncIterable<Derivation[]> {
    const { kinds, inForceAfterMs } = only;
    const ofKinds = kinds === undefined ? '' : `AND d.kind IN (${kinds.map(() => '?').join(',')})`;
    const inForce = inForceAfterMs === undefined ? '' : 'AND (d.last_end_ms IS NULL OR d.last_end_ms > ?)';
    let after = 0;
    for (;;) {
      const rows = this.#derivationRows(`d.subject > ? ${ofKinds} ${inForce} ORDER BY d.subject LIMIT ?`, [
        after,
        ...(kinds ?? []),
        ...(inForceAfterMs === undefined ? [] : [inForceAfterMs]),
        pageSize,
      ]);
      if (rows.length === 0) return;
      yield rows.map((row) => derivationOpenedWhenRead(row, this.#ids));
      after = num(rows[rows.length - 1]?.n);
    }
  }

  /** The identities of rows that carry their subject's token (`key`) and sealed identity (`sealed`), opened at once. */
  #openRows(rows: readonly Row[]) {
    return this.#ids.openAll(
      rows.map((row) => str(row.key)),
      async () => new Map(rows.map((row) => [str(row.key), str(row.sealed)])),
    );
  }

  async derivationsDiffering(derivations: readonly Derivation[]): Promise<Map<string, DerivationDifference>> {
    return this.#reader.derivationsDiffering(derivations);
  }

  async *scanDerivedWithoutRecords(pageSize: number): AsyncIterable<string[]> {
    let after = 0;
    for (;;) {
      const rows = this.#reader.all(
        `SELECT d.subject AS n, s.key, i.sealed FROM derivations d JOIN subjects s ON s.id = d.subject
         JOIN identities i ON i.token = s.key
         WHERE d.subject > ? AND NOT EXISTS (SELECT 1 FROM records r WHERE r.subject = d.subject)
         ORDER BY d.subject LIMIT ?`,
        after,
        pageSize,
      );
      if (rows.length === 0) return;
      const opener = await this.#openRows(rows);
      yield rows.map((row) => opener.clear(str(row.key)));
      after = num(rows[rows.length - 1]?.n);
    }
  }

  /** In the order they fell due, through the derivations_due index (which the told ones leave as they go). */
  async *scanDerivationsDue(atMs: number, pageSize: number): AsyncIterable<Derivation[]> {
    let after = [Number.MIN_SAFE_INTEGER, 0];
    for (;;) {
      const rows = this.#derivationRows(
        'd.due_ms <= ? AND (d.due_ms, d.subject) > (?, ?) ORDER BY d.due_ms, d.subject LIMIT ?',
        [atMs, ...after, pageSize],
      );
      if (rows.length === 0) return;
      yield rows.map((row) => derivationOpenedWhenRead(row, this.#ids));
      const last = rows[rows.length - 1];
      after = [num(last?.due_ms), num(last?.n)];
    }
  }

  /** Derivation rows with each subject's lookup token (for derivationOpenedWhenRead) and its number. */
  #derivationRows(where: string, parameters: SQLInputValue[]): Row[] {
    return this.#reader.all(
      `SELECT s.key AS subject, d.kind, d.body, d.subject AS n, d.due_ms FROM derivations d
       JOIN subjects s ON s.id = d.subject WHERE ${where}`,
      ...parameters,
    );
  }

  async auditEventsOf(subject: string, limit: number): Promise<AuditEvent[]> {
    return this.#reader
      .all('SELECT * FROM audit_events WHERE subject = ? ORDER BY seq DESC LIMIT ?', this.#ids.token(subject), limit)
      .map(auditFromRow);
  }

  async changes(afterId: number, limit: number): Promise<Change[]> {
    return this.#reader
      .all('SELECT id, body FROM changes WHERE id > ? ORDER BY id LIMIT ?', afterId, limit)
      .map(changeFromRow);
  }

  committedHere(changeId: number): boolean {
    return this.#ownChanges.taken(changeId);
  }

  async lastChangeId(): Promise<number> {
    return num(this.#reader.prepare('SELECT coalesce(max(id), 0) AS id FROM changes').get()?.id);
  }

  async auditEvents(afterSeq: number, limit: number, bytesMax?: number): Promise<AuditEvent[]> {
    return (await this.storedAuditEvents(afterSeq, limit, bytesMax)).map(parsedAuditEvent);
  }

  /**
   * `credence audit verify` reads the whole log through here, so rows come as arrays (node:sqlite builds no object
   * per row) and become events by position: read 1.5x as fast as `SELECT *` through a row mapper. Rows are stepped
   * through one by one so that the page stops at its byte budget without reading further.
   */
  async storedAuditEvents(
    afterSeq: number,
    limit: number,
    bytesMax = auditEventsPageBytesMax,
  ): Promise<StoredAuditEvent[]> {
    const statement = this.#reader.prepare(
      'SELECT seq, at_ms, kind, actor, subject, payload, prev_hash, hash FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?',
    );
    statement.setReturnArrays(true);
    const events: StoredAuditEvent[] = [];
    let bytes = 0;
    // With setReturnArrays the rows are arrays, which node:sqlite's types do not say.
    for (const row of statement.iterate(afterSeq, limit) as unknown as Iterable<SQLOutputValue[]>) {
      const [seq, atMs, kind, actor, subject, payload, prevHash, hash] = row;
      const payloadText = str(payload);
      events.push({
        seq: num(seq),
        atMs: num(atMs),
        kind: str(kind),
        actor: str(actor),
        ...(subject === null ? {} : { subject: str(subject) }),
        payloadText,
        prevHash: str(prevHash),
        hash: str(hash),
      });
      bytes += payloadText.length;
      if (bytes >= bytesMax) break;
    }
    return events;
  }

  async auditSize(): Promise<number> {
    return num(this.#reader.prepare('SELECT COALESCE(MAX(seq), 0) AS n FROM audit_events').get()?.n);
  }

  async auditHashes(afterSeq: number, limit: number): Promise<string[]> {
    return this.#reader
      .all('SELECT hash FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?', afterSeq, limit)
      .map((row) => str(row.hash));
  }

  async auditTiles(fromIndex: number): Promise<Uint8Array[]> {
    return this.#reader
      .all('SELECT hash FROM audit_tiles WHERE idx >= ? ORDER BY idx', fromIndex)
      .map((row) => row.hash as Uint8Array);
  }

  async auditCheckpoints(query: { readonly size?: number; readonly limit: number }): Promise<AuditCheckpoint[]> {
    const rows =
      query.size === undefined
        ? this.#reader.all('SELECT * FROM audit_checkpoints ORDER BY size DESC LIMIT ?', query.limit)
        : this.#reader.all('SELECT * FROM audit_checkpoints WHERE size = ?', query.size);
    return rows.map(checkpointFromRow);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue;
    if (this.#reader !== this.#writer) this.#reader.db.close();
    this.#writer.db.close();
  }
}
