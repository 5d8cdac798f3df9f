/**
 * `credence` commands as bench/city.ts runs them: `node src/cli/main.ts ARGS` in a child process, as an operator
 * would, with bench/support/usage-report.ts loaded into it so that the child writes its own resource usage when it
 * exits (its peak RSS is the figure a phase reports). A one-shot command is run to its end; `serve` is started,
 * read for the line that says where it listens, and stopped with SIGTERM as Ctrl-C stops it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'src/cli/main.ts');
const usageReport = fileURLToPath(new URL('./usage-report.ts', import.meta.url));
const outputTailLengthMax = 4_000;
/** A stopping server writes its queued decisions first; past this it is killed and the phase fails. */
const stopTimeoutMs = 120_000;

export interface CliUsage {
  /** Peak resident set size of the child, in bytes. */
  readonly maxRssBytes: number;
  /** User and system CPU time of the child, in seconds. */
  readonly cpuSeconds: number;
}

export interface CliRun extends CliUsage {
  readonly stdout: string;
  readonly seconds: number;
}

const tail = (text: string) => text.slice(-outputTailLengthMax);

function spawnCli(args: readonly string[], usageFile: string, nodeOptions: readonly string[] = []): ChildProcess {
  rmSync(usageFile, { force: true });
  return spawn(process.execPath, [...nodeOptions, '--import', usageReport, cli, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CREDENCE_BENCH_USAGE_FILE: usageFile },
  });
}

function readUsage(usageFile: string): CliUsage {
  if (!existsSync(usageFile)) return { maxRssBytes: 0, cpuSeconds: 0 };
  const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as NodeJS.ResourceUsage;
  rmSync(usageFile, { force: true });
  // maxRSS is in KiB; CPU times in microseconds.
  return { maxRssBytes: usage.maxRSS * 1024, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6 };
}

/** Runs `credence ARGS` to its end; throws with its stderr if it fails. `usageFile` is scratch space. */
export function runCli(args: readonly string[], usageFile: string): Promise<CliRun> {
  const started = performance.now();
  const child = spawnCli(args, usageFile);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = tail(stderr + chunk)));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0)
        reject(new Error(`credence ${args[0] ?? ''} exited (${signal ?? String(code)}): ${stderr.trim()}`));
      else resolve({ stdout, seconds, ...readUsage(usageFile) });
    });
  });
}

export interface CliServer {
  readonly process: ChildProcess;
  readonly origin: string;
  /** From the start of the process to its line saying it listens: opening the store and loading the index. */
  readonly readySeconds: number;
  /** SIGTERM, then waits for the exit; resolves with the server's own resource usage. */
  readonly stop: () => Promise<CliUsage & { readonly stopSeconds: number }>;
}

/** Starts `credence serve ARGS --host 127.0.0.1 --port 0`; resolves once it listens, within `readyTimeoutMs`. */
export interface ServerStart {
  readonly readyTimeoutMs: number;
  /** Node's own options for the server (--max-old-space-size=N, say). */
  readonly nodeOptions?: readonly string[];
  /** Each line the server writes to stderr until it listens (its index load's progress). */
  readonly onStartLine?: (line: string) => void;
}

export function startCliServer(args: readonly string[], usageFile: string, start: ServerStart): Promise<CliServer> {
  const { readyTimeoutMs } = start;
  const started = performance.now();
  const child = spawnCli(['serve', ...args, '--host', '127.0.0.1', '--port', '0'], usageFile, start.nodeOptions);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = tail(stderr + chunk)));
  // Its log lines (stdout) are read and dropped: a pipe nobody reads would block the server once full.
  child.stdout?.resume();
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const stop = async () => {
    const stopping = performance.now();
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
    await exited;
    clearTimeout(killer);
    if (child.exitCode !== 0)
      throw new Error(`credence serve stopped badly (${child.signalCode ?? String(child.exitCode)}): ${stderr.trim()}`);
    return { stopSeconds: (performance.now() - stopping) / 1000, ...readUsage(usageFile) };
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`credence serve did not listen within ${readyTimeoutMs / 1000} s: ${stderr.trim()}`));
    }, readyTimeoutMs);
    let partLine = '';
    const onData = (chunk: string) => {
      const lines = (partLine + chunk).split('\n');
      partLine = lines.pop() ?? '';
      for (const line of lines) start.onStartLine?.(line);
      const origin = /serves .* at (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1];
      if (origin === undefined) return;
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      resolve({ process: child, origin, readySeconds: (performance.now() - started) / 1000, stop });
    };
    child.stderr?.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(
        new Error(
          `credence serve exited (${child.signalCode ?? String(child.exitCode)}) before it listened: ${stderr.trim()}`,
        ),
      );
    });
  });
}
