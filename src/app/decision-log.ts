/**
 * The decision log: every decision the service answers is appended to the audit log as a `decision.made` event.
 * Writing one transaction per decision would cap the service at the disk's commit rate, so decisions are queued
 * and written in batches (every `flushIntervalMs`, or at once when `batchMax` are waiting). Nothing is dropped:
 * a failed write keeps the batch queued for the next attempt, a full queue makes the caller wait for a flush,
 * and close() writes what is left.
 */
import type { AuditEventInput } from '../store/ports.ts';
import { appendAudit } from './audit-chain.ts';
import type { AppContext } from './context.ts';

export interface DecisionLogOptions {
  readonly flushIntervalMs: number;
  readonly batchMax: number;
  /** Queue length at which append() waits for a flush: backpressure instead of unbounded memory. */
  readonly queueMax: number;
}

export class DecisionLog {
  readonly #context: AppContext;
  readonly #options: DecisionLogOptions;
  #queue: AuditEventInput[] = [];
  #flushing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #written = 0;
  #failures = 0;

  constructor(context: AppContext, options: DecisionLogOptions) {
    this.#context = context;
    this.#options = options;
    this.#timer = setInterval(() => void this.flush().catch(() => undefined), options.flushIntervalMs);
    this.#timer.unref();
  }

  get pending(): number {
    return this.#queue.length;
  }

  get written(): number {
    return this.#written;
  }

  get failures(): number {
    return this.#failures;
  }

  async append(events: readonly AuditEventInput[]): Promise<void> {
    for (const e of events) this.#queue.push(e);
    if (this.#queue.length >= this.#options.queueMax) await this.flush();
    else if (this.#queue.length >= this.#options.batchMax) void this.flush().catch(() => undefined);
  }

  /** Writes everything queued so far; concurrent callers share one write. */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing;
    if (this.#queue.length === 0) return;
    const batch = this.#queue;
    this.#queue = [];
    this.#flushing = this.#context.store
      .transaction(
        async (tx) => {
          await appendAudit(tx, this.#context.keys, batch);
        },
        // No fsync per flush: a crash loses the queue anyway; the chain stays whole either way.
        { durability: 'process' },
      )
      .then(
        () => {
          this.#written += batch.length;
        },
        (error: unknown) => {
          this.#failures++;
          this.#queue = [...batch, ...this.#queue];
          throw error;
        },
      )
      .finally(() => {
        this.#flushing = undefined;
      });
    await this.#flushing;
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }
}
