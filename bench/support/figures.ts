/**
 * Small helpers for the figures bench/rebuild.ts and bench/audit.ts print: medians, rounding, the machine, and a
 * progress line on stderr at most every few seconds (long phases would otherwise look hung).
 */
import { availableParallelism, cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { DatabaseSync } from 'node:sqlite';

const progressIntervalMs = 10_000;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const hi = sorted[mid] ?? Number.NaN;
  const lo = sorted[mid - 1] ?? hi;
  return sorted.length % 2 === 1 ? hi : (lo + hi) / 2;
}

export const round2 = (n: number): number => Math.round(n * 100) / 100;
export const round3 = (n: number): number => Math.round(n * 1000) / 1000;

/** Node, SQLite, cores and CPU model, for the top of a benchmark's JSON. */
export function machine(): { node: string; sqlite: string; cores: number; cpuModel: string } {
  const probe = new DatabaseSync(':memory:');
  const row = probe.prepare('SELECT sqlite_version() AS v').get();
  probe.close();
  return {
    node: process.version,
    sqlite: String(row?.v),
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
  };
}

/** Returns a reporter that writes `what(done)` to `log` when at least progressIntervalMs passed since the last. */
export function throttledProgress(log: (line: string) => void, what: (done: number) => string): (done: number) => void {
  let last = performance.now();
  return (done) => {
    const now = performance.now();
    if (now - last < progressIntervalMs) return;
    last = now;
    log(what(done));
  };
}
