/**
 * Composes the service: the app context on a store, the decision index loaded from it and kept current by a
 * change observer, tokens, the decision log and metrics; then the Fastify server. `stop()` shuts down in order:
 * stop accepting and finish in-flight requests, let a notice delivery round finish, write the queued decisions,
 * sign a checkpoint of the audit log, close the store.
 */
import type { FastifyInstance } from 'fastify';
import {
  auditCheckpointIntervalMs,
  decisionLogBatchMax,
  decisionLogFlushIntervalMs,
  decisionLogQueueMax,
  expiryNoticeIntervalMs,
  noticeDispatchIntervalMs,
  tokenRefreshIntervalMs,
} from '../core/constants.ts';
import { AuditTree } from '../app/audit-tree.ts';
import { openContext } from '../app/context.ts';
import type { Keyring } from '../app/keyring.ts';
import { DecisionLog } from '../app/decision-log.ts';
import { notifyExpiries } from '../app/expiries.ts';
import { dispatcherDefaults, NoticeDispatcher, type NoticeChannel } from '../app/notice-delivery.ts';
import { TokenAuthority } from '../app/tokens.ts';
import { followChanges, loadIndex } from '../index/decision-index.ts';
import type { Store } from '../store/ports.ts';
import { createMetrics } from './metrics.ts';
import { buildServer, type ServerOptions } from './server.ts';
import type { Service } from './service.ts';

export interface RunningService {
  readonly app: FastifyInstance;
  readonly service: Service;
  stop(): Promise<void>;
}

export interface StartOptions extends ServerOptions {
  readonly clock?: () => number;
  /** Channels beyond the portal inbox (a webhook); each gets a dispatcher that runs every second. */
  readonly noticeChannels?: readonly NoticeChannel[];
  /** The service's keys (lookup tokens, checkpoint signatures). */
  readonly keys: Keyring;
}

export async function startService(store: Store, options: StartOptions): Promise<RunningService> {
  const clock = options.clock ?? Date.now;
  const context = await openContext(store, { keys: options.keys });
  const index = await loadIndex(store, context.catalogs, clock());
  context.observers.push(followChanges(index, store, () => context.catalogs, clock));
  const tokens = new TokenAuthority(context, clock);
  await tokens.refresh();
  const refresher = setInterval(() => void tokens.refresh().catch(() => undefined), tokenRefreshIntervalMs);
  refresher.unref();
  const decisionLog = new DecisionLog(context, {
    flushIntervalMs: decisionLogFlushIntervalMs,
    batchMax: decisionLogBatchMax,
    queueMax: decisionLogQueueMax,
  });
  const metrics = createMetrics({
    indexSubjects: () => index.size,
    decisionLogPending: () => decisionLog.pending,
    decisionLogWritten: () => decisionLog.written,
  });
  const dispatchers = (options.noticeChannels ?? []).map(
    (channel) => new NoticeDispatcher(context, channel, dispatcherDefaults, clock),
  );
  for (const d of dispatchers) d.start(noticeDispatchIntervalMs);
  const expiries = setInterval(
    () => void notifyExpiries(context, { nowMs: clock() }).catch(() => undefined),
    expiryNoticeIntervalMs,
  );
  expiries.unref();
  const auditTree = new AuditTree(store);
  const checkpoint = () => auditTree.checkpoint(options.keys, clock()).then(() => undefined);
  const checkpoints = setInterval(() => void checkpoint().catch(() => undefined), auditCheckpointIntervalMs);
  checkpoints.unref();
  // At start too, so the latest checkpoint covers everything written while the service was down.
  void checkpoint().catch(() => undefined);
  const service: Service = { context, index, tokens, decisionLog, auditTree, metrics, clock };
  const app = await buildServer(service, options);
  let stopped: Promise<void> | undefined;
  return {
    app,
    service,
    stop: () => {
      stopped ??= (async () => {
        clearInterval(refresher);
        clearInterval(expiries);
        clearInterval(checkpoints);
        await app.close();
        for (const d of dispatchers) await d.stop();
        await decisionLog.close();
        // The last decisions are in the log: sign what it holds, so the next start can prove it was not rewritten.
        await checkpoint().catch(() => undefined);
        await store.close();
      })();
      return stopped;
    },
  };
}
