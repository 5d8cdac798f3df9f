/**
 * A worker thread of `credence rebuild --threads N`: replays one part of the subjects (app/rebuild.ts replay) through
 * its own connection to the register and posts each page's outcome to the thread that writes (cli/replay-threads.ts).
 * It runs at most `ahead` pages ahead of what that thread has taken, so a slow writer does not fill memory.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openContext } from '../app/context.ts';
import { replay, type ReplayPage } from '../app/rebuild.ts';
import type { ScanPart } from '../store/ports.ts';
import { openStoreAt, type StorePlace } from './store-at.ts';

export interface RebuildWorkerData {
  readonly place: StorePlace;
  readonly part: ScanPart;
  readonly ahead: number;
}

/** What a worker posts: a page, the end of its part, or why it failed. */
export type RebuildWorkerMessage =
  | { readonly kind: 'page'; readonly page: ReplayPage }
  | { readonly kind: 'done' }
  | { readonly kind: 'failed'; readonly message: string };

/** The writer thread's message: it took a page; one more may be sent. */
export const morePages = 'more';

async function run(port: NonNullable<typeof parentPort>, data: RebuildWorkerData): Promise<void> {
  let credit = data.ahead;
  let wake: (() => void) | undefined;
  port.on('message', (message) => {
    if (message !== morePages) return;
    credit++;
    wake?.();
  });
  const post = (message: RebuildWorkerMessage) => port.postMessage(message);
  const { store, keys } = await openStoreAt(data.place);
  try {
    const context = await openContext(store, { keys });
    for await (const page of replay(context, data.part)) {
      while (credit === 0) await new Promise<void>((resolve) => (wake = resolve));
      credit--;
      post({ kind: 'page', page });
    }
    post({ kind: 'done' });
  } catch (error) {
    post({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
  } finally {
    // The writer thread ends this one once it has read the last message.
    await store.close();
  }
}

if (parentPort !== null) await run(parentPort, workerData as RebuildWorkerData);
