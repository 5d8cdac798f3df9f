/**
 * The subjects a decision benchmark asks about: a 50/50 mix of current members of a list (denied) and clean
 * subjects (allowed, with no measure at all), interleaved, read from a demo store. The same mix as bench/http.ts.
 */
import type { CatalogSet } from '../../src/core/catalog-set.ts';
import { listMembersPageMax } from '../../src/core/constants.ts';
import { loadIndex } from '../../src/index/decision-index.ts';
import type { Store } from '../../src/store/ports.ts';

const scanPageSize = 5_000;

export interface DecisionMix {
  readonly listed: readonly string[];
  readonly clean: readonly string[];
  /** Listed and clean subjects interleaved, each list cycled to the length of the longer. */
  readonly subjects: readonly string[];
}

/** Every n-th of `items` so that `count` of them are picked, spread over the whole range. */
function spread<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  const step = items.length / count;
  return Array.from({ length: count }, (_, i) => items[Math.floor(i * step)]).filter((x) => x !== undefined);
}

export async function pickDecisionMix(
  store: Store,
  catalogs: CatalogSet,
  options: { readonly action: string; readonly listId: string; readonly nowMs: number; readonly cleanMin: number },
): Promise<DecisionMix> {
  const { action, listId, nowMs } = options;
  const listed = (await store.listMembers(listId, nowMs, listMembersPageMax)).map((m) => m.subject);
  if (listed.length === 0) throw new Error(`the demo has no current ${listId} members; use more --people`);
  // Clean: allowed, with no measure at all (not in the index, whose entries differ from the default).
  const index = await loadIndex(store, catalogs, nowMs);
  const listedSet = new Set(listed);
  const candidates: string[] = [];
  for await (const page of store.scanSubjects(scanPageSize)) {
    for (const subject of page) {
      if (listedSet.has(subject.key) || index.has(subject.key)) continue;
      const decided = index.decideFor(subject, action, nowMs);
      if (decided.ok && decided.value.outcome === 'allow' && decided.value.reasons.length === 0)
        candidates.push(subject.key);
    }
  }
  const clean = spread(candidates, Math.max(listed.length, options.cleanMin));
  if (clean.length === 0) throw new Error('the demo has no clean subjects');
  const subjects: string[] = [];
  for (let i = 0; i < Math.max(listed.length, clean.length); i++) {
    subjects.push(listed[i % listed.length] ?? '', clean[i % clean.length] ?? '');
  }
  return { listed, clean, subjects };
}
