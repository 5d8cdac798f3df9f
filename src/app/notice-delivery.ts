/**
 * Delivering notices beyond the portal inbox. The notices table is the outbox: every notice is in the subject's
 * inbox the moment its effect commits. For each further channel (a webhook; email and SMS adapters go here too)
 * the dispatcher opens a delivery for every new notice, tries it, and on failure retries with exponential backoff
 * until it is delivered or, after `attemptsMax` tries or a permanent refusal, dead (kept, listed, audited).
 * Delivery is at least once: a crash between sending and recording means a resend, so receivers deduplicate on
 * the notice id, which every channel sends.
 */
import { renderNotice } from '../core/notices.ts';
import type { Notice, NoticeDelivery } from '../store/ports.ts';
import { appendAudit } from './audit-chain.ts';
import type { AppContext } from './context.ts';

export type DeliveryResult =
  { readonly ok: true } | { readonly ok: false; readonly permanent: boolean; readonly error: string };

/** The port a delivery adapter implements. */
export interface NoticeChannel {
  readonly name: string;
  deliver(notice: Notice): Promise<DeliveryResult>;
}

export interface DispatcherOptions {
  readonly batchMax: number;
  readonly attemptsMax: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
}

export interface DispatchReport {
  readonly enqueued: number;
  readonly delivered: number;
  readonly retrying: number;
  readonly dead: number;
}

export const dispatcherDefaults: DispatcherOptions = {
  batchMax: 200,
  attemptsMax: 8,
  backoffBaseMs: 1_000,
  backoffMaxMs: 15 * 60_000,
};

/** Backoff before attempt n+1 after n failures: base, 2 base, 4 base, ... up to the maximum. */
export function backoffMs(failures: number, options: DispatcherOptions): number {
  return Math.min(options.backoffMaxMs, options.backoffBaseMs * 2 ** Math.max(0, failures - 1));
}

export class NoticeDispatcher {
  readonly #context: AppContext;
  readonly #channel: NoticeChannel;
  readonly #options: DispatcherOptions;
  readonly #clock: () => number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<DispatchReport> | undefined;

  constructor(context: AppContext, channel: NoticeChannel, options: DispatcherOptions, clock: () => number) {
    this.#context = context;
    this.#channel = channel;
    this.#options = options;
    this.#clock = clock;
  }

  /** One round: open deliveries for new notices, then try every due one. Rounds never overlap. */
  runOnce(): Promise<DispatchReport> {
    this.#running ??= this.#round().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #round(): Promise<DispatchReport> {
    const { store } = this.#context;
    const channel = this.#channel.name;
    const enqueued = await store.transaction((tx) =>
      tx.enqueueDeliveries(channel, this.#options.batchMax, this.#clock()),
    );
    let delivered = 0;
    let retrying = 0;
    let dead = 0;
    for (const { delivery, notice } of await store.dueDeliveries(channel, this.#clock(), this.#options.batchMax)) {
      const result = await this.#channel
        .deliver(renderNotice(this.#context.catalogs, notice))
        .catch((error: unknown): DeliveryResult => ({ ok: false, permanent: false, error: (error as Error).message }));
      const nowMs = this.#clock();
      const attempts = delivery.attempts + 1;
      let next: NoticeDelivery;
      if (result.ok) {
        next = { ...delivery, status: 'delivered', attempts, deliveredAtMs: nowMs };
        delivered++;
      } else if (result.permanent || attempts >= this.#options.attemptsMax) {
        next = { ...delivery, status: 'dead', attempts, lastError: result.error };
        dead++;
      } else {
        next = {
          ...delivery,
          attempts,
          lastError: result.error,
          nextAttemptAtMs: nowMs + backoffMs(attempts, this.#options),
        };
        retrying++;
      }
      await store.transaction(async (tx) => {
        await tx.putDelivery(next);
        if (next.status === 'dead') {
          const event = {
            atMs: nowMs,
            kind: 'notice.undeliverable',
            actor: 'system',
            subject: notice.subject,
            payload: { noticeId: notice.id, channel, attempts, error: next.lastError ?? '' },
          };
          await appendAudit(tx, this.#context.keys, [event]);
        }
      });
    }
    return { enqueued, delivered, retrying, dead };
  }

  start(intervalMs: number): void {
    this.#timer = setInterval(() => void this.runOnce().catch(() => undefined), intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and lets a round in progress finish. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
  }
}
