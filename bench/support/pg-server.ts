/**
 * A Credence server for bench/pg.ts, in a child process, on a PostgreSQL store with logging off, listening on a
 * free port on loopback:
 * - main: startService, publishing its change outbox to the NATS change stream;
 * - replica: startReplica, following that stream.
 *
 * Usage (from bench/pg.ts, with an IPC channel):
 *   node bench/support/pg-server.ts main|replica DATABASE_URL SCHEMA KEYFILE NATS_URL STREAM
 */
import { startReplica, startService, type RunningService } from '../../src/http/start.ts';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { NatsChangeStream } from '../../src/stream/nats.ts';
import { serveUntilDisconnected } from './child-server.ts';
import { readBenchKeys } from './keys.ts';

const [role, url, schema, keyFile, natsUrl, stream] = process.argv.slice(2);
if (
  (role !== 'main' && role !== 'replica') ||
  url === undefined ||
  schema === undefined ||
  keyFile === undefined ||
  natsUrl === undefined ||
  stream === undefined
) {
  throw new Error('usage: pg-server.ts main|replica DATABASE_URL SCHEMA KEYFILE NATS_URL STREAM');
}
const keys = readBenchKeys(keyFile);
const store = await openPostgresStore(url, { keys, schema });
const changes = await NatsChangeStream.open({ servers: [natsUrl], stream });
let running: RunningService;
try {
  running =
    role === 'main'
      ? await startService(store, { logStream: false, keys, changeSink: changes })
      : await startReplica(store, { logStream: false, keys, feed: changes });
} catch (error) {
  await changes.close();
  await store.close();
  throw error;
}
await serveUntilDisconnected(running.app, async () => {
  await running.stop();
  await changes.close();
});
