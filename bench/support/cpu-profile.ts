/**
 * Reads a V8 .cpuprofile (written by node --cpu-prof) and summarises where the time went: self time by category
 * (our code under src/, each package in node_modules, Node's internals, GC, idle) and the functions with the most
 * self time, overall and in our code.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface SelfTime {
  readonly name: string;
  readonly ms: number;
  readonly percent: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  /** Share of the samples in which the server was not idle. */
  readonly busyPercent: number;
  readonly byCategory: readonly SelfTime[];
  readonly topSelf: readonly SelfTime[];
  readonly topSelfInOurCode: readonly SelfTime[];
}

function categoryOf(url: string, functionName: string, root: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const packageMatch = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (packageMatch?.[1] !== undefined) return packageMatch[1];
  if (url.startsWith(`file://${root}/src/`)) return 'credence src/';
  if (url.startsWith(`file://${root}/bench/`)) return 'bench/';
  if (url.startsWith('node:')) return 'node internals';
  return '(other)';
}

function frameName(node: ProfileNode, root: string): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url.replace(`file://${root}/`, '').replace(/^.*\/node_modules\//, '');
  return `${functionName === '' ? '(anonymous)' : functionName} ${where === '' ? '' : `${where}:${lineNumber + 1}`}`.trim();
}

function top(map: Map<string, number>, totalMs: number, n: number): SelfTime[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, ms]) => ({
      name,
      ms: Math.round(ms),
      percent: Math.round((ms / totalMs) * 1000) / 10,
    }));
}

/** `root` is the project folder (absolute), so that our own code can be told apart. */
export function summariseProfile(file: string, root: string, n = 12): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfById = new Map<number, number>();
  // timeDeltas[i] is the time since the previous sample: sample i lasts until sample i + 1.
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] ?? -1;
    selfById.set(id, (selfById.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0) / 1000);
  }
  const byCategory = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const ours = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  for (const [id, ms] of selfById) {
    const node = byId.get(id);
    if (node === undefined) continue;
    totalMs += ms;
    const category = categoryOf(node.callFrame.url, node.callFrame.functionName, root);
    if (category === '(idle)') idleMs += ms;
    byCategory.set(category, (byCategory.get(category) ?? 0) + ms);
    const name = frameName(node, root);
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
    if (category === 'credence src/') ours.set(name, (ours.get(name) ?? 0) + ms);
  }
  return {
    totalMs: Math.round(totalMs),
    busyPercent: Math.round(((totalMs - idleMs) / totalMs) * 1000) / 10,
    byCategory: top(byCategory, totalMs, byCategory.size),
    topSelf: top(byFunction, totalMs, n),
    topSelfInOurCode: top(ours, totalMs, n),
  };
}
