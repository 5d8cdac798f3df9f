/**
 * PostgreSQL for tests: the server named by CREDENCE_TEST_DATABASE_URL (default: the loopback server `.ci/run`
 * starts), one database for all tests, a fresh schema per store. A server that cannot be reached fails the test
 * with what to install; nothing is skipped.
 */
import postgres from 'postgres';
import { after } from 'node:test';
import { randomBytes } from 'node:crypto';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import type { IdentifierProtector, Store } from '../../src/store/ports.ts';
import { testKeys } from './keys.ts';

export const testDatabaseUrl =
  process.env.CREDENCE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/credence_test';

const made: string[] = [];
let checked: Promise<void> | undefined;

/** Fails with instructions when the test server is not there (the database itself is made if missing). */
export function requirePostgres(): Promise<void> {
  checked ??= (async () => {
    const admin = new URL(testDatabaseUrl);
    admin.pathname = '/postgres';
    const sql = postgres(admin.toString(), { max: 1, onnotice: () => undefined, connect_timeout: 5 });
    try {
      const name = new URL(testDatabaseUrl).pathname.slice(1);
      const found = await sql.unsafe('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (found.length === 0) await sql.unsafe(`CREATE DATABASE "${name}"`).catch(() => undefined);
    } catch (error) {
      throw new Error(
        `PostgreSQL is not reachable at ${admin.host} (${(error as Error).message}): the PostgreSQL tests need a server. Install and start it (Debian: apt-get install postgresql; pg_ctlcluster 15 main start; .ci/run does both), or point CREDENCE_TEST_DATABASE_URL at one.`,
        { cause: error },
      );
    } finally {
      await sql.end();
    }
  })();
  return checked;
}

export function freshSchema(): string {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  made.push(schema);
  return schema;
}

export interface TestStoreOptions {
  /** Default: testKeys, as the contract suite's stores. */
  readonly keys?: IdentifierProtector;
}

/** A store in a new, empty schema (or the one given, to reopen it), dropped when the test file ends. */
export async function openTestPostgresStore(schema = freshSchema(), options: TestStoreOptions = {}): Promise<Store> {
  await requirePostgres();
  return openPostgresStore(testDatabaseUrl, { keys: options.keys ?? testKeys, schema, connections: 4 });
}

/** The URL of another database on the test server (it need not exist). */
export function testServerUrl(database: string): string {
  const url = new URL(testDatabaseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** A plain client of the test database, or of another one on its server: to look under a store, or to drop. */
export function connectTestServer(database?: string): postgres.Sql {
  const url = database === undefined ? testDatabaseUrl : testServerUrl(database);
  return postgres(url, { max: 1, onnotice: () => undefined });
}

after(async () => {
  if (made.length === 0) return;
  const sql = connectTestServer();
  try {
    for (const schema of made.splice(0)) await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await sql.end();
  }
});
