/**
 * The production store on PostgreSQL, through the `postgres` client (pipelined queries, a connection pool). It
 * keeps the port's promises exactly as the SQLite adapter does (the store contract suite runs on both):
 *
 * - Transactions never interleave: in this process they are queued, and across processes (the main server, the
 *   command line, decision replicas writing their decision logs) each takes one advisory lock first, so the audit
 *   chain is extended by one writer at a time, whoever it is.
 * - Batches are single statements: rows go in as arrays (`unnest`), keys are looked up with `= ANY`, so an import
 *   is a few statements per page, never a round trip per row.
 * - Identifiers are protected as in SQLite (store/identities.ts); since reads are asynchronous, each result's
 *   tokens are opened together, their sealed forms fetched in one query when not cached.
 */
import postgres from 'postgres';
import { auditEventsPageBytesMax } from '../../core/constants.ts';
import type { CatalogVersion } from '../../core/catalog.ts';
import { firstEndAfter, lastEndOf, type Derivation } from '../../core/derive.ts';
import type { SubjectId } from '../../core/identifiers.ts';
import type { RecordFact } from '../../core/record.ts';
import type { Relation } from '../../core/standing.ts';
import { ChangeNote, changeFromRow, OwnChanges } from '../changes.ts';
import { Identities, type Opener } from '../identities.ts';
import {
  DatabaseMissingError,
  DatabaseUnreachableError,
  DuplicateReferenceError,
  KeysMismatchError,
  type AccountRecord,
  type Agency,
  type AuditCheckpoint,
  type AuditEvent,
  type StoredAuditEvent,
  type CalendarRecord,
  type CatalogDraftRecord,
  type Change,
  type DerivationDifference,
  type DerivationScan,
  type ScanPart,
  type DeliveryStatus,
  type IdentifierProtector,
  type ListMember,
  type StoredNotice,
  type NoticeDelivery,
  type Objection,
  type ObjectionStatus,
  type Repair,
  type RepairStatus,
  type Store,
  type StoreSummary,
  type StoreTransaction,
  type TokenRecord,
  type TransactionOptions,
} from '../ports.ts';
import {
  accountFromRow,
  agencyFromRow,
  auditFromRow,
  parsedAuditEvent,
  storedAuditFromRow,
  catalogDraftFromRow,
  catalogVersionFromRow,
  checkpointFromRow,
  deliveryFromRow,
  derivationFromRow,
  listMemberFromRow,
  noticeBody,
  noticeFromRow,
  num,
  objectionFromRow,
  recordFromRow,
  relationFromRow,
  repairFromRow,
  str,
  subjectFromRow,
  tokenFromRow,
  type Row,
} from '../rows.ts';
import { derivationBody, derivationDifferences } from '../derivation-body.ts';
import { pgMigrations } from './migrations.ts';

type Db = postgres.Sql | postgres.TransactionSql;
type Param = string | number | boolean | null | Uint8Array | readonly (string | number | boolean | null)[];

/** The advisory lock every write transaction holds (any 64-bit number; this one spells "credence"). */
const writeLock = 0x6372656465;
/** Held while migrating, so that a main server and replicas starting together migrate once. */
const migrateLock = 0x6372656466;

const keyCheckMeta = 'identities.key-check';
const keyCheckText = 'credence identities key check';

export interface PostgresStoreOptions {
  readonly keys: IdentifierProtector;
  /** Create the database if it does not exist (the server it names must). */
  readonly create?: boolean;
  /** Connections in the pool (default 10): reads outside transactions run on all of them at once. */
  readonly connections?: number;
  /** The schema to keep the tables in (made if missing; default public): several registers in one database. */
  readonly schema?: string;
}

export const isPostgresUrl = (text: string) => /^postgres(ql)?:\/\//.test(text);

/** The URL without its password, for messages and logs. */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

function connect(url: string, connections: number, schema?: string): postgres.Sql {
  return postgres(url, {
    max: connections,
    onnotice: () => undefined,
    // Instants are BIGINT; they come back as strings and are read with Number (they are far below 2^53).
    connection: { application_name: 'credence', ...(schema === undefined ? {} : { search_path: schema }) },
  });
}

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** A connection that failed (refused, unknown host, timed out, login refused), said plainly. */
function unreachable(url: string, error: unknown): Error {
  const code = errorCode(error);
  // 28000 / 28P01: the server refused the login; ECONN..., ENOTFOUND, ETIMEDOUT: no server there.
  if (code === undefined || !/^(E[A-Z]+|28000|28P01|CONNECT_TIMEOUT)$/.test(code)) return error as Error;
  const hint = code.startsWith('28')
    ? 'the server refused the login: check the user and password in the URL'
    : 'is PostgreSQL running there? (bash .ci/services.sh starts one on loopback)';
  return new DatabaseUnreachableError(
    `cannot connect to ${describePostgresUrl(url)}: ${(error as Error).message}; ${hint}`,
    { cause: error },
  );
}

const errorCode = (error: unknown) =>
  typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;

export async function openPostgresStore(url: string, options: PostgresStoreOptions): Promise<Store> {
  let sql = connect(url, options.connections ?? 10, options.schema);
  try {
    await sql.unsafe('SELECT 1');
  } catch (error) {
    await sql.end();
    // 3D000: the database does not exist.
    if (errorCode(error) !== '3D000') throw unreachable(url, error);
    const name = new URL(url).pathname.slice(1);
    if (!options.create)
      throw new DatabaseMissingError(
        `database ${describePostgresUrl(url)} does not exist; create it with: credence demo --database-url URL (or createdb ${name})`,
      );
    const admin = new URL(url);
    admin.pathname = '/postgres';
    const server = connect(admin.toString(), 1);
    try {
      await server.unsafe(`CREATE DATABASE ${quoted(name)}`);
    } finally {
      await server.end();
    }
    sql = connect(url, options.connections ?? 10, options.schema);
  }
  try {
    if (options.schema !== undefined) await sql.unsafe(`CREATE SCHEMA IF NOT EXISTS ${quoted(options.schema)}`);
    await migrate(sql);
    await checkKeys(sql, options.keys);
  } catch (error) {
    await sql.end();
    throw error;
  }
  return new PostgresStore(sql, options.keys);
}

/** Whether the database exists and holds Credence's tables. */
export async function postgresHoldsRegister(url: string): Promise<boolean> {
  const sql = connect(url, 1);
  try {
    const [row] = await sql.unsafe(`SELECT to_regclass('schema_migrations') IS NOT NULL AS found`);
    return row?.found === true;
  } catch (error) {
    if (errorCode(error) === '3D000') return false;
    throw error;
  } finally {
    await sql.end();
  }
}

/** Removes every table Credence made in the database (for `credence demo`, which starts from nothing). */
export async function resetPostgresDatabase(url: string): Promise<void> {
  const sql = connect(url, 1);
  try {
    await sql.unsafe('SELECT 1');
  } catch (error) {
    await sql.end();
    if (errorCode(error) === '3D000') return;
    throw error;
  }
  try {
    const tables = [
      ...pgMigrations.flatMap((m) => [...m.sql.matchAll(/CREATE TABLE (\w+)/g)].map((x) => x[1])),
      'schema_migrations',
    ];
    await sql.unsafe(`DROP TABLE IF EXISTS ${tables.join(', ')} CASCADE`);
  } finally {
    await sql.end();
  }
}

async function migrate(sql: postgres.Sql): Promise<void> {
  await sql.begin(async (tx) => {
    await tx.unsafe('SELECT pg_advisory_xact_lock($1)', [migrateLock]);
    await tx.unsafe('CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT COLLATE "C" PRIMARY KEY)');
    const applied = new Set((await tx.unsafe('SELECT name FROM schema_migrations')).map((r) => str(r.name)));
    for (const migration of pgMigrations) {
      if (applied.has(migration.name)) continue;
      await tx.unsafe(migration.sql);
      await tx.unsafe('INSERT INTO schema_migrations (name) VALUES ($1)', [migration.name]);
    }
  });
}

async function checkKeys(sql: postgres.Sql, keys: IdentifierProtector): Promise<void> {
  const expected = keys.lookup(keyCheckText);
  await sql.unsafe('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [
    keyCheckMeta,
    expected,
  ]);
  const [row] = await sql.unsafe('SELECT value FROM meta WHERE key = $1', [keyCheckMeta]);
  if (str(row?.value) !== expected)
    throw new KeysMismatchError('these keys are not the ones this database was made with; give its own key file');
}

async function all(db: Db, text: string, params: readonly Param[] = []): Promise<Row[]> {
  return (await db.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true })) as unknown as Row[];
}

async function one(db: Db, text: string, params: readonly Param[] = []): Promise<Row | undefined> {
  return (await all(db, text, params))[0];
}

/** The last of each key wins, as it would row by row (one statement may not update a row twice). */
function lastByKey<T>(items: readonly T[], keyOf: (item: T) => string): T[] {
  return [...new Map(items.map((item) => [keyOf(item), item])).values()];
}

/** Runs an insert of records; the loser of a race on an agency's reference gets DuplicateReferenceError. */
async function insertOrDuplicate(tx: Db, text: string, params: readonly Param[]): Promise<void> {
  try {
    await all(tx, text, params);
  } catch (error) {
    // 23505: unique_violation.
    if (
      errorCode(error) === '23505' &&
      (error as { constraint_name?: string }).constraint_name === 'records_agency_ref'
    )
      throw new DuplicateReferenceError(
        `an agency already used this reference: ${(error as { detail?: string }).detail ?? ''}`,
      );
    throw error;
  }
}

const nullable = <T>(value: T | undefined): T | null => value ?? null;

class PostgresStore implements Store {
  readonly #sql: postgres.Sql;
  readonly #ids: Identities;
  readonly #ownChanges = new OwnChanges();
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(sql: postgres.Sql, protector: IdentifierProtector) {
    this.#sql = sql;
    // Every read opens its tokens through openAll first, so the synchronous path never needs to look.
    this.#ids = new Identities(protector, () => undefined);
  }

  /** Opens the tokens in these columns of these rows, fetching unknown sealed forms through `db`. */
  #open(db: Db, rows: readonly Row[], columns: readonly string[]): Promise<Opener> {
    const tokens: string[] = [];
    for (const row of rows)
      for (const c of columns) if (row[c] !== null && row[c] !== undefined) tokens.push(str(row[c]));
    return this.#ids.openAll(tokens, async (missing) => {
      const found = await all(db, 'SELECT token, sealed FROM identities WHERE token = ANY($1::text[])', [missing]);
      return new Map(found.map((r) => [str(r.token), str(r.sealed)]));
    });
  }

  /** Stores the sealed form of each identifier not yet stored; returns their tokens in order. */
  async #remember(tx: Db, clears: readonly string[]): Promise<string[]> {
    const tokens = clears.map((c) => this.#ids.token(c));
    const unknown = new Map<string, string>();
    tokens.forEach((token, i) => {
      if (!this.#ids.isStored(token)) unknown.set(token, clears[i] ?? '');
    });
    if (unknown.size > 0) {
      const existing = new Set(
        (await all(tx, 'SELECT token FROM identities WHERE token = ANY($1::text[])', [[...unknown.keys()]])).map((r) =>
          str(r.token),
        ),
      );
      const missing = [...unknown].filter(([token]) => !existing.has(token));
      if (missing.length > 0) {
        await all(
          tx,
          'INSERT INTO identities (token, sealed) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (token) DO NOTHING',
          [missing.map(([token]) => token), missing.map(([, clear]) => this.#ids.seal(clear))],
        );
      }
      for (const token of unknown.keys()) this.#ids.storedInTransaction(token);
    }
    return tokens;
  }

  async #recordsOf(db: Db, subjects: readonly string[]): Promise<Map<string, RecordFact[]>> {
    const rows = await all(db, 'SELECT * FROM records WHERE subject = ANY($1::text[]) ORDER BY id', [
      this.#ids.tokens([...new Set(subjects)]),
    ]);
    const opener = await this.#open(db, rows, ['subject']);
    const bySubject = new Map<string, RecordFact[]>();
    for (const row of rows) {
      const record = recordFromRow(row, opener);
      const list = bySubject.get(record.subject) ?? [];
      list.push(record);
      bySubject.set(record.subject, list);
    }
    return bySubject;
  }

  async #derivations(db: Db, subjects: readonly string[]): Promise<Map<string, Derivation>> {
    const rows = await all(db, 'SELECT subject, kind, body FROM derivations WHERE subject = ANY($1::text[])', [
      this.#ids.tokens([...new Set(subjects)]),
    ]);
    const opener = await this.#open(db, rows, ['subject']);
    return new Map(rows.map((row) => derivationFromRow(row, opener)).map((d) => [d.subject, d]));
  }

  async #subjectsOfPassports(db: Db, keys: readonly string[]): Promise<Map<string, string>> {
    const passports = keys.filter((k) => k.startsWith('passport:'));
    if (passports.length === 0) return new Map();
    const rows = await all(db, 'SELECT passport, subject FROM passports WHERE passport = ANY($1::text[])', [
      this.#ids.tokens(passports),
    ]);
    const opener = await this.#open(db, rows, ['passport', 'subject']);
    return new Map(rows.map((row) => [opener.clear(str(row.passport)), opener.clear(str(row.subject))]));
  }

  async #disputedRecordsOf(db: Db, subjects: readonly string[]): Promise<Map<string, Set<number>>> {
    const rows = await all(
      db,
      `SELECT subject, record_id FROM objections WHERE status = 'open' AND subject = ANY($1::text[])`,
      [this.#ids.tokens([...new Set(subjects)])],
    );
    const opener = await this.#open(db, rows, ['subject']);
    const out = new Map<string, Set<number>>();
    for (const row of rows) {
      const subject = opener.clear(str(row.subject));
      const set = out.get(subject) ?? new Set<number>();
      set.add(num(row.record_id));
      out.set(subject, set);
    }
    return out;
  }

  /** Rows mapped with their tokens opened. */
  async #mapped<T>(
    db: Db,
    text: string,
    params: readonly Param[],
    columns: readonly string[],
    map: (row: Row, opener: Opener) => T,
  ): Promise<T[]> {
    const rows = await all(db, text, params);
    const opener = await this.#open(db, rows, columns);
    return rows.map((row) => map(row, opener));
  }

  transaction<T>(work: (tx: StoreTransaction) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const run = async () => {
      try {
        const result = await this.#sql.begin(async (tx) => {
          await tx.unsafe('SELECT pg_advisory_xact_lock($1)', [writeLock]);
          // Without the wait for the WAL flush at commit: lost only with the server's power, not with a crash.
          if (options.durability === 'process') await tx.unsafe('SET LOCAL synchronous_commit = off');
          const note = new ChangeNote();
          const value = await work(this.#transactionView(tx, note));
          const change = note.body();
          const [inserted] =
            change === undefined ? [] : await all(tx, 'INSERT INTO changes (body) VALUES ($1) RETURNING id', [change]);
          return { value, changeId: inserted === undefined ? undefined : num(inserted.id) };
        });
        if (result.changeId !== undefined) this.#ownChanges.committed(result.changeId);
        this.#ids.transactionEnded(true);
        return result.value;
      } catch (error) {
        this.#ids.transactionEnded(false);
        throw error;
      }
    };
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  #transactionView(tx: postgres.TransactionSql, note: ChangeNote): StoreTransaction {
    const ids = this.#ids;
    return {
      recordsByRef: async (agency, agencyRefs) => {
        const records = await this.#mapped(
          tx,
          'SELECT * FROM records WHERE agency = $1 AND agency_ref = ANY($2::text[])',
          [agency, [...new Set(agencyRefs)]],
          ['subject'],
          recordFromRow,
        );
        return new Map(records.map((r) => [r.agencyRef, r]));
      },
      recordsOf: (subjects) => this.#recordsOf(tx, subjects),
      subjectsOf: async (keys) => {
        const subjects = await this.#mapped(
          tx,
          'SELECT * FROM subjects WHERE key = ANY($1::text[])',
          [ids.tokens([...new Set(keys)])],
          ['key'],
          subjectFromRow,
        );
        return new Map(subjects.map((s) => [s.key, s]));
      },
      auditTail: async () => {
        const row = await one(tx, 'SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1');
        return row === undefined ? undefined : { seq: num(row.seq), hash: str(row.hash) };
      },
      derivationsOf: (subjects) => this.#derivations(tx, subjects),
      insertNotices: async (notices, createdAtMs) => {
        if (notices.length === 0) return [];
        const subjects = await this.#remember(
          tx,
          notices.map((n) => n.subject),
        );
        const rows = await all(
          tx,
          `INSERT INTO notices (subject, kind, adverse, record_id, created_at_ms, body)
           SELECT s, k, a::boolean, r, $5, b FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $6::text[]) WITH ORDINALITY AS t(s, k, a, r, b, n)
           ORDER BY n RETURNING id`,
          [
            subjects,
            notices.map((n) => n.kind),
            notices.map((n) => String(n.adverse)),
            notices.map((n) => n.recordId),
            createdAtMs,
            notices.map((n) => noticeBody(n)),
          ],
        );
        const idsInOrder = rows.map((r) => num(r.id)).sort((a, b) => a - b);
        return notices.map((n, i) => ({ ...n, id: idsInOrder[i] ?? 0, createdAtMs }));
      },
      enqueueDeliveries: async (channel, limit, nowMs) => {
        const cursor = num(
          (await one(tx, 'SELECT last_notice_id AS n FROM delivery_cursors WHERE channel = $1', [channel]))?.n ?? 0,
        );
        const rows = await all(
          tx,
          `INSERT INTO notice_deliveries (notice_id, channel, status, attempts, next_attempt_at_ms)
           SELECT id, $2, 'pending', 0, $3 FROM (SELECT id FROM notices WHERE id > $1 ORDER BY id LIMIT $4) AS due
           RETURNING notice_id`,
          [cursor, channel, nowMs, limit],
        );
        const last = Math.max(0, ...rows.map((r) => num(r.notice_id)));
        if (last > 0) {
          await all(
            tx,
            'INSERT INTO delivery_cursors (channel, last_notice_id) VALUES ($1, $2) ON CONFLICT (channel) DO UPDATE SET last_notice_id = excluded.last_notice_id',
            [channel, last],
          );
        }
        return rows.length;
      },
      putDelivery: async (d) => {
        await all(
          tx,
          `UPDATE notice_deliveries SET status = $1, attempts = $2, next_attempt_at_ms = $3, last_error = $4, delivered_at_ms = $5
           WHERE channel = $6 AND notice_id = $7`,
          [
            d.status,
            d.attempts,
            d.nextAttemptAtMs,
            nullable(d.lastError),
            nullable(d.deliveredAtMs),
            d.channel,
            d.noticeId,
          ],
        );
      },
      insertCatalogVersion: async (v) => {
        note.catalogs();
        await all(
          tx,
          'INSERT INTO catalog_versions (scheme_id, version, published_at_ms, effective_from_ms, body) VALUES ($1, $2, $3, $4, $5)',
          [v.schemeId, v.version, v.publishedAtMs, v.effectiveFromMs, JSON.stringify(v.catalog)],
        );
      },
      putAgencies: async (agencies) => {
        const rows = lastByKey(agencies, (a) => a.id);
        if (rows.length === 0) return;
        await all(
          tx,
          `INSERT INTO agencies (id, kind, name_zh, name_en) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
           ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name_zh = excluded.name_zh, name_en = excluded.name_en`,
          [
            rows.map((a) => a.id),
            rows.map((a) => a.kind),
            rows.map((a) => a.name['zh-CN']),
            rows.map((a) => a.name.en),
          ],
        );
      },
      putSubjects: async (subjects) => {
        if (subjects.length === 0) return;
        const tokens = await this.#remember(
          tx,
          subjects.map((s) => s.key),
        );
        await all(
          tx,
          'INSERT INTO subjects (key, scheme, kind, region) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) ON CONFLICT (key) DO NOTHING',
          [tokens, subjects.map((s) => s.scheme), subjects.map((s) => s.kind), subjects.map((s) => nullable(s.region))],
        );
      },
      rememberIdentity: async (identifier) => {
        await this.#remember(tx, [identifier]);
      },
      putRelations: async (relations) => {
        if (relations.length === 0) return;
        const organisations = await this.#remember(
          tx,
          relations.map((r) => r.organisation),
        );
        const persons = await this.#remember(
          tx,
          relations.map((r) => r.person),
        );
        note.subjects([...organisations, ...persons]);
        const rows = lastByKey(
          relations.map((r, i) => ({ ...r, organisation: organisations[i] ?? '', person: persons[i] ?? '' })),
          (r) => JSON.stringify([r.person, r.organisation, r.role, r.fromMs]),
        );
        await all(
          tx,
          `INSERT INTO relations (organisation, person, role, from_ms, until_ms)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[])
           ON CONFLICT (person, organisation, role, from_ms) DO UPDATE SET until_ms = excluded.until_ms`,
          [
            rows.map((r) => r.organisation),
            rows.map((r) => r.person),
            rows.map((r) => r.role),
            rows.map((r) => r.fromMs),
            rows.map((r) => nullable(r.untilMs)),
          ],
        );
      },
      insertRecords: async (records) => {
        if (records.length === 0) return [];
        const subjects = await this.#remember(
          tx,
          records.map((r) => r.draft.subject),
        );
        // Ids are drawn first so that each record knows its own: RETURNING promises no order.
        const drawn = await all(tx, `SELECT nextval('records_id_seq') AS id FROM generate_series(1, $1)`, [
          records.length,
        ]);
        const recordIds = drawn.map((r) => num(r.id)).sort((a, b) => a - b);
        await insertOrDuplicate(
          tx,
          `INSERT INTO records (id, agency, agency_ref, subject, code, effective_at_ms, recorded_at_ms, evidence, amount, case_ref, retracts, ends)
           SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::text[], $9::float8[], $10::text[], $11::bigint[], $12::bigint[])`,
          [
            recordIds,
            records.map((r) => r.draft.agency),
            records.map((r) => r.draft.agencyRef),
            subjects,
            records.map((r) => r.draft.code),
            records.map((r) => r.draft.effectiveAtMs),
            records.map((r) => r.recordedAtMs),
            records.map((r) => r.draft.evidence),
            records.map((r) => nullable(r.draft.amount)),
            records.map((r) => nullable(r.draft.caseRef)),
            records.map((r) => nullable(r.retracts)),
            records.map((r) => nullable(r.ends)),
          ],
        );
        return records.map(({ draft, recordedAtMs, retracts, ends }, i) => ({
          ...draft,
          id: recordIds[i] ?? 0,
          recordedAtMs,
          ...(retracts === undefined ? {} : { retracts }),
          ...(ends === undefined ? {} : { ends }),
        }));
      },
      putDerivations: async (derivations, toldUntilMs = -Infinity) => {
        if (derivations.length === 0) return;
        const tokens = await this.#remember(
          tx,
          derivations.map((d) => d.subject),
        );
        note.subjects(tokens);
        const rows = lastByKey(
          derivations.map((d, i) => ({ d, subject: tokens[i] ?? '' })),
          (r) => r.subject,
        );
        await all(tx, 'DELETE FROM listings WHERE subject = ANY($1::text[])', [rows.map((r) => r.subject)]);
        await all(
          tx,
          `INSERT INTO derivations (subject, kind, body, due_ms, last_end_ms)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[])
           ON CONFLICT (subject) DO UPDATE
           SET kind = excluded.kind, body = excluded.body, due_ms = excluded.due_ms, last_end_ms = excluded.last_end_ms`,
          [
            rows.map((r) => r.subject),
            rows.map((r) => r.d.kind),
            rows.map((r) => derivationBody(r.d)),
            rows.map((r) => firstEndAfter(r.d, toldUntilMs) ?? null),
            rows.map((r) => lastEndOf(r.d) ?? null),
          ],
        );
        const listings = rows.flatMap((r) => r.d.listings.map((l) => ({ ...l, subject: r.subject })));
        if (listings.length === 0) return;
        await all(
          tx,
          `INSERT INTO listings (subject, list, scheme, version, record_id, code, trigger, start_ms, end_ms)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::bigint[], $6::text[], $7::text[], $8::bigint[], $9::bigint[])`,
          [
            listings.map((l) => l.subject),
            listings.map((l) => l.list),
            listings.map((l) => l.scheme),
            listings.map((l) => l.version),
            listings.map((l) => l.recordId),
            listings.map((l) => l.code),
            listings.map((l) => l.trigger),
            listings.map((l) => l.startMs),
            listings.map((l) => l.endMs),
          ],
        );
      },
      putDerivationsTold: async (derivations, toldUntilMs) => {
        if (derivations.length === 0) return;
        const tokens = await this.#remember(
          tx,
          derivations.map((d) => d.subject),
        );
        await all(
          tx,
          `UPDATE derivations d SET due_ms = t.due_ms FROM unnest($1::text[], $2::bigint[]) AS t (subject, due_ms)
           WHERE d.subject = t.subject`,
          [tokens, derivations.map((d) => firstEndAfter(d, toldUntilMs) ?? null)],
        );
      },
      appendAuditEvents: async (events) => {
        if (events.length === 0) return;
        await all(
          tx,
          `INSERT INTO audit_events (seq, at_ms, kind, actor, subject, payload, prev_hash, hash)
           SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])`,
          [
            events.map((e) => e.seq),
            events.map((e) => e.atMs),
            events.map((e) => e.kind),
            events.map((e) => e.actor),
            events.map((e) => nullable(e.subject)),
            events.map((e) => JSON.stringify(e.payload)),
            events.map((e) => e.prevHash),
            events.map((e) => e.hash),
          ],
        );
      },
      putAuditTiles: async (fromIndex, hashes) => {
        for (const [i, hash] of hashes.entries()) {
          await all(tx, 'INSERT INTO audit_tiles (idx, hash) VALUES ($1, $2) ON CONFLICT (idx) DO NOTHING', [
            fromIndex + i,
            Buffer.from(hash),
          ]);
        }
      },
      putAuditCheckpoint: async (c) => {
        await all(
          tx,
          'INSERT INTO audit_checkpoints (size, root, at_ms, key_id, signature) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (size) DO NOTHING',
          [c.size, c.root, c.atMs, c.keyId, c.signature],
        );
      },
      putToken: async (t) => {
        await all(
          tx,
          'INSERT INTO tokens (id, role, name, scope, secret_hash, created_at_ms, revoked_at_ms, expires_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
          [
            t.id,
            t.role,
            t.name,
            JSON.stringify(t.scope),
            t.secretHash,
            t.createdAtMs,
            nullable(t.revokedAtMs),
            nullable(t.expiresAtMs),
          ],
        );
      },
      insertAccount: async (a) => {
        const rows = await all(
          tx,
          'INSERT INTO accounts (login, role, name, scope, password_hash, created_at_ms, disabled_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (login) DO NOTHING RETURNING login',
          [a.login, a.role, a.name, JSON.stringify(a.scope), a.passwordHash, a.createdAtMs, nullable(a.disabledAtMs)],
        );
        return rows.length > 0;
      },
      putCalendars: async (calendars) => {
        for (const c of lastByKey(calendars, (x) => x.jurisdiction)) {
          await all(
            tx,
            'INSERT INTO calendars (jurisdiction, body) VALUES ($1, $2) ON CONFLICT (jurisdiction) DO UPDATE SET body = excluded.body',
            [c.jurisdiction, JSON.stringify(c)],
          );
        }
      },
      linkPassports: async (links) => {
        if (links.length === 0) return;
        const passports = await this.#remember(
          tx,
          links.map((l) => l.passport),
        );
        const subjects = await this.#remember(
          tx,
          links.map((l) => l.subject),
        );
        passports.forEach((p, i) => note.passport(p, subjects[i] ?? ''));
        await all(
          tx,
          'INSERT INTO passports (passport, subject, linked_at_ms) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])',
          [passports, subjects, links.map((l) => l.linkedAtMs)],
        );
      },
      subjectsOfPassports: (keys) => this.#subjectsOfPassports(tx, keys),
      meta: async (key) => {
        const row = await one(tx, 'SELECT value FROM meta WHERE key = $1', [key]);
        return row === undefined ? undefined : str(row.value);
      },
      putMeta: async (key, value) => {
        await all(
          tx,
          'INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
          [key, value],
        );
      },
      insertRepair: async (r) => {
        const [subject] = await this.#remember(tx, [r.subject]);
        const row = await one(
          tx,
          `INSERT INTO repairs (subject, record_id, list, applied_at_ms, conditions, statement, review_due_at_ms, status)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
          [
            subject ?? '',
            r.recordId,
            nullable(r.list),
            r.appliedAtMs,
            JSON.stringify(r.conditions),
            r.statement,
            r.reviewDueAtMs,
            r.status,
          ],
        );
        return { ...r, id: num(row?.id) };
      },
      updateRepair: async (r) => {
        await all(
          tx,
          'UPDATE repairs SET status = $1, decided_at_ms = $2, decided_by = $3, decision_reasons = $4, repair_record_id = $5 WHERE id = $6',
          [
            r.status,
            nullable(r.decidedAtMs),
            nullable(r.decidedBy),
            nullable(r.decisionReasons),
            nullable(r.repairRecordId),
            r.id,
          ],
        );
      },
      repair: async (id) =>
        (await this.#mapped(tx, 'SELECT * FROM repairs WHERE id = $1', [id], ['subject'], repairFromRow))[0],
      openRepairOf: async (recordId) =>
        (
          await this.#mapped(
            tx,
            `SELECT * FROM repairs WHERE record_id = $1 AND status = 'open'`,
            [recordId],
            ['subject'],
            repairFromRow,
          )
        )[0],
      insertObjection: async (o) => {
        const [subject, filedBy] = await this.#remember(tx, [o.subject, o.filedBy]);
        const row = await one(
          tx,
          `INSERT INTO objections (subject, record_id, filed_at_ms, filed_by, grounds, window_closes_at_ms, review_due_at_ms, status)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
          [
            subject ?? '',
            o.recordId,
            o.filedAtMs,
            filedBy ?? '',
            o.grounds,
            o.windowClosesAtMs,
            o.reviewDueAtMs,
            o.status,
          ],
        );
        return { ...o, id: num(row?.id) };
      },
      updateObjection: async (o) => {
        await all(
          tx,
          `UPDATE objections SET status = $1, decided_at_ms = $2, decided_by = $3, decision_reasons = $4, retraction_record_id = $5
           WHERE id = $6`,
          [
            o.status,
            nullable(o.decidedAtMs),
            nullable(o.decidedBy),
            nullable(o.decisionReasons),
            nullable(o.retractionRecordId),
            o.id,
          ],
        );
      },
      objection: async (id) =>
        (
          await this.#mapped(
            tx,
            'SELECT * FROM objections WHERE id = $1',
            [id],
            ['subject', 'filed_by'],
            objectionFromRow,
          )
        )[0],
      openObjectionOf: async (recordId) =>
        (
          await this.#mapped(
            tx,
            `SELECT * FROM objections WHERE record_id = $1 AND status = 'open'`,
            [recordId],
            ['subject', 'filed_by'],
            objectionFromRow,
          )
        )[0],
      disputedRecordsOf: (subjects) => this.#disputedRecordsOf(tx, subjects),
      noticesOfRecord: (subject, recordId) =>
        this.#mapped(
          tx,
          'SELECT id, subject, kind, adverse, record_id, created_at_ms, body FROM notices WHERE subject = $1 AND record_id = $2 ORDER BY id',
          [ids.token(subject), recordId],
          ['subject'],
          noticeFromRow,
        ),
      revokeToken: async (id, atMs) => {
        const rows = await all(
          tx,
          'UPDATE tokens SET revoked_at_ms = $1 WHERE id = $2 AND revoked_at_ms IS NULL RETURNING id',
          [atMs, id],
        );
        return rows.length > 0;
      },
      putCatalogDraft: async (d) => {
        await all(
          tx,
          `INSERT INTO catalog_drafts (scheme_id, body, updated_at_ms, updated_by) VALUES ($1, $2, $3, $4)
           ON CONFLICT (scheme_id) DO UPDATE SET body = excluded.body, updated_at_ms = excluded.updated_at_ms, updated_by = excluded.updated_by`,
          [d.schemeId, JSON.stringify(d.body), d.updatedAtMs, d.updatedBy],
        );
      },
      deleteCatalogDraft: async (schemeId) => {
        await all(tx, 'DELETE FROM catalog_drafts WHERE scheme_id = $1', [schemeId]);
      },
      dropChanges: async (throughId) => {
        await all(tx, 'DELETE FROM changes WHERE id <= $1', [throughId]);
      },
    };
  }

  async catalogVersions(): Promise<CatalogVersion[]> {
    return (await all(this.#sql, 'SELECT * FROM catalog_versions ORDER BY scheme_id, version')).map(
      catalogVersionFromRow,
    );
  }

  async agencies(): Promise<Agency[]> {
    return (await all(this.#sql, 'SELECT * FROM agencies ORDER BY id')).map(agencyFromRow);
  }

  async subject(key: string): Promise<SubjectId | undefined> {
    const found = await this.#mapped(
      this.#sql,
      'SELECT * FROM subjects WHERE key = $1',
      [this.#ids.token(key)],
      ['key'],
      subjectFromRow,
    );
    return found[0];
  }

  async identifierOf(token: string): Promise<string | undefined> {
    const rows = await all(this.#sql, 'SELECT token FROM identities WHERE token = $1', [token]);
    if (rows.length === 0) return undefined;
    return (await this.#open(this.#sql, rows, ['token'])).clear(token);
  }

  async identifiersOf(tokens: readonly string[]): Promise<Map<string, string>> {
    if (tokens.length === 0) return new Map();
    const rows = await all(this.#sql, 'SELECT token FROM identities WHERE token = ANY($1::text[])', [[...tokens]]);
    const opener = await this.#open(this.#sql, rows, ['token']);
    return new Map(rows.map((row) => [str(row.token), opener.clear(str(row.token))]));
  }

  async recordsOf(subject: string): Promise<RecordFact[]> {
    return (await this.#recordsOf(this.#sql, [subject])).get(subject) ?? [];
  }

  async derivation(subject: string): Promise<Derivation | undefined> {
    return (await this.#derivations(this.#sql, [subject])).get(subject);
  }

  derivations(subjects: readonly string[]): Promise<Map<string, Derivation>> {
    return this.#derivations(this.#sql, subjects);
  }

  relationsOfPerson(person: string): Promise<Relation[]> {
    return this.#mapped(
      this.#sql,
      'SELECT * FROM relations WHERE person = $1 ORDER BY organisation, role, from_ms',
      [this.#ids.token(person)],
      ['organisation', 'person'],
      relationFromRow,
    );
  }

  relationsOfOrganisation(organisation: string): Promise<Relation[]> {
    return this.#mapped(
      this.#sql,
      'SELECT * FROM relations WHERE organisation = $1 ORDER BY person, role, from_ms',
      [this.#ids.token(organisation)],
      ['organisation', 'person'],
      relationFromRow,
    );
  }

  recordsOfAgency(agency: string, limit: number, beforeId = Number.MAX_SAFE_INTEGER): Promise<RecordFact[]> {
    return this.#mapped(
      this.#sql,
      'SELECT * FROM records WHERE agency = $1 AND id < $2 ORDER BY id DESC LIMIT $3',
      [agency, beforeId, limit],
      ['subject'],
      recordFromRow,
    );
  }

  recordsInIdRange(afterId: number, throughId: number, limit: number): Promise<RecordFact[]> {
    return this.#mapped(
      this.#sql,
      'SELECT * FROM records WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3',
      [afterId, Math.min(throughId, Number.MAX_SAFE_INTEGER), limit],
      ['subject'],
      recordFromRow,
    );
  }

  async tokens(): Promise<TokenRecord[]> {
    return (await all(this.#sql, 'SELECT * FROM tokens ORDER BY created_at_ms, id')).map(tokenFromRow);
  }

  async account(login: string): Promise<AccountRecord | undefined> {
    const row = await one(this.#sql, 'SELECT * FROM accounts WHERE login = $1', [login]);
    return row === undefined ? undefined : accountFromRow(row);
  }

  async accounts(): Promise<AccountRecord[]> {
    return (await all(this.#sql, 'SELECT * FROM accounts ORDER BY created_at_ms, login')).map(accountFromRow);
  }

  async calendar(jurisdiction: string): Promise<CalendarRecord | undefined> {
    const row = await one(this.#sql, 'SELECT body FROM calendars WHERE jurisdiction = $1', [jurisdiction]);
    return row === undefined ? undefined : (JSON.parse(str(row.body)) as CalendarRecord);
  }

  async objection(id: number): Promise<Objection | undefined> {
    const found = await this.#mapped(
      this.#sql,
      'SELECT * FROM objections WHERE id = $1',
      [id],
      ['subject', 'filed_by'],
      objectionFromRow,
    );
    return found[0];
  }

  objections(query: { status?: ObjectionStatus; dueBeforeMs?: number; limit: number }): Promise<Objection[]> {
    return this.#mapped(
      this.#sql,
      `SELECT * FROM objections WHERE ($1::text IS NULL OR status = $1) AND ($2::bigint IS NULL OR review_due_at_ms <= $2)
       ORDER BY review_due_at_ms, id LIMIT $3`,
      [nullable(query.status), nullable(query.dueBeforeMs), query.limit],
      ['subject', 'filed_by'],
      objectionFromRow,
    );
  }

  objectionsOf(subject: string): Promise<Objection[]> {
    return this.#mapped(
      this.#sql,
      'SELECT * FROM objections WHERE subject = $1 ORDER BY id',
      [this.#ids.token(subject)],
      ['subject', 'filed_by'],
      objectionFromRow,
    );
  }

  disputedRecordsOf(subjects: readonly string[]): Promise<Map<string, Set<number>>> {
    return this.#disputedRecordsOf(this.#sql, subjects);
  }

  subjectsOfPassports(keys: readonly string[]): Promise<Map<string, string>> {
    return this.#subjectsOfPassports(this.#sql, keys);
  }

  passportLinks(): Promise<{ passport: string; subject: string }[]> {
    return this.#mapped(
      this.#sql,
      'SELECT passport, subject FROM passports ORDER BY passport',
      [],
      ['passport', 'subject'],
      (row, opener) => ({ passport: opener.clear(str(row.passport)), subject: opener.clear(str(row.subject)) }),
    );
  }

  repairs(query: { status?: RepairStatus; dueBeforeMs?: number; limit: number }): Promise<Repair[]> {
    return this.#mapped(
      this.#sql,
      `SELECT * FROM repairs WHERE ($1::text IS NULL OR status = $1) AND ($2::bigint IS NULL OR review_due_at_ms <= $2)
       ORDER BY review_due_at_ms, id LIMIT $3`,
      [nullable(query.status), nullable(query.dueBeforeMs), query.limit],
      ['subject'],
      repairFromRow,
    );
  }

  repairsOf(subject: string): Promise<Repair[]> {
    return this.#mapped(
      this.#sql,
      'SELECT * FROM repairs WHERE subject = $1 ORDER BY id',
      [this.#ids.token(subject)],
      ['subject'],
      repairFromRow,
    );
  }

  dueDeliveries(
    channel: string,
    nowMs: number,
    limit: number,
  ): Promise<{ delivery: NoticeDelivery; notice: StoredNotice }[]> {
    return this.#mapped(
      this.#sql,
      `SELECT d.*, n.subject, n.kind, n.adverse, n.record_id, n.created_at_ms, n.body FROM notice_deliveries d JOIN notices n ON n.id = d.notice_id
       WHERE d.channel = $1 AND d.status = 'pending' AND d.next_attempt_at_ms <= $2 ORDER BY d.next_attempt_at_ms, d.notice_id LIMIT $3`,
      [channel, nowMs, limit],
      ['subject'],
      (row, opener) => ({
        delivery: deliveryFromRow(row),
        notice: noticeFromRow({ ...row, id: row.notice_id }, opener),
      }),
    );
  }

  async deliveries(channel: string, status: DeliveryStatus, limit: number): Promise<NoticeDelivery[]> {
    return (
      await all(
        this.#sql,
        'SELECT * FROM notice_deliveries WHERE channel = $1 AND status = $2 ORDER BY notice_id LIMIT $3',
        [channel, status, limit],
      )
    ).map(deliveryFromRow);
  }

  noticesOf(subject: string, limit: number, beforeId = Number.MAX_SAFE_INTEGER): Promise<StoredNotice[]> {
    return this.#mapped(
      this.#sql,
      'SELECT id, subject, kind, adverse, record_id, created_at_ms, body FROM notices WHERE subject = $1 AND id < $2 ORDER BY id DESC LIMIT $3',
      [this.#ids.token(subject), beforeId, limit],
      ['subject'],
      noticeFromRow,
    );
  }

  async catalogDraft(schemeId: string): Promise<CatalogDraftRecord | undefined> {
    const row = await one(this.#sql, 'SELECT * FROM catalog_drafts WHERE scheme_id = $1', [schemeId]);
    return row === undefined ? undefined : catalogDraftFromRow(row);
  }

  listMembers(
    list: string,
    atMs: number,
    limit: number,
    afterSubject = '',
    startedAfterMs = Number.MIN_SAFE_INTEGER,
  ): Promise<ListMember[]> {
    // One row per subject: of its active listings on this list, the one that ends last (ties: the earliest record).
    return this.#mapped(
      this.#sql,
      `SELECT DISTINCT ON (subject) subject, list, version, start_ms, end_ms, record_id, code FROM listings
       WHERE list = $1 AND start_ms <= $2 AND end_ms > $2 AND subject > $3 AND start_ms > $4
       ORDER BY subject, end_ms DESC, record_id LIMIT $5`,
      [list, atMs, afterSubject === '' ? '' : this.#ids.token(afterSubject), startedAfterMs, limit],
      ['subject'],
      listMemberFromRow,
    );
  }

  async recordsPerRuleMonth(): Promise<{ code: string; month: string; records: number }[]> {
    const rows = await all(
      this.#sql,
      `SELECT code, to_char(to_timestamp(effective_at_ms / 1000) AT TIME ZONE 'UTC', 'YYYY-MM') AS month, COUNT(*) AS n
       FROM records r
       WHERE retracts IS NULL AND ends IS NULL AND NOT EXISTS (SELECT 1 FROM records x WHERE x.retracts = r.id)
       GROUP BY code, month ORDER BY code, month`,
    );
    return rows.map((row) => ({ code: str(row.code), month: str(row.month), records: num(row.n) }));
  }

  async countListMembers(atMs: number): Promise<Map<string, number>> {
    const rows = await all(
      this.#sql,
      'SELECT list, COUNT(DISTINCT subject) AS n FROM listings WHERE start_ms <= $1 AND end_ms > $1 GROUP BY list ORDER BY list',
      [atMs],
    );
    return new Map(rows.map((row) => [str(row.list), num(row.n)]));
  }

  async countListMembersAt(
    list: string,
    instants: readonly { readonly atMs: number; readonly startedAfterMs: number }[],
  ): Promise<number[]> {
    // In flight together: the pool runs them side by side.
    return Promise.all(
      instants.map(async ({ atMs, startedAfterMs }) =>
        num(
          (
            await one(
              this.#sql,
              'SELECT COUNT(DISTINCT subject) AS n FROM listings WHERE list = $1 AND start_ms <= $2 AND end_ms > $2 AND start_ms > $3',
              [list, atMs, startedAfterMs],
            )
          )?.n,
        ),
      ),
    );
  }

  async summary(): Promise<StoreSummary> {
    const [kinds, codes, records, events] = await Promise.all([
      all(this.#sql, 'SELECT kind, COUNT(*) AS n FROM subjects GROUP BY kind ORDER BY kind'),
      all(
        this.#sql,
        'SELECT code, COUNT(*) AS n FROM records WHERE retracts IS NULL AND ends IS NULL GROUP BY code ORDER BY code',
      ),
      one(this.#sql, 'SELECT COUNT(*) AS n FROM records'),
      one(this.#sql, 'SELECT COUNT(*) AS n FROM audit_events'),
    ]);
    return {
      subjectsByKind: Object.fromEntries(kinds.map((r) => [str(r.kind), num(r.n)])),
      recordsByCode: Object.fromEntries(codes.map((r) => [str(r.code), num(r.n)])),
      records: num(records?.n),
      auditEvents: num(events?.n),
    };
  }

  async *scanSubjects(pageSize: number): AsyncIterable<SubjectId[]> {
    let after = '';
    for (;;) {
      const rows = await all(this.#sql, 'SELECT * FROM subjects WHERE key > $1 ORDER BY key LIMIT $2', [
        after,
        pageSize,
      ]);
      if (rows.length === 0) return;
      const opener = await this.#open(this.#sql, rows, ['key']);
      yield rows.map((row) => subjectFromRow(row, opener));
      after = str(rows[rows.length - 1]?.key);
    }
  }

  async *scanSubjectRecords(
    pageSize: number,
    part: ScanPart = { index: 0, of: 1 },
  ): AsyncIterable<{ subject: SubjectId; records: RecordFact[] }[]> {
    let after = '';
    for (;;) {
      // A part is the subjects whose lookup token's first character's code falls to it (about 1/of of them each).
      const rows = await all(
        this.#sql,
        `SELECT s.* FROM subjects s WHERE s.key > $1 AND ascii(s.key) % $3 = $4
         AND EXISTS (SELECT 1 FROM records r WHERE r.subject = s.key) ORDER BY s.key LIMIT $2`,
        [after, pageSize, part.of, part.index],
      );
      if (rows.length === 0) return;
      const opener = await this.#open(this.#sql, rows, ['key']);
      const subjects = rows.map((row) => subjectFromRow(row, opener));
      const records = await this.#recordsOf(
        this.#sql,
        subjects.map((s) => s.key),
      );
      yield subjects.map((subject) => ({ subject, records: records.get(subject.key) ?? [] }));
      after = str(rows[rows.length - 1]?.key);
    }
  }

  async *scanDerivations(pageSize: number, only: DerivationScan = {}): AsyncIterable<Derivation[]> {
    const kinds = only.kinds === undefined ? null : [...only.kinds];
    let after = '';
    for (;;) {
      const rows = await all(
        this.#sql,
        `SELECT subject, kind, body FROM derivations WHERE subject > $1
         AND ($3::text[] IS NULL OR kind = ANY($3)) AND ($4::bigint IS NULL OR last_end_ms IS NULL OR last_end_ms > $4)
         ORDER BY subject LIMIT $2`,
        [after, pageSize, kinds, only.inForceAfterMs ?? null],
      );
      if (rows.length === 0) return;
      const opener = await this.#open(this.#sql, rows, ['subject']);
      yield rows.map((row) => derivationFromRow(row, opener));
      after = str(rows[rows.length - 1]?.subject);
    }
  }

  async derivationsDiffering(derivations: readonly Derivation[]): Promise<Map<string, DerivationDifference>> {
    const tokens = this.#ids.tokens(derivations.map((d) => d.subject));
    const rows = await all(this.#sql, 'SELECT subject, kind, body FROM derivations WHERE subject = ANY($1::text[])', [
      [...new Set(tokens)],
    ]);
    const stored = new Map(rows.map((row) => [str(row.subject), { kind: str(row.kind), body: str(row.body) }]));
    return derivationDifferences(derivations, (_, i) => stored.get(tokens[i] ?? ''));
  }

  async *scanDerivedWithoutRecords(pageSize: number): AsyncIterable<string[]> {
    let after = '';
    for (;;) {
      const rows = await all(
        this.#sql,
        `SELECT subject FROM derivations d WHERE subject > $1
         AND NOT EXISTS (SELECT 1 FROM records r WHERE r.subject = d.subject) ORDER BY subject LIMIT $2`,
        [after, pageSize],
      );
      if (rows.length === 0) return;
      const opener = await this.#open(this.#sql, rows, ['subject']);
      yield rows.map((row) => opener.clear(str(row.subject)));
      after = str(rows[rows.length - 1]?.subject);
    }
  }

  /** In the order they fell due, through the derivations_due index (which the told ones leave as they go). */
  async *scanDerivationsDue(atMs: number, pageSize: number): AsyncIterable<Derivation[]> {
    let after: [number, string] = [Number.MIN_SAFE_INTEGER, ''];
    for (;;) {
      const rows = await all(
        this.#sql,
        `SELECT subject, kind, body, due_ms FROM derivations
         WHERE due_ms <= $1 AND (due_ms, subject) > ($2, $3)
         ORDER BY due_ms, subject LIMIT $4`,
        [atMs, ...after, pageSize],
      );
      if (rows.length === 0) return;
      const opener = await this.#open(this.#sql, rows, ['subject']);
      yield rows.map((row) => derivationFromRow(row, opener));
      const last = rows[rows.length - 1];
      after = [num(last?.due_ms), str(last?.subject)];
    }
  }

  async changes(afterId: number, limit: number): Promise<Change[]> {
    return (
      await all(this.#sql, 'SELECT id, body FROM changes WHERE id > $1 ORDER BY id LIMIT $2', [afterId, limit])
    ).map(changeFromRow);
  }

  committedHere(changeId: number): boolean {
    return this.#ownChanges.taken(changeId);
  }

  async lastChangeId(): Promise<number> {
    const [row] = await all(this.#sql, 'SELECT coalesce(max(id), 0) AS id FROM changes', []);
    return num(row?.id);
  }

  async auditEvents(afterSeq: number, limit: number, bytesMax?: number): Promise<AuditEvent[]> {
    return (await this.storedAuditEvents(afterSeq, limit, bytesMax)).map(parsedAuditEvent);
  }

  /** The byte budget is kept by the server: each row carries the payload bytes of the rows before it. */
  async storedAuditEvents(
    afterSeq: number,
    limit: number,
    bytesMax = auditEventsPageBytesMax,
  ): Promise<StoredAuditEvent[]> {
    return (
      await all(
        this.#sql,
        `SELECT * FROM (
           SELECT *, SUM(length(payload)) OVER (ORDER BY seq) - length(payload) AS bytes_before
           FROM (SELECT * FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2) AS next
         ) AS page WHERE bytes_before < $3 ORDER BY seq`,
        [afterSeq, limit, bytesMax],
      )
    ).map(storedAuditFromRow);
  }

  async auditEventsOf(subject: string, limit: number): Promise<AuditEvent[]> {
    return (
      await all(this.#sql, 'SELECT * FROM audit_events WHERE subject = $1 ORDER BY seq DESC LIMIT $2', [
        this.#ids.token(subject),
        limit,
      ])
    ).map(auditFromRow);
  }

  async auditSize(): Promise<number> {
    return num((await one(this.#sql, 'SELECT COALESCE(MAX(seq), 0) AS n FROM audit_events'))?.n);
  }

  async auditHashes(afterSeq: number, limit: number): Promise<string[]> {
    return (
      await all(this.#sql, 'SELECT hash FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2', [afterSeq, limit])
    ).map((row) => str(row.hash));
  }

  async auditTiles(fromIndex: number): Promise<Uint8Array[]> {
    return (await all(this.#sql, 'SELECT hash FROM audit_tiles WHERE idx >= $1 ORDER BY idx', [fromIndex])).map(
      (row) => new Uint8Array(row.hash as Buffer),
    );
  }

  async auditCheckpoints(query: { readonly size?: number; readonly limit: number }): Promise<AuditCheckpoint[]> {
    const rows =
      query.size === undefined
        ? await all(this.#sql, 'SELECT * FROM audit_checkpoints ORDER BY size DESC LIMIT $1', [query.limit])
        : await all(this.#sql, 'SELECT * FROM audit_checkpoints WHERE size = $1', [query.size]);
    return rows.map(checkpointFromRow);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue;
    await this.#sql.end({ timeout: 5 });
  }
}
