/**
 * The change stream's sending side: the store's change outbox (written in the transaction of each change that
 * affects decisions) is published to a stream and then dropped. A crash between publishing and dropping sends the
 * same change again on the next round; the stream discards it by its message id (the store's origin and the
 * change's id), so each change is in the stream exactly once.
 *
 * The stream itself is a port (`ChangeSink`); stream/nats.ts implements it on NATS JetStream. A server without a
 * stream still drains the outbox (a sink that keeps nothing), so the outbox never grows without bound.
 */
import { randomUUID } from 'node:crypto';
import type { Change, Store } from '../store/ports.ts';

export interface ChangeSink {
  /** Publishes a change under this message id; resolves once the stream has stored it (or knew it already). */
  publish(change: Change, messageId: string): Promise<void>;
}

/** For a server with no stream configured: changes are only dropped. */
export const discardChanges: ChangeSink = { publish: async () => undefined };

const originMeta = 'changes.origin';
const pageSize = 500;

/**
 * The database's origin: a random id kept in the database, so that message ids from two databases (a demo city made
 * anew, say) never collide in one stream's duplicate window.
 */
async function originOf(store: Store): Promise<string> {
  return store.transaction(async (tx) => {
    const known = await tx.meta(originMeta);
    if (known !== undefined) return known;
    const made = randomUUID();
    await tx.putMeta(originMeta, made);
    return made;
  });
}

export const changeMessageId = (origin: string, change: Change) => `${origin}:${change.id}`;

export class ChangePublisher {
  readonly #store: Store;
  readonly #sink: ChangeSink;
  #origin: Promise<string> | undefined;
  #running: Promise<number> | undefined;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #published = 0;
  #failures = 0;

  constructor(store: Store, sink: ChangeSink) {
    this.#store = store;
    this.#sink = sink;
  }

  /** Changes published since start. */
  get published(): number {
    return this.#published;
  }

  /** Rounds that failed (the stream unreachable, say); the changes wait in the outbox for the next round. */
  get failures(): number {
    return this.#failures;
  }

  /**
   * Publishes everything in the outbox, oldest first, and drops what was published; returns how many. Calls while
   * a round runs ask for one more round after it (a change committed meanwhile is not left waiting for the timer).
   */
  publishPending(): Promise<number> {
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    const round = async (): Promise<number> => {
      let total = 0;
      do {
        this.#again = false;
        total += await this.#drain();
      } while (this.#again);
      return total;
    };
    this.#running = round().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #drain(): Promise<number> {
    this.#origin ??= originOf(this.#store);
    const origin = await this.#origin;
    let total = 0;
    for (;;) {
      const page = await this.#store.changes(0, pageSize);
      const last = page.at(-1);
      if (last === undefined) return total;
      for (const change of page) await this.#sink.publish(change, changeMessageId(origin, change));
      await this.#store.transaction((tx) => tx.dropChanges(last.id), { durability: 'process' });
      total += page.length;
      this.#published += page.length;
    }
  }

  /** Publishes every `intervalMs` too: changes committed by other processes (an import on the command line). */
  start(intervalMs: number): void {
    this.#timer = setInterval(() => {
      this.publishPending().catch(() => {
        this.#failures++;
      });
    }, intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and finishes a last round (what a stopping server committed goes out before it closes). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.publishPending().catch(() => {
      this.#failures++;
    });
  }
}
