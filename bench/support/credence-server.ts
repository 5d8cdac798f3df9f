/**
 * The Credence service for bench/http.ts, in a child process: startService on an existing database with logging
 * off, listening on a free port.
 *
 * Usage (from bench/http.ts, with an IPC channel): node bench/support/credence-server.ts DB KEYFILE
 */
import { startService } from '../../src/http/start.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { serveUntilDisconnected } from './child-server.ts';
import { readBenchKeys } from './keys.ts';

const [db, keyFile] = process.argv.slice(2);
if (db === undefined || keyFile === undefined) throw new Error('usage: credence-server.ts DB KEYFILE');
const keys = readBenchKeys(keyFile);
const running = await startService(openSqliteStore(db, { keys }), { logStream: false, keys });
await serveUntilDisconnected(running.app, () => running.stop());
