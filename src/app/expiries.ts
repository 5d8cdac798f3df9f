/**
 * Use case: tell subjects what the passing of time did (core/notices.ts expiryNotices): listings that ended at
 * their term and grades that changed when entries stopped counting. Runs for the stretch since the last run (kept
 * in the store), in one transaction with the cursor's advance, so a crash neither loses nor repeats a notice.
 * Nothing is recomputed: a derivation already holds every window; this only tells. A run reads only the
 * derivations due (the store keeps when each is next due), so its cost is what ended and what was written since
 * the last run, not the register's size.
 */
import { firstEndAfter } from '../core/derive.ts';
import { expiryNotices } from '../core/notices.ts';
import type { StoreTransaction } from '../store/ports.ts';
import type { AppContext } from './context.ts';

const cursorKey = 'expiries.notifiedUntilMs';
const pageSize = 2_000;

/**
 * The instant a write's derivations are told up to, for it to store with them (Store.putDerivations): what the
 * expiry runs have told, so that what ended before it is not due again; or, before the first run, the write's own
 * now, since a first run (without --since) starts at its own now and what a write knew of was told as it was
 * written. So a bulk import leaves due only what ends after it, not every subject with an end in its history.
 */
export async function expiriesToldUntil(tx: StoreTransaction, writeNowMs: number): Promise<number> {
  return (await runsToldUntil(tx)) ?? writeNowMs;
}

async function runsToldUntil(tx: StoreTransaction): Promise<number | undefined> {
  const stored = await tx.meta(cursorKey);
  return stored === undefined ? undefined : Number(stored);
}

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
    // A first run starts now: history before it was told as it was written.
    const toldUntil = await runsToldUntil(tx);
    fromMs = toldUntil ?? options.sinceMs ?? options.nowMs;
    if (options.nowMs < fromMs) return;
    // Only the derivations due by now are read (store.scanDerivationsDue): something in them ended that no run
    // has told, or they were rewritten since. Each is then told up to now, so the next run skips it until its next
    // end. A first run told to start before now (--since) reads every derivation with something ending after its
    // start, since writes before any run stored theirs as due after their own now (expiriesToldUntil).
    const pages =
      toldUntil === undefined && options.sinceMs !== undefined
        ? store.scanDerivations(pageSize, { inForceAfterMs: fromMs })
        : store.scanDerivationsDue(options.nowMs, pageSize);
    for await (const page of pages) {
      const touched = page.filter((d) => (firstEndAfter(d, fromMs) ?? Infinity) <= options.nowMs);
      if (touched.length > 0) {
        const records = await tx.recordsOf(touched.map((d) => d.subject));
        const drafts = touched.flatMap((d) =>
          expiryNotices(context.catalogs, d, records.get(d.subject) ?? [], fromMs, options.nowMs),
        );
        if (drafts.length > 0) await tx.insertNotices(drafts, options.nowMs);
        notices += drafts.length;
      }
      await tx.putDerivationsTold(page, options.nowMs);
    }
    await tx.putMeta(cursorKey, String(options.nowMs));
  });
  return { fromMs, toMs: options.nowMs, notices };
}
