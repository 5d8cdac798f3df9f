/**
 * Use case: tell subjects what the passing of time did (core/notices.ts expiryNotices): listings that ended at
 * their term and grades that changed when entries stopped counting. Runs for the stretch since the last run (kept
 * in the store), in one transaction with the cursor's advance, so a crash neither loses nor repeats a notice.
 * Nothing is recomputed: a derivation already holds every window; this only tells.
 */
import { expiryNotices } from '../core/notices.ts';
import type { AppContext } from './context.ts';

const cursorKey = 'expiries.notifiedUntilMs';
const pageSize = 2_000;

export interface ExpiryReport {
  readonly fromMs: number;
  readonly toMs: number;
  readonly notices: number;
}

export async function notifyExpiries(
  context: AppContext,
  options: { readonly nowMs: number; readonly sinceMs?: number },
): Promise<ExpiryReport> {
  const { store } = context;
  let notices = 0;
  let fromMs = options.nowMs;
  await store.transaction(async (tx) => {
    const stored = await tx.meta(cursorKey);
    // A first run starts now: history before it was told as it was written.
    fromMs = stored === undefined ? (options.sinceMs ?? options.nowMs) : Number(stored);
    if (options.nowMs < fromMs) return;
    const within = (ms: number) => fromMs < ms && ms <= options.nowMs;
    for await (const page of store.scanDerivations(pageSize)) {
      const touched = page.filter(
        (d) =>
          d.listings.some((l) => within(l.endMs)) ||
          d.entries.some((e) => within(e.untilMs)) ||
          d.grades.some((g) => within(g.untilMs)),
      );
      if (touched.length === 0) continue;
      const records = await tx.recordsOf(touched.map((d) => d.subject));
      const drafts = touched.flatMap((d) =>
        expiryNotices(context.catalogs, d, records.get(d.subject) ?? [], fromMs, options.nowMs),
      );
      if (drafts.length > 0) await tx.insertNotices(drafts, options.nowMs);
      notices += drafts.length;
    }
    await tx.putMeta(cursorKey, String(options.nowMs));
  });
  return { fromMs, toMs: options.nowMs, notices };
}
