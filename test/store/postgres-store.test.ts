/**
 * The PostgreSQL adapter: the store contract, unchanged, on a fresh schema per test; then what only a networked
 * store has: a missing database, reopening a migrated one, the wrong keys, and two processes' transactions.
 */
import { runStoreContract } from '../support/store-contract.ts';
import { openTestPostgresStore } from '../support/postgres.ts';

runStoreContract('postgres', () => openTestPostgresStore());
