/**
 * The parent side of bench/support/child-server.ts: starts a benchmark server in its own process (so that the load
 * generator and the server do not share an event loop), asks it for the CPU time it has used, stops it; and loads
 * one or more such servers at once with autocannon, each with its own request paths, measuring requests/s, latency
 * and the CPU time each server and the load generator used.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import type { ChildReady, ChildReply, ChildRequest } from './child-server.ts';

/** How long a stopping server may take to finish (a replica writes its queued decisions) before it is killed. */
const stopTimeoutMs = 30_000;
/**
 * autocannon notices the end of its duration only at a sample tick (1 s by default), so two instances started
 * together could end a second apart, one running alone meanwhile; at 0.1 s they end within 0.1 s of each other.
 */
const sampleIntervalMs = 100;

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly ready: ChildReady;
  readonly origin: string;
}

/** Runs `script` (a child-server.ts program) with `args`; resolves once it listens. */
export function startChild(name: string, script: string, args: readonly string[]): Promise<Child> {
  const child = spawn(process.execPath, [script, ...args], {
    // The child's stdout goes to our stderr: our stdout carries the JSON alone.
    stdio: ['ignore', 2, 'inherit', 'ipc'],
  });
  return new Promise<Child>((resolveChild, reject) => {
    const failed = (code: number | null, signal: NodeJS.Signals | null) =>
      reject(new Error(`${name} server exited (${signal ?? String(code)}) before it listened`));
    child.once('exit', failed);
    child.once('error', reject);
    child.once('message', (message: ChildReady) => {
      child.off('exit', failed);
      if (message.kind !== 'ready') reject(new Error(`${name} server: expected ready, got ${message.kind}`));
      else resolveChild({ name, process: child, ready: message, origin: `http://127.0.0.1:${message.port}` });
    });
  });
}

/** Omit over each member of a union. */
type WithoutId<R> = R extends unknown ? Omit<R, 'id'> : never;
let lastRequestId = 0;

/** Sends the child a request and waits for its reply (which carries the CPU time it has used so far). */
export function ask(child: Child, request: WithoutId<ChildRequest>): Promise<ChildReply> {
  const id = ++lastRequestId;
  return new Promise((resolveReply, reject) => {
    const exited = () => reject(new Error(`${child.name} server exited during ${request.kind}`));
    const listen = (message: ChildReply) => {
      if (message.kind !== 'reply' || message.id !== id) return;
      child.process.off('message', listen);
      child.process.off('exit', exited);
      if (message.error === undefined) resolveReply(message);
      else reject(new Error(`${child.name} server: ${request.kind}: ${message.error}`));
    };
    child.process.on('message', listen);
    child.process.once('exit', exited);
    child.process.send({ ...request, id });
  });
}

/** Disconnects (the child then stops in order and exits); kills it if it has not exited in time. */
export async function stopChild(child: Child): Promise<void> {
  const p = child.process;
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = once(p, 'exit');
  if (p.connected) p.disconnect();
  else p.kill('SIGTERM');
  const killer = setTimeout(() => p.kill('SIGKILL'), stopTimeoutMs);
  await exited;
  clearTimeout(killer);
}

export interface Load {
  readonly server: Child;
  readonly connections: number;
  readonly seconds: number;
  readonly headers: Record<string, string>;
  /** GET requests, rotated over, one per request. */
  readonly paths: readonly string[];
}

export interface Measurement {
  readonly requestsPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p97_5: number; readonly p99: number };
  readonly requests: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  /** CPU time the server used during the measurement over its wall time: 100 is one core busy throughout. */
  readonly serverCpuPercent: number;
  /** The server's CPU time per answered request. */
  readonly serverCpuMicrosPerRequest: number;
}

export interface Together {
  /** One per load, in order. */
  readonly each: readonly Measurement[];
  /** This process's CPU time (every autocannon instance in it) over the wall time. */
  readonly loadGeneratorCpuPercent: number;
}

/** Runs the loads at the same time, one autocannon instance each, and measures each. */
export async function measureTogether(loads: readonly Load[]): Promise<Together> {
  const before = await Promise.all(loads.map(async (l) => (await ask(l.server, { kind: 'cpu' })).cpuMicros));
  const ownBefore = process.cpuUsage();
  const started = performance.now();
  const results = await Promise.all(
    loads.map((load) => {
      let next = 0;
      return autocannon({
        url: load.server.origin,
        connections: load.connections,
        duration: load.seconds,
        sampleInt: sampleIntervalMs,
        headers: load.headers,
        requests: [{ setupRequest: (request) => ({ ...request, path: load.paths[next++ % load.paths.length] }) }],
      });
    }),
  );
  const wallMicros = (performance.now() - started) * 1000;
  const own = process.cpuUsage(ownBefore);
  const after = await Promise.all(loads.map(async (l) => (await ask(l.server, { kind: 'cpu' })).cpuMicros));
  const each = results.map((result, i): Measurement => {
    const serverMicros = (after[i] ?? 0) - (before[i] ?? 0);
    const requests = result.requests.total;
    return {
      requestsPerSecond: result.duration > 0 ? requests / result.duration : 0,
      latencyMs: { p50: result.latency.p50, p97_5: result.latency.p97_5, p99: result.latency.p99 },
      requests,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      serverCpuPercent: (serverMicros / wallMicros) * 100,
      serverCpuMicrosPerRequest: requests > 0 ? serverMicros / requests : 0,
    };
  });
  return { each, loadGeneratorCpuPercent: ((own.user + own.system) / wallMicros) * 100 };
}
