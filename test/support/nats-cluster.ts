/**
 * A NATS JetStream cluster on loopback for integration tests: three nodes (by default) of Debian's nats-server, each
 * with its own client, cluster and monitoring port and its own store under one temporary folder. Tests kill a node
 * and start it again to see what clients do when a server dies. No node outlives the test process: stop() kills
 * them, and so does the process's exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { connect as connectTcp, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

export const natsServerPath = '/usr/sbin/nats-server';
const host = '127.0.0.1';
const clusterName = 'credence-test';
/** How long a node may take to join the cluster and know its JetStream meta leader. */
const readyWithinMs = 30_000;
const pollEveryMs = 100;
/** Each monitoring request or greeting; a node that has just started may not answer the first ones. */
const probeTimeoutMs = 1_000;
const logTailLines = 20;
/** Fresh ports per try: another process may take a probed free port before the node binds it. */
const startAttemptsMax = 3;

export interface NatsCluster {
  /** Client URLs, nats://127.0.0.1:PORT, one per node in node order. */
  readonly urls: readonly string[];
  /** The folder holding every node's store and log (removed by stop()). */
  readonly folder: string;
  /** The node's process id while it runs. */
  pid(index: number): number | undefined;
  /** SIGKILLs one node and waits for its exit. */
  kill(index: number): Promise<void>;
  /** Starts a killed node again with the same ports and store, and waits until it accepts clients. */
  restart(index: number): Promise<void>;
  /** Kills every node and removes the folder. */
  stop(): Promise<void>;
}

export interface NatsClusterOptions {
  readonly nodes?: number;
  /** The server binary (for the tests of this harness; default Debian's). */
  readonly serverPath?: string;
}

interface NodePorts {
  readonly client: number;
  readonly cluster: number;
  readonly monitor: number;
}

interface NatsNode {
  readonly name: string;
  readonly ports: NodePorts;
  readonly args: readonly string[];
  readonly logFile: string;
  process?: ChildProcess;
  exited?: Promise<void>;
  exitReason?: string;
}

// Every node of every cluster this process started and has not seen exit, and the folders not yet removed, for
// the exit and signal handlers.
const running = new Set<ChildProcess>();
const folders = new Set<string>();

function killRunning(): void {
  for (const child of running) child.kill('SIGKILL');
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
}

process.on('exit', killRunning);
// A signal skips 'exit' handlers. Kill the nodes, then let the signal do what it would have done without this
// listener (once: it is gone by then, so the re-raised signal ends the process unless someone else listens).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killRunning();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}

export async function startNatsCluster(options: NatsClusterOptions = {}): Promise<NatsCluster> {
  const serverPath = options.serverPath ?? natsServerPath;
  const count = options.nodes ?? 3;
  if (!Number.isInteger(count) || count < 1) throw new Error(`a cluster needs a whole number of nodes, not ${count}`);
  if (!existsSync(serverPath)) {
    throw new Error(
      `${serverPath} is missing: the NATS cluster tests start their own servers from it. Install the Debian package nats-server (.ci/run does).`,
    );
  }
  for (let attempt = 1; ; attempt++) {
    const folder = mkdtempSync(join(tmpdir(), 'credence-nats-'));
    folders.add(folder);
    const nodes = planNodes(folder, await freePorts(count));
    try {
      // All first: the meta leader needs a majority of the nodes to elect it.
      for (const node of nodes) launch(node, serverPath);
      await Promise.all(nodes.map((node) => waitUntilReady(node, count > 1)));
      return clusterOf(folder, nodes, serverPath, count > 1);
    } catch (error) {
      await Promise.all(nodes.map(killNode));
      removeFolder(folder);
      const portTaken = error instanceof Error && error.message.includes('address already in use');
      if (!portTaken || attempt >= startAttemptsMax) throw error;
    }
  }
}

function planNodes(folder: string, ports: readonly NodePorts[]): NatsNode[] {
  return ports.map((own, index) => {
    const name = `node-${index}`;
    const dir = join(folder, name);
    mkdirSync(dir);
    const routes = ports.filter((other) => other !== own).map((other) => `nats://${host}:${other.cluster}`);
    // v2.9.10 takes server_name, the store and the routes as flags; JetStream clustering needs the name.
    const args = [
      ...['-a', host, '-p', String(own.client), '-m', String(own.monitor)],
      ...['-n', name, '-js', '-sd', join(dir, 'store')],
      ...(ports.length > 1
        ? ['--cluster_name', clusterName, '--cluster', `nats://${host}:${own.cluster}`, '--routes', routes.join(',')]
        : []),
    ];
    return { name, ports: own, args, logFile: join(dir, 'nats.log') };
  });
}

function clusterOf(folder: string, nodes: readonly NatsNode[], serverPath: string, clustered: boolean): NatsCluster {
  let stopped = false;
  const nodeAt = (index: number): NatsNode => {
    const node = nodes[index];
    if (node === undefined) throw new Error(`no node ${index}: the cluster has ${nodes.length}`);
    if (stopped) throw new Error('the cluster was stopped');
    return node;
  };
  return {
    urls: nodes.map((node) => `nats://${host}:${node.ports.client}`),
    folder,
    pid: (index) => nodeAt(index).process?.pid,
    kill: (index) => killNode(nodeAt(index)),
    async restart(index) {
      const node = nodeAt(index);
      if (node.process !== undefined) throw new Error(`${node.name} is running: kill it before restarting it`);
      launch(node, serverPath);
      await waitUntilReady(node, clustered);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all(nodes.map(killNode));
      removeFolder(folder);
    },
  };
}

function removeFolder(folder: string): void {
  rmSync(folder, { recursive: true, force: true });
  folders.delete(folder);
}

/** Output (both streams) is appended to the node's log, across restarts. */
function launch(node: NatsNode, serverPath: string): void {
  const log = openSync(node.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(serverPath, node.args, { stdio: ['ignore', log, log] });
  } finally {
    closeSync(log);
  }
  running.add(child);
  node.process = child;
  node.exitReason = undefined;
  node.exited = new Promise((resolve) => {
    const ended = (reason: string): void => {
      if (!running.delete(child)) return;
      if (node.process === child) node.process = undefined;
      node.exitReason = reason;
      resolve();
    };
    child.once('exit', (code, signal) => ended(signal ?? `exit code ${code}`));
    // A binary that cannot be run at all gives 'error', and maybe no 'exit'.
    child.once('error', (error) => ended(error.message));
  });
}

async function killNode(node: NatsNode): Promise<void> {
  const child = node.process;
  if (child === undefined) return;
  child.kill('SIGKILL');
  await node.exited;
}

async function waitUntilReady(node: NatsNode, clustered: boolean): Promise<void> {
  const deadline = Date.now() + readyWithinMs;
  for (;;) {
    if (node.process === undefined) {
      throw new Error(`nats-server ${node.name} ended (${node.exitReason}) before it was ready${logTail(node)}`);
    }
    if (await isReady(node, clustered)) return;
    if (Date.now() >= deadline) {
      throw new Error(
        `nats-server ${node.name} did not report a JetStream meta leader within ${readyWithinMs / 1000} s (monitoring on ${host}:${node.ports.monitor})${logTail(node)}`,
      );
    }
    await delay(pollEveryMs);
  }
}

/** Healthy (JetStream current, meta leader in contact), the leader named, and the client port greeting. */
async function isReady(node: NatsNode, clustered: boolean): Promise<boolean> {
  const health = await monitoring(node, '/healthz');
  if (health?.status !== 'ok') return false;
  if (clustered) {
    const jsz = await monitoring(node, '/jsz');
    const meta = jsz?.meta_cluster;
    if (typeof meta !== 'object' || meta === null || !('leader' in meta) || !meta.leader) return false;
  }
  return greets(node.ports.client);
}

/** One monitoring endpoint's JSON, or undefined while the node does not answer. */
function monitoring(node: NatsNode, path: string): Promise<Record<string, unknown> | undefined> {
  return new Promise((resolve) => {
    // No agent: a kept-alive socket to a node about to be killed would only linger.
    const request = get({ host, port: node.ports.monitor, path, agent: false, timeout: probeTimeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        try {
          resolve(JSON.parse(body) as Record<string, unknown>);
        } catch {
          resolve(undefined);
        }
      });
      response.on('error', () => resolve(undefined));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(undefined));
  });
}

/** A NATS server sends INFO to every new client; a port merely open does not. */
function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp({ host, port, timeout: probeTimeoutMs });
    const done = (answer: boolean): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.once('data', (data) => done(data.toString('utf8').startsWith('INFO')));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

function logTail(node: NatsNode): string {
  let text: string;
  try {
    text = readFileSync(node.logFile, 'utf8');
  } catch {
    return `; no log at ${node.logFile}`;
  }
  const lines = text.trimEnd().split('\n').slice(-logTailLines);
  return `; last lines of ${node.logFile}:\n${lines.join('\n')}`;
}

/** Ports the system had free a moment ago, all different: every listener stays open until all are known. */
async function freePorts(nodes: number): Promise<NodePorts[]> {
  const servers = Array.from({ length: nodes * 3 }, () => createServer());
  try {
    const ports = await Promise.all(
      servers.map(
        (server) =>
          new Promise<number>((resolve, reject) => {
            server.once('error', reject);
            server.listen(0, host, () => resolve((server.address() as AddressInfo).port));
          }),
      ),
    );
    return Array.from({ length: nodes }, (_, index) => {
      const [client, cluster, monitor] = ports.slice(index * 3, index * 3 + 3);
      if (client === undefined || cluster === undefined || monitor === undefined) throw new Error('missing port');
      return { client, cluster, monitor };
    });
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}
