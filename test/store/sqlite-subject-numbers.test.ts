/**
 * The SQLite adapter names a subject by its number (subjects.id) in the tables that grow with the records:
 * records, notices, derivations and listings (migration 0014). What is checked here: those columns hold integers
 * that resolve to registered subjects; nothing is stored about a subject that is not registered; and a database
 * made before the numbers (migrations up to 0013, subjects named by lookup token) is migrated with every row kept
 * and read back as before, or not at all when a row names a subject that was never registered.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, it } from 'node:test';
import { openContext } from '../../src/app/context.ts';
import { createDemo } from '../../src/app/demo.ts';
import { readDemoFiles } from '../../src/cli/files.ts';
import type { Derivation } from '../../src/core/derive.ts';
import { parseSubjectId, type SubjectId } from '../../src/core/identifiers.ts';
import type { NoticeFacts } from '../../src/core/notices.ts';
import type { Store } from '../../src/store/ports.ts';
import { migrations } from '../../src/store/sqlite/migrations.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { testKeys } from '../support/keys.ts';

const folders: string[] = [];

function freshFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'credence-numbers-'));
  folders.push(folder);
  return folder;
}

afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function subjectOf(key: string): SubjectId {
  const parsed = parseSubjectId(key);
  if (!parsed.ok) throw new Error(parsed.problem.message);
  return parsed.value;
}

const numberedTables = ['records', 'notices', 'derivations', 'listings'] as const;
const t0 = Date.parse('2025-11-01T00:00:00Z');

async function demoDatabase(path: string): Promise<void> {
  const store = openSqliteStore(path, { create: true, keys: testKeys });
  try {
    const context = await openContext(store, { keys: testKeys });
    await createDemo(context, { people: 300, seed: 'numbers', ...readDemoFiles() });
  } finally {
    await store.close();
  }
}

function count(db: DatabaseSync, sql: string): number {
  return Number(db.prepare(sql).get()?.n);
}

/** What the store reads back of every subject with records: records, derived state and notices. */
async function everything(store: Store): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const page of store.scanSubjectRecords(100)) {
    for (const { subject, records } of page) {
      out.push({
        subject,
        records,
        derivation: await store.derivation(subject.key),
        notices: await store.noticesOf(subject.key, 1_000),
      });
    }
  }
  return out.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

async function members(store: Store): Promise<unknown[]> {
  const all = [];
  for (const list of ['court-defaulters', 'rail-conduct-ban', 'market-serious-dishonesty']) {
    all.push(...(await store.listMembers(list, Date.parse('2026-06-01T00:00:00Z'), 10_000)));
  }
  return all.sort((a, b) => a.subject.localeCompare(b.subject) || a.list.localeCompare(b.list));
}

/**
 * The same register as a database made before migration 0014: the schema of migrations 0001-0013, every table
 * copied (the columns that schema has), each subject number replaced by the subject's lookup token.
 */
function asBeforeNumbers(from: string, to: string): void {
  const db = new DatabaseSync(to);
  try {
    db.exec('CREATE TABLE schema_migrations (name TEXT PRIMARY KEY) STRICT');
    for (const migration of migrations.slice(0, 13)) {
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (name) VALUES (?)').run(migration.name);
    }
    assert.equal(migrations[12]?.name, '0013-changes');
    db.prepare('ATTACH DATABASE ? AS numbered').run(from);
    db.exec('BEGIN');
    const tables = db
      .prepare(`SELECT name FROM numbered.sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
      .all()
      .map((row) => String(row.name))
      .filter((name) => name !== 'schema_migrations' && name !== 'subjects');
    db.exec('INSERT INTO subjects (key, scheme, kind, region) SELECT key, scheme, kind, region FROM numbered.subjects');
    for (const table of tables) {
      // The columns the old schema has: later migrations' columns (derivations.due_ms, say) are theirs to fill.
      const columns = db
        .prepare(
          `SELECT name FROM pragma_table_info(?, 'numbered') WHERE name IN (SELECT name FROM pragma_table_info(?, 'main'))`,
        )
        .all(table, table)
        .map((row) => String(row.name));
      const numbered = (numberedTables as readonly string[]).includes(table);
      const select = columns
        .map((c) => (numbered && c === 'subject' ? '(SELECT key FROM numbered.subjects s WHERE s.id = t.subject)' : c))
        .join(', ');
      db.exec(`INSERT INTO main.${table} (${columns.join(', ')}) SELECT ${select} FROM numbered.${table} t`);
    }
    db.exec('COMMIT');
    db.exec('DETACH DATABASE numbered');
  } finally {
    db.close();
  }
}

describe('sqlite store: subjects named by number', () => {
  it('names each subject by its number in records, notices, derivations and listings', async () => {
    const path = join(freshFolder(), 'credence.db');
    await demoDatabase(path);
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      for (const table of numberedTables) {
        const rows = count(db, `SELECT COUNT(*) AS n FROM ${table}`);
        assert.ok(rows > 0, `the demo wrote ${table}`);
        assert.equal(count(db, `SELECT COUNT(*) AS n FROM ${table} WHERE typeof(subject) <> 'integer'`), 0, table);
        assert.equal(
          count(db, `SELECT COUNT(*) AS n FROM ${table} t LEFT JOIN subjects s ON s.id = t.subject WHERE s.id IS NULL`),
          0,
          `every ${table} row names a registered subject`,
        );
      }
    } finally {
      db.close();
    }
  });

  it('refuses records, derived state and notices about a subject that is not registered, writing nothing', async () => {
    const store = openSqliteStore(join(freshFolder(), 'credence.db'), { create: true, keys: testKeys });
    try {
      const stranger = subjectOf('11010519491231002X');
      const registered = subjectOf('110101199003074514');
      await store.transaction((tx) => tx.putSubjects([registered]));
      const draft = {
        agency: 'city-court',
        agencyRef: 'R-1',
        code: 'court.defaulter.refuses',
        effectiveAtMs: t0,
        evidence: 'court/doc/1',
      };
      const derivation: Derivation = {
        subject: stranger.key,
        kind: stranger.kind,
        entries: [],
        grades: [],
        listings: [],
      };
      const notice: NoticeFacts = {
        subject: stranger.key,
        kind: 'listing.started',
        adverse: true,
        scheme: 'city-court',
        version: 1,
        recordId: 1,
        code: 'court.defaulter.refuses',
        evidence: 'court/doc/1',
        effectiveAtMs: t0,
        details: {},
      };
      const attempts = [
        (async () =>
          store.transaction(async (tx) => {
            await tx.insertRecords([{ draft: { ...draft, subject: registered.key }, recordedAtMs: t0 }]);
            await tx.insertRecords([
              { draft: { ...draft, agencyRef: 'R-2', subject: stranger.key }, recordedAtMs: t0 },
            ]);
          }))(),
        (async () => store.transaction((tx) => tx.putDerivations([derivation])))(),
        (async () =>
          store.transaction(async (tx) => {
            await tx.insertRecords([{ draft: { ...draft, subject: registered.key }, recordedAtMs: t0 }]);
            await tx.insertNotices([notice], t0);
          }))(),
      ];
      for (const attempt of attempts) {
        await assert.rejects(attempt, (error: Error & { code?: string }) => {
          assert.equal(error.code, 'unregistered_subject');
          assert.match(error.message, /registered/);
          return true;
        });
      }
      assert.deepEqual(await store.recordsOf(registered.key), [], 'the transaction rolled back whole');
      assert.equal(await store.derivation(stranger.key), undefined);
      assert.deepEqual(await store.noticesOf(stranger.key, 10), []);
      assert.equal(await store.subject(stranger.key), undefined, 'nor was the stranger registered on the way');
    } finally {
      await store.close();
    }
  });

  it('migrates a register made before subject numbers, keeping every row and reading it back as before', async () => {
    const folder = freshFolder();
    const numbered = join(folder, 'numbered.db');
    const before = join(folder, 'before.db');
    await demoDatabase(numbered);
    asBeforeNumbers(numbered, before);
    const old = new DatabaseSync(before, { readOnly: true });
    const rowsBefore = numberedTables.map((t) => count(old, `SELECT COUNT(*) AS n FROM ${t}`));
    assert.equal(count(old, `SELECT COUNT(*) AS n FROM records WHERE typeof(subject) <> 'text'`), 0, 'tokens before');
    old.close();

    const expected = openSqliteStore(numbered, { keys: testKeys });
    const migrated = openSqliteStore(before, { keys: testKeys });
    try {
      assert.deepEqual(await everything(migrated), await everything(expected));
      assert.deepEqual(await members(migrated), await members(expected));
      assert.deepEqual(await migrated.summary(), await expected.summary());
    } finally {
      await expected.close();
      await migrated.close();
    }
    const db = new DatabaseSync(before, { readOnly: true });
    try {
      assert.deepEqual(
        numberedTables.map((t) => count(db, `SELECT COUNT(*) AS n FROM ${t}`)),
        rowsBefore,
        'every row kept',
      );
      for (const table of numberedTables) {
        assert.equal(count(db, `SELECT COUNT(*) AS n FROM ${table} WHERE typeof(subject) <> 'integer'`), 0, table);
      }
      assert.equal(count(db, `SELECT COUNT(*) AS n FROM schema_migrations WHERE name = '0014-subject-numbers'`), 1);
    } finally {
      db.close();
    }
  });

  it('leaves a register untouched when a row names a subject that was never registered', async () => {
    const folder = freshFolder();
    const numbered = join(folder, 'numbered.db');
    const before = join(folder, 'before.db');
    await demoDatabase(numbered);
    asBeforeNumbers(numbered, before);
    const db = new DatabaseSync(before);
    db.exec(`DELETE FROM subjects WHERE key = (SELECT subject FROM derivations ORDER BY subject LIMIT 1)`);
    const schema = () => db.prepare('SELECT sql FROM sqlite_schema ORDER BY name').all();
    const schemaBefore = schema();
    db.close();

    assert.throws(() => openSqliteStore(before, { keys: testKeys }), /CHECK constraint failed/);
    const after = new DatabaseSync(before, { readOnly: true });
    try {
      assert.deepEqual(
        after.prepare('SELECT sql FROM sqlite_schema ORDER BY name').all(),
        schemaBefore,
        'the schema is as it was',
      );
      assert.equal(count(after, `SELECT COUNT(*) AS n FROM schema_migrations WHERE name = '0014-subject-numbers'`), 0);
      assert.equal(count(after, `SELECT COUNT(*) AS n FROM records WHERE typeof(subject) <> 'text'`), 0);
    } finally {
      after.close();
    }
  });
});
