/**
 * Composes the service: the app context on a store, the decision index loaded from it and kept current by a
 * change observer, tokens, the decision log and metrics; then the Fastify server. `stop()` shuts down in order:
 * stop accepting and finish in-flight requests, let a notice delivery round finish, write the queued decisions,
 * sign a checkpoint of the audit log, close the store.
 */
import type { FastifyInstance } from 'fastify';
import {
  auditCheckpointIntervalMs,
  changePublishIntervalMs,
  decisionLogBatchMax,
  decisionLogTransactionMax,
  decisionLogFlushIntervalMs,
  decisionLogQueueMax,
  expiryNoticeIntervalMs,
  noticeDispatchIntervalMs,
  tokenRefreshIntervalMs,
} from '../core/constants.ts';
import { buildCatalogSet, builtOf } from '../core/catalog-set.ts';
import { AuditTree } from '../app/audit-tree.ts';
import { ChangePublisher, discardChanges, type ChangeSink } from '../app/change-stream.ts';
import { openContext, refreshCatalogs, type AppContext } from '../app/context.ts';
import type { Keyring } from '../app/keyring.ts';
import { DecisionLog } from '../app/decision-log.ts';
import { notifyExpiries } from '../app/expiries.ts';
import { dispatcherDefaults, NoticeDispatcher, type NoticeChannel } from '../app/notice-delivery.ts';
import { TokenAuthority } from '../app/tokens.ts';
import { DecisionIndex, followChanges, loadIndex, type IndexLoadProgress } from '../index/decision-index.ts';
import { applyChange, Replication, type ChangeFeed, type ChangeFollower } from '../index/replication.ts';
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
  /** Where committed changes go for replicas (stream/nats.ts); without one the outbox is only drained. */
  readonly changeSink?: ChangeSink;
  /** Told as the decision index loads, page by page (at a city's size it reads for minutes). */
  readonly onIndexProgress?: (progress: IndexLoadProgress) => void;
}

export async function startService(store: Store, options: StartOptions): Promise<RunningService> {
  const clock = options.clock ?? Date.now;
  // What the catalogs and the index read below reflects every change in the outbox up to here.
  const loadedThrough = await store.lastChangeId();
  const context = await openContext(store, { keys: options.keys });
  const index = await loadIndex(store, context.catalogs, clock(), undefined, options.onIndexProgress);
  const follower = followChanges(index, store, () => context.catalogs, clock);
  context.observers.push(follower);
  // The outbox goes to the change stream (or, with none, is only drained); each commit asks for a round at once.
  // Each change is applied to this server's own index first: those other processes commit (a `credence import`, a
  // catalog published from the command line) reach it only this way, within a round (a second). Those it found at
  // start are in what it loaded (a city's bulk import leaves millions of subjects there: not read twice), and its
  // own were applied when they committed (rereading their subjects cost a fifth of its HTTP ingest rate).
  const sink = options.changeSink ?? discardChanges;
  const outboxFollower: ChangeFollower = {
    ...follower,
    catalogsChanged: async () => {
      // This server's own publication has been taken in already: the index is reloaded only for another's.
      if (!builtOf(context.catalogs, await store.catalogVersions())) await refreshCatalogs(context);
    },
  };
  const changes = new ChangePublisher(store, {
    publish: async (change, messageId) => {
      if (change.id > loadedThrough && !store.committedHere(change.id))
        await applyChange(store, change, outboxFollower);
      await sink.publish(change, messageId);
    },
  });
  const publish = async () => {
    void changes.publishPending().catch(() => undefined);
  };
  context.observers.push({ subjectsChanged: publish, catalogsChanged: publish, passportLinked: publish });
  changes.start(changePublishIntervalMs);
  const dispatchers = (options.noticeChannels ?? []).map(
    (channel) => new NoticeDispatcher(context, channel, dispatcherDefaults, clock),
  );
  for (const d of dispatchers) d.start(noticeDispatchIntervalMs);
  // One expiry run at a time: a run still going when the next minute comes (the first one over a register that
  // was never told, say) is not queued behind; the run after it tells the whole stretch since.
  let expiryRun: Promise<unknown> | undefined;
  const expiries = setInterval(() => {
    expiryRun ??= notifyExpiries(context, { nowMs: clock() })
      .catch(() => undefined)
      .finally(() => (expiryRun = undefined));
  }, expiryNoticeIntervalMs);
  expiries.unref();
  const auditTree = new AuditTree(store);
  const checkpoint = () => auditTree.checkpoint(options.keys, clock()).then(() => undefined);
  const checkpoints = setInterval(() => void checkpoint().catch(() => undefined), auditCheckpointIntervalMs);
  checkpoints.unref();
  const running = await compose(
    context,
    index,
    auditTree,
    { ...options, clock, changes },
    async () => {
      clearInterval(expiries);
      clearInterval(checkpoints);
      await expiryRun;
      for (const d of dispatchers) await d.stop();
      await changes.stop();
    },
    async () => {
      // The last decisions are in the log: sign what it holds, so the next start can prove it was not rewritten.
      await checkpoint().catch(() => undefined);
    },
  );
  // At start too, so the latest checkpoint covers everything written while the service was down; only once the
  // server is built: over a city's log it reads for minutes, and begun beside the plugins' registration it kept
  // their file reads waiting until Fastify gave up on them (AVV_ERR_PLUGIN_EXEC_TIMEOUT at 22M subjects).
  void checkpoint().catch(() => undefined);
  return running;
}

export interface ReplicaOptions extends ServerOptions {
  readonly clock?: () => number;
  readonly keys: Keyring;
  /** The change stream to follow (stream/nats.ts). */
  readonly feed: ChangeFeed;
}

/**
 * A decision replica: the same index, decision routes and decision log as the main server, on the same store, kept
 * current by the change stream instead of by its own writes. It writes nothing but its decision log.
 */
export async function startReplica(store: Store, options: ReplicaOptions): Promise<RunningService> {
  const clock = options.clock ?? Date.now;
  const context = await openContext(store, { keys: options.keys });
  const index = new DecisionIndex(context.catalogs, clock());
  const replication = new Replication({
    index,
    store,
    feed: options.feed,
    clock,
    reloadCatalogs: async () => {
      context.catalogs = buildCatalogSet(await store.catalogVersions());
      return context.catalogs;
    },
  });
  await replication.start();
  return compose(
    context,
    index,
    new AuditTree(store),
    { ...options, clock, replication, role: 'replica' },
    () => replication.stop(),
    async () => undefined,
  );
}

/** What both kinds of server are made of: tokens, the decision log, metrics, the HTTP server, and stopping in order. */
async function compose(
  context: AppContext,
  index: DecisionIndex,
  auditTree: AuditTree,
  options: ServerOptions & {
    readonly clock: () => number;
    readonly changes?: ChangePublisher;
    readonly replication?: Replication;
  },
  stopWork: () => Promise<void>,
  afterDecisionLog: () => Promise<void>,
): Promise<RunningService> {
  const { clock } = options;
  const tokens = new TokenAuthority(context, clock);
  await tokens.refresh();
  const refresher = setInterval(() => void tokens.refresh().catch(() => undefined), tokenRefreshIntervalMs);
  refresher.unref();
  const decisionLog = new DecisionLog(context, {
    flushIntervalMs: decisionLogFlushIntervalMs,
    batchMax: decisionLogBatchMax,
    queueMax: decisionLogQueueMax,
    transactionMax: decisionLogTransactionMax,
  });
  const { replication, changes } = options;
  const metrics = createMetrics({
    indexSubjects: () => index.size,
    decisionLogPending: () => decisionLog.pending,
    decisionLogWritten: () => decisionLog.written,
    ...(replication === undefined ? {} : { replicaLag: () => replication.lag }),
    ...(changes === undefined ? {} : { changesPublished: () => changes.published }),
  });
  const service: Service = {
    context,
    index,
    tokens,
    decisionLog,
    auditTree,
    metrics,
    clock,
    ...(replication === undefined ? {} : { replication }),
  };
  const app = await buildServer(service, options);
  let stopped: Promise<void> | undefined;
  return {
    app,
    service,
    stop: () => {
      stopped ??= (async () => {
        clearInterval(refresher);
        await app.close();
        await stopWork();
        await decisionLog.close();
        await afterDecisionLog();
        await context.store.close();
      })();
      return stopped;
    },
  };
}
