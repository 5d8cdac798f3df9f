/**
 * The service under bench/soak.ts, run as an operator runs it: `node src/cli/main.ts serve --db FILE --host
 * 127.0.0.1 --port 0` in a child process, on loopback only. Its port is read from the line it writes on stderr
 * when it listens. Its request log (stdout, one JSON line per request) goes to a file rather than a pipe: on Linux
 * a write to a pipe blocks the writer when the reader is slow, and the reader here is a busy load generator. The
 * file is scanned as it grows for lines at level error or above. Memory and CPU come from its /metrics.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';

/** pino's level numbers: 50 error, 60 fatal. */
const errorLevelMin = 50;
const errorLinesKept = 5;
const errorLineLengthMax = 2_000;
const stderrTailLengthMax = 4_000;
const listenTimeoutMs = 60_000;
const logReadChunkBytes = 1 << 20;

export interface ServerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface SoakServer {
  readonly process: ChildProcess;
  readonly origin: string;
  /** Set once the process has exited, whoever stopped it. */
  readonly exit: () => ServerExit | undefined;
  readonly exited: Promise<ServerExit>;
  /** The last few thousand characters the server wrote on stderr. */
  readonly stderrTail: () => string;
  /** Reads what the server logged since the last call; returns the request lines and error lines seen so far. */
  readonly scanLog: () => LogScan;
}

export interface LogScan {
  readonly lines: number;
  readonly bytes: number;
  readonly errorLines: number;
  readonly firstErrorLines: readonly string[];
}

/** Starts the server on `db` (created beforehand, with the keys in `keyFile`) with `root` as the project folder; resolves once it listens. */
export async function startSoakServer(root: string, db: string, keyFile: string, logFile: string): Promise<SoakServer> {
  const logFd = openSync(logFile, 'w');
  const child = spawn(
    process.execPath,
    [join(root, 'src/cli/main.ts'), 'serve', '--db', db, '--keys', keyFile, '--host', '127.0.0.1', '--port', '0'],
    // Its own process group: Ctrl-C reaches the soak program alone, which ends the load and then stops the server
    // as at the end of a run (a signal to both would stop the server while requests are still being sent).
    { cwd: root, stdio: ['ignore', logFd, 'pipe'], detached: true },
  );
  closeSync(logFd);
  let exit: ServerExit | undefined;
  const exited = new Promise<ServerExit>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    }),
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-stderrTailLengthMax);
  });

  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the server did not listen within ${listenTimeoutMs} ms`)),
      listenTimeoutMs,
    );
    const onData = () => {
      const match = /serves .* at (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (match?.[1] === undefined) return;
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      resolve(match[1]);
    };
    child.stderr?.on('data', onData);
    void exited.then((e) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${e.signal ?? String(e.code)}) before it listened: ${stderr.trim()}`));
    });
  });

  const scanner = logScanner(logFile);
  return { process: child, origin, exit: () => exit, exited, stderrTail: () => stderr, scanLog: scanner };
}

function logScanner(file: string): () => LogScan {
  let offset = 0;
  let partial = '';
  let lines = 0;
  let errorLines = 0;
  const firstErrorLines: string[] = [];
  const buffer = Buffer.alloc(logReadChunkBytes);
  return () => {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      while (offset < size) {
        const read = readSync(fd, buffer, 0, Math.min(buffer.length, size - offset), offset);
        if (read === 0) break;
        offset += read;
        const text = partial + buffer.toString('utf8', 0, read);
        const parts = text.split('\n');
        partial = parts.pop() ?? '';
        for (const line of parts) {
          if (line === '') continue;
          lines++;
          const level = /"level":(\d+)/.exec(line)?.[1];
          if (level !== undefined && Number(level) >= errorLevelMin) {
            errorLines++;
            if (firstErrorLines.length < errorLinesKept) firstErrorLines.push(line.slice(0, errorLineLengthMax));
          }
        }
      }
    } finally {
      closeSync(fd);
    }
    return { lines, bytes: offset, errorLines, firstErrorLines: [...firstErrorLines] };
  };
}

/** SIGTERM, then waits up to `timeoutMs` for the exit; SIGKILL after that. Clean: exit code 0 within the time. */
export async function stopSoakServer(
  server: SoakServer,
  timeoutMs: number,
): Promise<ServerExit & { readonly clean: boolean; readonly stopMs: number; readonly killed: boolean }> {
  const started = performance.now();
  const before = server.exit();
  if (before !== undefined)
    return { ...before, clean: before.code === 0 && before.signal === null, stopMs: 0, killed: false };
  server.process.kill('SIGTERM');
  let killed = false;
  const killer = setTimeout(() => {
    killed = true;
    server.process.kill('SIGKILL');
  }, timeoutMs);
  const exit = await server.exited;
  clearTimeout(killer);
  return {
    ...exit,
    clean: !killed && exit.code === 0 && exit.signal === null,
    stopMs: Math.round(performance.now() - started),
    killed,
  };
}

/** The unlabelled series of a Prometheus text exposition, by name. */
export async function scrapeMetrics(origin: string, timeoutMs: number): Promise<Map<string, number>> {
  const response = await fetch(`${origin}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET /metrics: ${response.status} ${text.slice(0, 200)}`);
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*) (\S+)/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) values.set(match[1], Number(match[2]));
  }
  return values;
}
