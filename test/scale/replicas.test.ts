/**
 * Scale-out end to end, as an operator runs it: the main server on PostgreSQL publishing to a three-node NATS
 * JetStream cluster on loopback, and two decision replicas (`credence replica`), each its own process.
 *
 * - Records submitted to the main server change the decisions of both replicas within a bound.
 * - One NATS node is killed: the replicas keep serving, and records submitted meanwhile still reach them.
 * - A replica is killed (SIGKILL) and started again: it converges to the main server's answer for every subject on
 *   every list, for every action.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { residentIdCheckCharacter } from '../../src/core/identifiers.ts';
import { startNatsCluster, type NatsCluster } from '../support/nats-cluster.ts';
import { requirePostgres, testDatabaseUrl } from '../support/postgres.ts';
import { keepServerOutput } from '../support/server-output.ts';
import { eventually } from '../support/eventually.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const folder = mkdtempSync(join(tmpdir(), 'credence-replicas-'));
const keyFile = join(folder, 'keys.json');
const databaseName = `credence_replicas_${randomBytes(4).toString('hex')}`;
const databaseUrl = (() => {
  const url = new URL(testDatabaseUrl);
  url.pathname = `/${databaseName}`;
  return url.toString();
})();
/** How long a change may take to reach a replica in normal running, and while a NATS node is down. */
const convergeMs = 10_000;
const convergeDuringFailureMs = 45_000;

function cli(...args: string[]) {
  const result = spawnSync(
    process.execPath,
    ['src/cli/main.ts', ...args, '--database-url', databaseUrl, '--keys', keyFile],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  keepServerOutput('log', result.stderr);
  assert.equal(result.status, 0, `credence ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

interface Server {
  readonly process: ChildProcess;
  readonly url: string;
}

/** Starts `credence ARGS --port 0` and waits for the URL it prints. */
function startServer(args: readonly string[]): Promise<Server> {
  const child = spawn(
    process.execPath,
    ['src/cli/main.ts', ...args, '--port', '0', '--database-url', databaseUrl, '--keys', keyFile],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => keepServerOutput('log', chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      keepServerOutput('log', text);
      stderr += text;
      const found = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (found?.[1]) resolve({ process: child, url: found[1] });
    });
    child.on('exit', (code) => reject(new Error(`credence ${args[0]} exited ${code}: ${stderr}`)));
  });
}

async function kill(server: Server): Promise<void> {
  if (server.process.exitCode !== null) return;
  const exited = new Promise((resolve) => server.process.once('exit', resolve));
  server.process.kill('SIGKILL');
  await exited;
}

const children: ChildProcess[] = [];
let cluster: NatsCluster | undefined;
let main: Server;
let replicas: Server[] = [];
let adminToken: string;
let agencyToken: string;

/** The n-th fresh resident for this test (not in the demo: born 1977, region 110108). */
function resident(n: number): string {
  const first17 = `110108197703${String(1 + (n % 28)).padStart(2, '0')}${String(100 + n).padStart(3, '0')}`;
  return first17 + residentIdCheckCharacter(first17);
}

async function submitDefaulter(subject: string, ref: string): Promise<void> {
  const response = await fetch(`${main.url}/v1/records`, {
    method: 'POST',
    headers: { authorization: `Bearer ${agencyToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      records: [
        {
          agencyRef: ref,
          subject,
          code: 'court.defaulter.refuses',
          effectiveAt: new Date(Date.now() - 60_000).toISOString(),
          evidence: `city-court/doc/${ref}`,
        },
      ],
    }),
  });
  const body = (await response.json()) as { accepted?: number };
  assert.equal(response.status, 200, JSON.stringify(body));
  assert.equal(body.accepted, 1, JSON.stringify(body));
}

type Answer = { subject: string; outcome?: string; reasons?: { measure: string }[]; error?: { code: string } };

/** Each subject's outcome and the measures behind it (decision ids differ between servers and are left out). */
async function decide(server: Server, action: string, subjects: readonly string[]): Promise<string[]> {
  const response = await fetch(`${server.url}/v1/decisions/batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ action, subjects }),
  });
  const body = (await response.json()) as { results: Answer[] };
  assert.equal(response.status, 200, JSON.stringify(body));
  return body.results.map(
    (r) => `${r.subject} ${r.outcome ?? r.error?.code} ${(r.reasons ?? []).map((x) => x.measure).join(',')}`,
  );
}

async function outcome(server: Server, subject: string): Promise<string | undefined> {
  const [line] = await decide(server, 'travel.flight', [subject]);
  return line?.split(' ')[1];
}

async function health(server: Server): Promise<{ replication?: { lag: number; appliedSequence: number } }> {
  const response = await fetch(`${server.url}/healthz`);
  return (await response.json()) as { replication?: { lag: number; appliedSequence: number } };
}

before(async () => {
  await requirePostgres();
  cluster = await startNatsCluster({ nodes: 3 });
  const nats = cluster.urls.join(',');
  const made = spawnSync(process.execPath, ['src/cli/main.ts', 'keys', 'generate', '--out', keyFile], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.equal(made.status, 0, made.stderr);
  cli('demo', '--people', '300', '--seed', 'replicas');
  adminToken = cli('tokens', 'create', '--role', 'admin', '--name', 'replica-test').trim();
  agencyToken = cli('tokens', 'create', '--role', 'agency', '--name', 'city-court').trim();
  main = await startServer(['serve', '--nats', nats, '--stream-replicas', '3']);
  replicas = await Promise.all([startServer(['replica', '--nats', nats]), startServer(['replica', '--nats', nats])]);
});

after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await cluster?.stop();
  const admin = new URL(testDatabaseUrl);
  admin.pathname = '/postgres';
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => undefined });
  try {
    await sql.unsafe(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
  } finally {
    await sql.end();
  }
  rmSync(folder, { recursive: true, force: true });
  // The demo's account file for a PostgreSQL database is kept under data/, by the database's name.
  rmSync(join(root, 'data', `postgres-${databaseName}.accounts`), { force: true });
});

describe('decision replicas on PostgreSQL and a three-node JetStream cluster', () => {
  it('serve only decisions, and report their lag', async () => {
    for (const replica of replicas) {
      // The main server may still be publishing the outbox it found at start, page by page: the lag reaches 0
      // within the bound, and the health report and the metric say so together (read one after the other, a page
      // published in between would make them differ: both are read again until they agree on 0).
      await eventually('a new replica has caught up', convergeMs, async () => {
        const report = await health(replica);
        assert.equal(report.replication?.lag, 0, JSON.stringify(report));
        const metrics = await (await fetch(`${replica.url}/metrics`)).text();
        const lag = /^credence_replica_lag_messages (\d+)$/m.exec(metrics)?.[1];
        assert.equal(lag, '0', `credence_replica_lag_messages ${String(lag)}`);
        return true;
      });
      const records = await fetch(`${replica.url}/v1/records`, { headers: { authorization: `Bearer ${agencyToken}` } });
      assert.equal(records.status, 404, 'a replica serves no write routes');
    }
    assert.equal((await health(main)).replication, undefined);
  });

  it('records submitted to the main server change the decisions of both replicas within the bound', async () => {
    const subjects = [resident(1), resident(2), resident(3)];
    for (const replica of replicas) for (const s of subjects) assert.equal(await outcome(replica, s), 'allow');
    for (const [i, s] of subjects.entries()) await submitDefaulter(s, `replicas-a-${i}`);
    for (const s of subjects) assert.equal(await outcome(main, s), 'deny', 'the main server answers at once');
    for (const replica of replicas)
      await eventually('a replica denies the new defaulters', convergeMs, async () => {
        for (const s of subjects) if ((await outcome(replica, s)) !== 'deny') return false;
        return true;
      });
  });

  it('keep serving and catching up with one NATS node killed', async () => {
    assert.ok(cluster);
    await cluster.kill(0);
    const subject = resident(4);
    for (const replica of replicas) assert.equal(await outcome(replica, subject), 'allow', 'still serving');
    await submitDefaulter(subject, 'replicas-b-0');
    for (const replica of replicas)
      await eventually('a replica catches up with a node down', convergeDuringFailureMs, async () => {
        if ((await outcome(replica, subject)) === 'deny') return true;
        throw new Error(
          `replica ${JSON.stringify(await health(replica))}; main ${(await (await fetch(`${main.url}/metrics`)).text())
            .split('\n')
            .filter((l) => l.startsWith('credence_changes'))
            .join(' ')}`,
        );
      });
    await cluster.restart(0);
  });

  it('a replica killed and restarted converges to the main server for every listed subject', async () => {
    const [first, second] = replicas;
    assert.ok(first && second);
    await kill(second);
    // Written while it is down: a restarted replica must know them.
    await submitDefaulter(resident(5), 'replicas-c-0');
    await submitDefaulter(resident(6), 'replicas-c-1');
    const restarted = await startServer(['replica', '--nats', cluster?.urls.join(',') ?? '']);
    replicas = [first, restarted];

    const lists = JSON.parse(cli('lists', '--json')) as { id: string; members: number }[];
    const listed = new Set<string>();
    for (const list of lists) {
      const members = JSON.parse(cli('lists', list.id, '--unmasked', '--json', '--limit', '1000')) as {
        subject: string;
      }[];
      for (const m of members) listed.add(m.subject);
    }
    const subjects = [...listed].sort();
    assert.ok(subjects.length > 10, `the demo lists subjects (${subjects.length})`);
    assert.ok(listed.has(resident(5)) && listed.has(resident(6)), 'the records written during the outage are listed');
    const actions = ['travel.flight', 'travel.rail.g_series', 'procurement.bid', 'visa.issue', 'service.green_channel'];
    for (const action of actions) {
      const expected = await decide(main, action, subjects);
      assert.ok(
        expected.some((line) => !line.endsWith(' ')),
        `some listed subject is under a measure for ${action}: the comparison means something`,
      );
      for (const replica of replicas)
        await eventually(`replica answers as the main server for ${action}`, convergeMs, async () => {
          assert.deepEqual(await decide(replica, action, subjects), expected);
          return true;
        });
    }
    for (const replica of replicas)
      await eventually('the replicas report no lag', convergeMs, async () => {
        assert.equal((await health(replica)).replication?.lag, 0);
        return true;
      });
  });
});
