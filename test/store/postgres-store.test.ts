/**
 * The PostgreSQL adapter: the store contract, unchanged, on a fresh schema per test; then what only a networked
 * store has: a missing database, reopening a migrated one, the wrong keys, and two processes' transactions.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type postgres from 'postgres';
import { chainEvents, findChainBreak } from '../../src/app/audit-chain.ts';
import { generateKeyMaterial, keyringFrom } from '../../src/app/keyring.ts';
import type { Derivation } from '../../src/core/derive.ts';
import type { SubjectId } from '../../src/core/identifiers.ts';
import type { RecordDraft } from '../../src/core/record.ts';
import { pgMigrations } from '../../src/store/postgres/migrations.ts';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import {
  DatabaseMissingError,
  DuplicateReferenceError,
  KeysMismatchError,
  type AuditEventInput,
  type Store,
} from '../../src/store/ports.ts';
import { demoAgencies, demoVersions } from '../support/demo-catalogs.ts';
import { testKeys } from '../support/keys.ts';
import {
  connectTestServer,
  freshSchema,
  openTestPostgresStore,
  requirePostgres,
  testDatabaseUrl,
  testServerUrl,
} from '../support/postgres.ts';
import { organisation, person, runStoreContract } from '../support/store-contract.ts';

runStoreContract('postgres', () => openTestPostgresStore());

const t0 = Date.parse('2025-11-01T00:00:00Z');
const token = (key: string) => testKeys.lookup(key);

function draftOf(subject: SubjectId, agencyRef: string): RecordDraft {
  return {
    agency: 'city-court',
    agencyRef,
    subject: subject.key,
    code: 'court.defaulter',
    effectiveAtMs: t0,
    evidence: `judgment ${agencyRef}`,
  };
}

function derivationOf(subject: SubjectId, points = -5): Derivation {
  return {
    subject: subject.key,
    kind: subject.kind,
    entries: [
      {
        scheme: 'rongcheng-residents',
        version: 1,
        recordId: 1,
        code: 'traffic.drunk_driving',
        points,
        pointsRule: points,
        multiplier: 1,
        capped: false,
        fromMs: t0,
        untilMs: t0 + 365 * 86_400_000,
      },
    ],
    grades: [],
    listings: [],
  };
}

function eventOf(n: number, actor: string, subject?: SubjectId): AuditEventInput {
  return {
    atMs: t0 + n,
    kind: 'record.accepted',
    actor,
    ...(subject === undefined ? {} : { subject: subject.key }),
    payload: { n },
  };
}

/**
 * Expects opening a store to fail as `matches` says; a store that opens anyway is closed before the test fails, so
 * that its pool does not keep the test process running.
 */
async function assertOpenRejects(opening: Promise<Store>, matches: (error: unknown) => boolean): Promise<void> {
  await assert.rejects(
    opening.then(async (store) => {
      await store.close();
      assert.fail('the store opened');
    }),
    matches,
  );
}

/** Runs `body` with a plain client of the test database, always ended. */
async function withServer<T>(body: (sql: postgres.Sql) => Promise<T>, database?: string): Promise<T> {
  const sql = connectTestServer(database);
  try {
    return await body(sql);
  } finally {
    await sql.end();
  }
}

/** Writes one of most things in one transaction: what reopening must find again. */
async function writeSample(store: Store): Promise<void> {
  const [company, manager] = [organisation(1), person(1)];
  await store.transaction(async (tx) => {
    for (const version of demoVersions()) await tx.insertCatalogVersion(version);
    await tx.putAgencies(demoAgencies());
    await tx.putSubjects([company, manager]);
    await tx.putRelations([
      { organisation: company.key, person: manager.key, role: 'legal_representative', fromMs: t0 },
    ]);
    await tx.insertRecords([{ draft: draftOf(company, 'R-1'), recordedAtMs: t0 + 1 }]);
    await tx.putDerivations([derivationOf(company)]);
    await tx.appendAuditEvents(chainEvents(await tx.auditTail(), [eventOf(1, 'city-court', company)], testKeys));
  });
}

/** Everything writeSample writes, read through the port. */
async function readAll(store: Store) {
  const [company, manager] = [organisation(1), person(1)];
  const changes = await store.changes(0, 100);
  return {
    catalogVersions: await store.catalogVersions(),
    agencies: await store.agencies(),
    subjects: [await store.subject(company.key), await store.subject(manager.key)],
    relations: await store.relationsOfPerson(manager.key),
    records: await store.recordsOf(company.key),
    derivation: await store.derivation(company.key),
    audit: await store.auditEvents(0, 100),
    changes,
    identifiers: await store.identifiersOf(changes.flatMap((c) => c.subjects)),
    summary: await store.summary(),
  };
}

/** What a migration would leave a mark on: the migrations recorded (and their row versions) and each table's oid. */
async function schemaState(schema: string) {
  return withServer(async (sql) => ({
    applied: [
      ...(await sql.unsafe(`SELECT name, xmin::text AS xmin FROM "${schema}".schema_migrations ORDER BY name`)),
    ],
    relations: [
      ...(await sql.unsafe(
        `SELECT c.relname, c.oid::int8::text AS oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 ORDER BY c.relname`,
        [schema],
      )),
    ],
  }));
}

describe('postgres store: databases and schemas', () => {
  it('refuses to open a database that does not exist without create, saying how to make it; makes it with create', async () => {
    await requirePostgres();
    const name = `credence_missing_${randomBytes(6).toString('hex')}`;
    const url = new URL(testServerUrl(name));
    // A password in the URL must not reach the message (the test server trusts loopback, so it is not checked).
    if (url.password === '') url.password = 'not-for-messages';
    const databasesNamed = () =>
      withServer(async (sql) => (await sql.unsafe('SELECT 1 FROM pg_database WHERE datname = $1', [name])).length);
    try {
      await assertOpenRejects(
        openPostgresStore(url.toString(), { keys: testKeys, connections: 2 }),
        (error: unknown) =>
          error instanceof DatabaseMissingError &&
          error.code === 'database_missing' &&
          error.message.includes(`createdb ${name}`) &&
          !error.message.includes(url.password),
      );
      assert.equal(await databasesNamed(), 0, 'nothing is created without create');

      const created = await openPostgresStore(url.toString(), { keys: testKeys, create: true, connections: 2 });
      try {
        assert.equal(await databasesNamed(), 1);
        await created.transaction((tx) => tx.putSubjects([person(1)]));
        assert.deepEqual(await created.subject(person(1).key), person(1));
      } finally {
        await created.close();
      }
      // Made once, it opens without create.
      const reopened = await openPostgresStore(url.toString(), { keys: testKeys, connections: 2 });
      try {
        assert.deepEqual(await reopened.subject(person(1).key), person(1));
      } finally {
        await reopened.close();
      }
    } finally {
      await withServer((sql) => sql.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`), 'postgres');
    }
  });

  it('says plainly when no server answers, or the server refuses the login', async () => {
    const nobodyThere = 'postgres://postgres@127.0.0.1:1/credence';
    await assert.rejects(openPostgresStore(nobodyThere, { keys: testKeys }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'database_unreachable');
      assert.match(error.message, /cannot connect to postgres:\/\/postgres@127\.0\.0\.1:1\/credence/);
      return true;
    });
    const login = new URL(testDatabaseUrl);
    login.username = `nobody_${randomBytes(4).toString('hex')}`;
    login.password = 'secret-never-shown';
    await assert.rejects(
      openPostgresStore(login.toString(), { keys: testKeys }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'database_unreachable');
        assert.match(error.message, /refused the login/);
        assert.ok(!error.message.includes('secret-never-shown'), 'the password is not in the message');
        return true;
      },
    );
  });

  it('reopens a migrated schema with its data, running no migration again', async () => {
    const schema = freshSchema();
    const first = await openTestPostgresStore(schema);
    let before: Awaited<ReturnType<typeof readAll>>;
    try {
      await writeSample(first);
      before = await readAll(first);
    } finally {
      await first.close();
    }
    assert.equal(before.records.length, 1);
    assert.equal(before.audit.length, 1);
    assert.equal(before.changes.length, 1);
    assert.equal(before.identifiers.size, 2);
    const migrated = await schemaState(schema);
    assert.deepEqual(
      migrated.applied.map((row) => row.name),
      pgMigrations.map((m) => m.name).sort(),
    );

    // A new store has cold caches, as another process would: everything is read back from the database.
    const second = await openTestPostgresStore(schema);
    try {
      assert.deepEqual(await readAll(second), before);
      const [next] = await second.transaction((tx) =>
        tx.insertRecords([{ draft: draftOf(organisation(1), 'R-2'), recordedAtMs: t0 + 2 }]),
      );
      assert.ok(next !== undefined && next.id > (before.records[0]?.id ?? Infinity), 'ids go on where they were');
    } finally {
      await second.close();
    }
    assert.deepEqual(await schemaState(schema), migrated);
  });

  it('refuses keys other than those the schema was made with, and still opens with its own', async () => {
    const schema = freshSchema();
    const made = await openTestPostgresStore(schema);
    try {
      await made.transaction((tx) => tx.putSubjects([person(1)]));
    } finally {
      await made.close();
    }
    const otherKeys = keyringFrom(generateKeyMaterial());
    await assertOpenRejects(
      openTestPostgresStore(schema, { keys: otherKeys }),
      (error: unknown) => error instanceof KeysMismatchError && error.code === 'keys_mismatch',
    );
    const again = await openTestPostgresStore(schema);
    try {
      assert.deepEqual(await again.subject(person(1).key), person(1));
    } finally {
      await again.close();
    }
  });
});

describe('postgres store: two processes on one schema', () => {
  it('serialises their transactions: each extends the audit chain from the tail it read', async () => {
    const schema = freshSchema();
    const stores = [await openTestPostgresStore(schema), await openTestPostgresStore(schema)];
    const perStore = 20;
    try {
      await Promise.all(
        stores.flatMap((store, s) =>
          Array.from({ length: perStore }, (_, i) =>
            store.transaction(async (tx) => {
              const subject = person(s * perStore + i);
              const tail = await tx.auditTail();
              // Hold the tail across a turn of the event loop, so a writer on the other connection would interleave.
              await sleep(1);
              await tx.putDerivations([derivationOf(subject)]);
              await tx.appendAuditEvents(chainEvents(tail, [eventOf(i, `store-${s}`, subject)], testKeys));
            }),
          ),
        ),
      );

      const events = await stores[0]?.auditEvents(0, 100);
      assert.ok(events !== undefined);
      assert.deepEqual(
        events.map((e) => e.seq),
        Array.from({ length: 2 * perStore }, (_, i) => i + 1),
      );
      assert.equal(findChainBreak(undefined, events), undefined);
      for (const actor of ['store-0', 'store-1'])
        assert.equal(events.filter((e) => e.actor === actor).length, perStore, `${actor} appended ${perStore}`);
      assert.deepEqual(await stores[1]?.auditEvents(0, 100), events);

      // Outbox ids follow commit order across connections too: the k-th change is the k-th event's transaction.
      const changes = await stores[1]?.changes(0, 100);
      assert.deepEqual(
        changes?.map((c) => c.subjects),
        events.map((e) => [e.subject]),
      );
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it('gives the loser of a race on an agency reference DuplicateReferenceError', async () => {
    const schema = freshSchema();
    const stores = [await openTestPostgresStore(schema), await openTestPostgresStore(schema)];
    try {
      const outcomes = await Promise.allSettled(
        stores.map((store, s) =>
          store.transaction(async (tx) => {
            await tx.putSubjects([person(s)]);
            await sleep(1);
            return tx.insertRecords([{ draft: draftOf(person(s), 'R-race'), recordedAtMs: t0 }]);
          }),
        ),
      );
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.filter((o) => o.status === 'rejected');
      assert.equal(won.length, 1, 'one transaction stores the reference');
      assert.equal(lost.length, 1);
      assert.ok(lost[0]?.reason instanceof DuplicateReferenceError, `the loser got ${String(lost[0]?.reason)}`);
      const stored = await stores[0]?.transaction((tx) => tx.recordsByRef('city-court', ['R-race']));
      assert.deepEqual([...(stored?.values() ?? [])], won[0]?.value);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });
});

describe('postgres store: duplicate references', () => {
  it('refuses a duplicate (agency, agencyRef) with DuplicateReferenceError, leaving nothing of the transaction', async () => {
    const store = await openTestPostgresStore();
    try {
      const [first, second] = [person(1), person(2)];
      const [kept] = await store.transaction(async (tx) => {
        await tx.putSubjects([first]);
        return tx.insertRecords([{ draft: draftOf(first, 'R-1'), recordedAtMs: t0 }]);
      });
      assert.ok(kept !== undefined);
      const snapshot = async () => ({
        summary: await store.summary(),
        records: await store.recordsOf(first.key),
        audit: await store.auditEvents(0, 100),
        changes: await store.changes(0, 100),
      });
      const before = await snapshot();

      // Against a stored record, and within one batch.
      for (const refs of [
        ['R-2', 'R-1'],
        ['R-3', 'R-3'],
      ]) {
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.putSubjects([second]);
            await tx.putDerivations([derivationOf(second)]);
            await tx.appendAuditEvents(chainEvents(await tx.auditTail(), [eventOf(1, 'city-court', second)], testKeys));
            await tx.insertRecords(refs.map((ref) => ({ draft: draftOf(second, ref), recordedAtMs: t0 + 1 })));
          }),
          (error: unknown) => error instanceof DuplicateReferenceError && error.code === 'duplicate_reference',
          `a batch of ${refs.join(' and ')}`,
        );
      }

      assert.deepEqual(await snapshot(), before);
      assert.equal(await store.subject(second.key), undefined);
      assert.equal(await store.derivation(second.key), undefined);
      assert.deepEqual(await store.recordsOf(second.key), []);
      assert.deepEqual(await store.identifiersOf([token(second.key)]), new Map());
      assert.deepEqual(
        await store.transaction((tx) => tx.recordsByRef('city-court', ['R-1', 'R-2', 'R-3'])),
        new Map([['R-1', kept]]),
      );

      // The store is still usable, and the references refused with the duplicate are free.
      const [later] = await store.transaction(async (tx) => {
        await tx.putSubjects([second]);
        return tx.insertRecords([{ draft: draftOf(second, 'R-2'), recordedAtMs: t0 + 2 }]);
      });
      assert.ok(later !== undefined && later.id > kept.id);
      assert.deepEqual(await store.recordsOf(second.key), [later]);
    } finally {
      await store.close();
    }
  });
});
