/**
 * The change stream on NATS JetStream (@nats-io/transport-node and @nats-io/jetstream, the maintained clients).
 *
 * One stream (default `CREDENCE_CHANGES`, subject `credence.changes`) holds one message per committed change: the
 * change's subjects as lookup tokens, never identifiers. The main server publishes with a message id per change,
 * which the stream's duplicate window uses to store each once. Replicas read it with an ordered consumer from a
 * sequence on: the client recreates the consumer after a lost connection or a node's death, from where it was.
 * The stream keeps a bounded number of messages; a replica that falls further behind than that reloads a snapshot.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { DeliverPolicy, jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { ChangeSink } from '../app/change-stream.ts';
import type { Change } from '../store/ports.ts';

export interface ChangeStreamOptions {
  /** Client URLs of one or more servers of the cluster. */
  readonly servers: readonly string[];
  readonly stream?: string;
  /** Copies of the stream in the cluster (3 on a three-node cluster; 1 on a single server). */
  readonly replicas?: number;
  /** Messages kept; a replica further behind reloads a snapshot. */
  readonly maxMessages?: number;
}

const defaultStream = 'CREDENCE_CHANGES';
/** Each stream its own subject (a NATS subject belongs to one stream), so that registers can share a server. */
const subjectOf = (stream: string) => (stream === defaultStream ? 'credence.changes' : `credence.changes.${stream}`);
const nanosPerMs = 1_000_000;
/** Longer than any outage after which the main server resends what it published but had not yet dropped. */
const duplicateWindowMs = 24 * 3_600_000;

export interface StreamPosition {
  /** The sequence of the first message the stream still holds (0 when empty). */
  readonly firstSequence: number;
  /** The sequence of the last message stored (0 when none ever was). */
  readonly lastSequence: number;
}

export interface FollowedChange {
  readonly change: Change;
  readonly sequence: number;
  /** Messages after this one in the stream, as the server counted when it delivered this one. */
  readonly pending: number;
}

export class NatsChangeStream implements ChangeSink {
  readonly #nc: NatsConnection;
  readonly #jsm: JetStreamManager;
  readonly #stream: string;
  readonly #subject: string;

  private constructor(nc: NatsConnection, jsm: JetStreamManager, stream: string, subject: string) {
    this.#nc = nc;
    this.#jsm = jsm;
    this.#stream = stream;
    this.#subject = subject;
  }

  /** Connects, and makes the stream if it does not exist (the first of main server and replicas to start does). */
  static async open(options: ChangeStreamOptions): Promise<NatsChangeStream> {
    const nc = await connect({
      servers: [...options.servers],
      name: 'credence',
      // Keep trying for ever: a replica outlives any one node, and a cluster's restart.
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
    });
    try {
      const jsm = await jetstreamManager(nc);
      const name = options.stream ?? defaultStream;
      // An existing stream is taken as it is: publish on the subject it was made with.
      const existing = await jsm.streams.info(name).catch(() => undefined);
      const made =
        existing ??
        (await jsm.streams.add({
          name,
          subjects: [subjectOf(name)],
          num_replicas: options.replicas ?? 1,
          max_msgs: options.maxMessages ?? 1_000_000,
          duplicate_window: duplicateWindowMs * nanosPerMs,
        }));
      return new NatsChangeStream(nc, jsm, name, made.config.subjects?.[0] ?? subjectOf(name));
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  async publish(change: Change, messageId: string): Promise<void> {
    const js = jetstream(this.#nc);
    await js.publish(this.#subject, JSON.stringify(change), {
      msgID: messageId,
      expect: { streamName: this.#stream },
    });
  }

  async position(): Promise<StreamPosition> {
    const info = await this.#jsm.streams.info(this.#stream);
    return { firstSequence: info.state.first_seq, lastSequence: info.state.last_seq };
  }

  /**
   * Calls `apply` for each message from `fromSequence` on, in order, one at a time, until `stop` is called. A throw
   * from `apply` stops following and rejects `done`.
   */
  follow(
    fromSequence: number,
    apply: (followed: FollowedChange) => Promise<void>,
  ): { stop(): void; done: Promise<void> } {
    let stopped = false;
    let messages: { stop(): void } | undefined;
    const done = (async () => {
      const consumer = await jetstream(this.#nc).consumers.get(this.#stream, {
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: Math.max(1, fromSequence),
      });
      // Short pulls, so that heartbeats (half the pull's expiry) soon show a consumer whose server has gone.
      const iterator = await consumer.consume({ expires: 5_000 });
      messages = iterator;
      if (stopped) iterator.stop();
      for await (const message of iterator) {
        if (stopped) break;
        await apply({
          change: message.json<Change>(),
          sequence: message.seq,
          pending: message.info.pending,
        });
      }
    })();
    return {
      stop: () => {
        stopped = true;
        messages?.stop();
      },
      done,
    };
  }

  async close(): Promise<void> {
    await this.#nc.drain().catch(() => this.#nc.close());
  }
}
