/**
 * The cluster harness: three nodes that replicate a stream, survive the death of one, take it back, and leave no
 * process behind. Also what it says when the server binary is missing or a node will not start.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { startNatsCluster, type NatsCluster } from './nats-cluster.ts';

const stream = 'HARNESS';
/** Long enough for the surviving nodes to elect new leaders for the meta group and the stream. */
const electionWithinMs = 20_000;

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function open(servers: readonly string[]): Promise<NatsConnection> {
  const nc = await connect({ servers: [...servers], reconnectTimeWait: 100, maxReconnectAttempts: -1 });
  cleanups.push(() => nc.close());
  return nc;
}

/** Retries what fails while a leader is being elected, until it succeeds or the bound passes. */
async function eventually<T>(what: string, attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + electionWithinMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() >= deadline) {
        throw new Error(`${what}: still failing after ${electionWithinMs / 1000} s`, { cause: error });
      }
      await delay(200);
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function messagesIn(jsm: JetStreamManager): Promise<number> {
  return (await jsm.streams.info(stream)).state.messages;
}

test('a three-node cluster replicates a stream, outlives one node, takes it back and leaves nothing', async () => {
  const cluster: NatsCluster = await startNatsCluster();
  cleanups.push(() => cluster.stop());
  assert.equal(cluster.urls.length, 3);
  for (const url of cluster.urls) assert.match(url, /^nats:\/\/127\.0\.0\.1:\d+$/);
  const pids = [0, 1, 2].map((index) => cluster.pid(index));
  assert.ok(pids.every((pid) => pid !== undefined && isAlive(pid)));

  const nc = await open(cluster.urls);
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.add({ name: stream, subjects: ['test.>'], num_replicas: 3 });
  assert.equal(info.config.num_replicas, 3);
  assert.equal(info.cluster?.replicas?.length, 2, 'a leader and two followers');

  const js = jetstream(nc);
  const first = await js.publish('test.a', 'one', { msgID: 'm-1' });
  assert.equal(first.duplicate, false);
  assert.equal(first.seq, 1);
  const again = await js.publish('test.a', 'one', { msgID: 'm-1' });
  assert.equal(again.duplicate, true, 'the same message id within the duplicate window is stored once');
  assert.equal(again.seq, 1);
  assert.equal(await messagesIn(jsm), 1);

  const killed = pids[0];
  assert.ok(killed !== undefined);
  await cluster.kill(0);
  assert.equal(isAlive(killed), false, 'kill waits for the exit');
  assert.equal(cluster.pid(0), undefined);

  const survivors = await open(cluster.urls.slice(1));
  const survivorJs = jetstream(survivors);
  // No account check on creation: the meta leader that answers it may be the node just killed.
  const survivorJsm = await jetstreamManager(survivors, { checkAPI: false });
  // The same message id on every try: a try that timed out but was stored shows up as a duplicate, not a second copy.
  const second = await eventually('publish with node 0 dead', () =>
    survivorJs.publish('test.b', 'two', { msgID: 'm-2', timeout: 2_000 }),
  );
  assert.equal(second.seq, 2);
  assert.equal(await eventually('stream info', () => messagesIn(survivorJsm)), 2);
  const read = await eventually('read', () => survivorJsm.streams.getMessage(stream, { seq: 2 }));
  assert.equal(read?.subject, 'test.b');
  assert.equal(read?.string(), 'two');

  await cluster.restart(0);
  const restarted = cluster.pid(0);
  assert.ok(restarted !== undefined && restarted !== killed && isAlive(restarted));
  await assert.rejects(cluster.restart(0), /node-0 is running/);
  // Back in the stream's group and caught up, and serving clients of its own.
  await eventually('node-0 current again', async () => {
    const group = (await survivorJsm.streams.info(stream)).cluster;
    const current = group?.leader === 'node-0' || group?.replicas?.some((p) => p.name === 'node-0' && p.current);
    assert.equal(current, true, `node-0 in the stream's group: ${JSON.stringify(group)}`);
  });
  const alone = await open(cluster.urls.slice(0, 1));
  const aloneJs = jetstream(alone);
  const third = await eventually('publish through node 0', () =>
    aloneJs.publish('test.c', 'three', { msgID: 'm-3', timeout: 2_000 }),
  );
  assert.equal(third.seq, 3);

  const folder = cluster.folder;
  const running = [0, 1, 2].map((index) => cluster.pid(index));
  for (const close of cleanups.splice(0).reverse()) await close();
  for (const pid of running) assert.ok(pid !== undefined && !isAlive(pid), `node process ${pid} is gone`);
  assert.equal(existsSync(folder), false, 'the stores and logs are removed');
  await cluster.stop(); // twice is harmless
  assert.throws(() => cluster.pid(0), /stopped/);
});

test('a missing server binary fails with what to install', async () => {
  await assert.rejects(
    startNatsCluster({ serverPath: '/nonexistent/nats-server' }),
    /Install the Debian package nats-server \(\.ci\/run does\)/,
  );
});

test('a node that exits at once fails the start with its log', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'credence-nats-fake-'));
  cleanups.push(async () => rmSync(folder, { recursive: true, force: true }));
  const fake = join(folder, 'nats-server');
  writeFileSync(fake, '#!/bin/sh\necho "cannot start: $*" >&2\nexit 3\n');
  chmodSync(fake, 0o755);
  await assert.rejects(startNatsCluster({ nodes: 2, serverPath: fake }), (error: Error) => {
    assert.match(error.message, /node-\d ended \(exit code 3\) before it was ready/);
    assert.match(error.message, /cannot start: .*--cluster_name credence-test/);
    return true;
  });
});

test('a node count that is not a whole positive number is refused', async () => {
  await assert.rejects(startNatsCluster({ nodes: 0 }), /whole number of nodes, not 0/);
});
