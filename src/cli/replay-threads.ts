/**
 * `credence rebuild --threads N`: the replay shared among N threads, each reading its part of the subjects
 * (Store.scanSubjectRecords with a ScanPart) through its own connection. This thread replays part 0 and writes;
 * each other part runs in a worker (cli/rebuild-worker.ts) whose pages arrive here as an async iterable. Replaying is
 * reading and deriving, about all a rebuild's time, so N cores replay about N times as fast.
 */
import { Worker } from 'node:worker_threads';
import type { AppContext } from '../app/context.ts';
import { replay, type ReplayPage } from '../app/rebuild.ts';
import { morePages, type RebuildWorkerData, type RebuildWorkerMessage } from './rebuild-worker.ts';
import type { StorePlace } from './store-at.ts';

/** Pages a worker may run ahead of this thread. */
const pagesAhead = 2;

export function replayParts(context: AppContext, place: StorePlace, threads: number): AsyncIterable<ReplayPage>[] {
  const of = Math.max(1, Math.floor(threads));
  return Array.from({ length: of }, (_, index) =>
    index === 0 ? replay(context, { index, of }) : replayInWorker({ place, part: { index, of }, ahead: pagesAhead }),
  );
}

async function* replayInWorker(data: RebuildWorkerData): AsyncIterable<ReplayPage> {
  const worker = new Worker(new URL('./rebuild-worker.ts', import.meta.url), { workerData: data });
  const queue: (RebuildWorkerMessage | { kind: 'exit'; error?: Error })[] = [];
  let wake: (() => void) | undefined;
  const push = (item: (typeof queue)[number]) => {
    queue.push(item);
    wake?.();
  };
  worker.on('message', (message: RebuildWorkerMessage) => push(message));
  worker.on('error', (error) => push({ kind: 'exit', error }));
  worker.on('exit', (code) => push({ kind: 'exit', ...(code === 0 ? {} : { error: new Error(`exit code ${code}`) }) }));
  try {
    for (;;) {
      while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const item = queue.shift() as (typeof queue)[number];
      if (item.kind === 'page') {
        worker.postMessage(morePages);
        yield item.page;
      } else if (item.kind === 'done') return;
      else if (item.kind === 'failed')
        throw new Error(
          `rebuild: the replay of part ${data.part.index + 1} of ${data.part.of} failed: ${item.message}`,
        );
      else
        throw new Error(
          `rebuild: the replay of part ${data.part.index + 1} of ${data.part.of} stopped before its end${item.error === undefined ? '' : `: ${item.error.message}`}`,
        );
    }
  } finally {
    // Done, failed, or no longer wanted (another part failed): the worker goes either way.
    await worker.terminate();
  }
}
