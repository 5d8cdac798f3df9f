/**
 * Where the time of one phase of a program went, from a V8 .cpuprofile of the whole program (node --cpu-prof):
 * the self time of every function called, directly or not, from the phase's own function (e.g. bench/decide.ts's
 * timeParsed), so that the setup and the other phases do not blur the picture. cpu-profile.ts summarises a
 * whole profile; this one cuts it by phase.
 *
 * Usage: node bench/support/profile-phases.ts FILE-OR-DIR PHASE... prints {file, phases: {PHASE: summary}} for
 * the profile (for a folder: its newest .cpuprofile that holds the first phase).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SelfTime } from './cpu-profile.ts';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface PhaseSummary {
  readonly totalMs: number;
  readonly topSelf: readonly SelfTime[];
}

function frameName(node: ProfileNode, root: string): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url.replace(`file://${root}/`, '').replace(/^.*\/node_modules\//, '');
  return `${functionName === '' ? '(anonymous)' : functionName} ${where === '' ? '' : `${where}:${lineNumber + 1}`}`.trim();
}

function readProfile(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
}

/** For each phase (a function name), the self time spent under it, by function, highest first. */
export function summarisePhases(
  file: string,
  root: string,
  phases: readonly string[],
  n = 10,
): Record<string, PhaseSummary> {
  const profile = readProfile(file);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfById = new Map<number, number>();
  // timeDeltas[i] is the time since the previous sample: sample i lasts until sample i + 1.
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] ?? -1;
    selfById.set(id, (selfById.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0) / 1000);
  }
  const summaries: Record<string, PhaseSummary> = {};
  for (const phase of phases) {
    const under = new Set<number>();
    const pending = profile.nodes.filter((node) => node.callFrame.functionName === phase).map((node) => node.id);
    for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
      if (under.has(id)) continue;
      under.add(id);
      pending.push(...(byId.get(id)?.children ?? []));
    }
    const byFunction = new Map<string, number>();
    let totalMs = 0;
    for (const id of under) {
      const node = byId.get(id);
      const ms = selfById.get(id) ?? 0;
      if (node === undefined || ms === 0) continue;
      totalMs += ms;
      const name = frameName(node, root);
      byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
    }
    summaries[phase] = {
      totalMs: Math.round(totalMs),
      topSelf: [...byFunction]
        .sort((a, b) => b[1] - a[1])
        .slice(0, n)
        .map(([name, ms]) => ({ name, ms: Math.round(ms), percent: Math.round((ms / totalMs) * 1000) / 10 })),
    };
  }
  return summaries;
}

/** The newest .cpuprofile in a folder whose nodes include a function named `phase`. */
export function newestProfileWith(dir: string, phase: string): string | undefined {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return files.find((f) => readProfile(f).nodes.some((node) => node.callFrame.functionName === phase));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [target, ...phases] = process.argv.slice(2);
  if (target === undefined || phases[0] === undefined) {
    process.stderr.write('usage: node bench/support/profile-phases.ts FILE-OR-DIR PHASE...\n');
    process.exit(2);
  }
  const file = statSync(target).isDirectory() ? newestProfileWith(target, phases[0]) : target;
  if (file === undefined) {
    process.stderr.write(`no .cpuprofile in ${target} has a function ${phases[0]}\n`);
    process.exit(1);
  }
  const root = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
  process.stdout.write(`${JSON.stringify({ file, phases: summarisePhases(file, root, phases) }, null, 2)}\n`);
}
