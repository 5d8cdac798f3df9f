/**
 * The SQLite adapter: the store contract on a fresh database file per test, then what only a file-backed store
 * has: a missing file, reopening (the schema is migrated once) and data surviving a close.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, it } from 'node:test';
import { chainEvents } from '../../src/app/audit-chain.ts';
import { parseSubjectId, type SubjectId } from '../../src/core/identifiers.ts';
import { migrations } from '../../src/store/sqlite/migrations.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { DatabaseMissingError, type Store } from '../../src/store/ports.ts';
import { demoAgencies, demoVersions } from '../support/demo-catalogs.ts';
import { runStoreContract } from '../support/store-contract.ts';
import { testKeys } from '../support/keys.ts';

const t0 = Date.parse('2025-11-01T00:00:00Z');
const folders: string[] = [];

/** A path for a database file in a new temporary folder, removed after the test. */
function freshPath(): string {
  const folder = mkdtempSync(join(tmpdir(), 'credence-store-'));
  folders.push(folder);
  return join(folder, 'credence.db');
}

afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

runStoreContract('sqlite', async () => openSqliteStore(freshPath(), { create: true, keys: testKeys }));

function subjectOf(key: string): SubjectId {
  const parsed = parseSubjectId(key);
  if (!parsed.ok) throw new Error(parsed.problem.message);
  return parsed.value;
}

const person = subjectOf('11010519491231002X');
const company = subjectOf('91350100M000100Y43');

/** Writes one of everything, in two transactions, and one transaction that rolls back. */
async function writeSample(store: Store): Promise<void> {
  await store.transaction(async (tx) => {
    for (const version of demoVersions()) await tx.insertCatalogVersion(version);
    await tx.putAgencies(demoAgencies());
    await tx.putSubjects([person, company]);
    await tx.putRelations([
      { organisation: company.key, person: person.key, role: 'legal_representative', fromMs: t0 },
    ]);
    const [record] = await tx.insertRecords([
      {
        draft: {
          agency: 'city-court',
          agencyRef: 'R-1',
          subject: company.key,
          code: 'court.defaulter',
          effectiveAtMs: t0,
          evidence: 'judgment R-1',
          amount: 250_000,
          caseRef: '(2025)京0105执123号',
        },
        recordedAtMs: t0 + 1,
      },
    ]);
    await tx.putDerivations([
      {
        subject: company.key,
        kind: company.kind,
        entries: [],
        grades: [],
        listings: [
          {
            list: 'court-defaulters',
            scheme: 'court-defaulters',
            version: 1,
            recordId: record?.id ?? 0,
            code: 'court.defaulter',
            trigger: 'rule',
            caseRef: '(2025)京0105执123号',
            startMs: t0,
            endMs: t0 + 1825 * 86_400_000,
            untilDelisted: true,
            extendedBy: [],
          },
        ],
      },
    ]);
    await tx.appendAuditEvents(
      chainEvents(
        await tx.auditTail(),
        [{ atMs: t0 + 1, kind: 'record.accepted', actor: 'city-court', subject: company.key, payload: { ref: 'R-1' } }],
        testKeys,
      ),
    );
  });
  await assert.rejects(
    store.transaction(async (tx) => {
      await tx.putSubjects([subjectOf('passport:DEU:C01X00T47')]);
      throw new Error('rolled back');
    }),
    /rolled back/,
  );
}

/** Everything a store holds that writeSample writes, read through the port. */
async function readAll(store: Store) {
  return {
    catalogVersions: await store.catalogVersions(),
    agencies: await store.agencies(),
    person: await store.subject(person.key),
    company: await store.subject(company.key),
    relations: await store.relationsOfPerson(person.key),
    records: await store.recordsOf(company.key),
    derivation: await store.derivation(company.key),
    members: await store.listMembers('court-defaulters', t0, 10),
    audit: await store.auditEvents(0, 10),
    summary: await store.summary(),
  };
}

/** The schema cookie and the migrations recorded as applied, read straight from the file. */
function readSchema(path: string): { readonly version: number; readonly applied: unknown[] } {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const version = Number(db.prepare('PRAGMA schema_version').get()?.schema_version);
    const applied = db
      .prepare('SELECT name FROM schema_migrations ORDER BY name')
      .all()
      .map((row) => row.name);
    return { version, applied };
  } finally {
    db.close();
  }
}

describe('sqlite store: files', () => {
  it('refuses to open a missing file without create, naming the path', () => {
    const path = freshPath();
    assert.throws(
      () => openSqliteStore(path, { keys: testKeys }),
      (error: unknown) =>
        error instanceof DatabaseMissingError && error.code === 'database_missing' && error.message.includes(path),
    );
    assert.equal(existsSync(path), false, 'nothing is created');
  });

  it('creates the file and its folder when asked', async () => {
    const path = join(freshPath(), '..', 'nested', 'deeper', 'credence.db');
    const store = openSqliteStore(path, { create: true, keys: testKeys });
    try {
      assert.equal(existsSync(path), true);
      assert.deepEqual((await store.summary()).records, 0);
    } finally {
      await store.close();
    }
  });

  it('reopens an existing file with its data, without re-running migrations', async () => {
    const path = freshPath();
    const created = openSqliteStore(path, { create: true, keys: testKeys });
    await writeSample(created);
    await created.close();

    const schemaBefore = readSchema(path);

    const reopened = openSqliteStore(path, { keys: testKeys });
    try {
      assert.equal((await reopened.summary()).records, 1);
    } finally {
      await reopened.close();
    }
    const again = openSqliteStore(path, { create: true, keys: testKeys });
    await again.close();

    // The schema cookie changes with any schema change, so an equal cookie means no migration ran again.
    const schemaAfter = readSchema(path);
    assert.deepEqual(schemaAfter, schemaBefore);
    assert.deepEqual(
      schemaAfter.applied,
      migrations.map((m) => m.name),
    );
  });

  it('sees committed data after close and reopen, and nothing rolled back', async () => {
    const path = freshPath();
    const first = openSqliteStore(path, { create: true, keys: testKeys });
    let before: Awaited<ReturnType<typeof readAll>>;
    try {
      await writeSample(first);
      before = await readAll(first);
    } finally {
      await first.close();
    }
    assert.equal(before.records.length, 1);
    assert.equal(before.members.length, 1);
    assert.equal(before.audit.length, 1);

    const second = openSqliteStore(path, { keys: testKeys });
    try {
      assert.deepEqual(await readAll(second), before);
      assert.equal(await second.subject('passport:DEU:C01X00T47'), undefined);
      // The reopened store goes on from where the first left off.
      const [next] = await second.transaction((tx) =>
        tx.insertRecords([
          {
            draft: {
              agency: 'city-court',
              agencyRef: 'R-2',
              subject: company.key,
              code: 'court.defaulter',
              effectiveAtMs: t0,
              evidence: 'judgment R-2',
            },
            recordedAtMs: t0 + 2,
          },
        ]),
      );
      assert.ok(next !== undefined && next.id > (before.records[0]?.id ?? Infinity));
    } finally {
      await second.close();
    }
  });
});

describe('sqlite store: notices', () => {
  it("stores a notice without what its record's row holds, and reads it back whole from any path", async () => {
    const path = freshPath();
    const store = openSqliteStore(path, { create: true, keys: testKeys });
    try {
      await writeSample(store);
      const [record] = await store.recordsOf(company.key);
      assert.ok(record);
      const facts = {
        subject: company.key,
        kind: 'listing.started' as const,
        adverse: true,
        scheme: 'court-defaulters',
        version: 1,
        recordId: record.id,
        code: record.code,
        evidence: record.evidence,
        effectiveAtMs: record.effectiveAtMs,
        objectionDeadlineMs: t0 + 15 * 86_400_000,
        details: { list: 'court-defaulters' },
      };
      const [stored] = await store.transaction(async (tx) => {
        const notices = await tx.insertNotices([facts], t0 + 2);
        await tx.enqueueDeliveries('webhook', 10, t0 + 2);
        return notices;
      });
      assert.ok(stored);
      assert.deepEqual(await store.noticesOf(company.key, 10), [stored]);
      const due = await store.dueDeliveries('webhook', t0 + 2, 10);
      assert.deepEqual(
        due.map((d) => d.notice),
        [stored],
      );

      const db = new DatabaseSync(path, { readOnly: true });
      try {
        const body = String(db.prepare('SELECT body FROM notices WHERE id = ?').get(stored.id)?.body);
        assert.match(body, /^\[2,"court-defaulters",1,null,null,null,/);
        assert.equal(body.includes(record.evidence), false, body);
      } finally {
        db.close();
      }
    } finally {
      await store.close();
    }
  });
});
