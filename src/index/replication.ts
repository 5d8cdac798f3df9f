/**
 * A decision replica's index, kept current from the change stream. It starts from a snapshot (the index loaded from
 * the store, as the main server loads its own) taken after noting the stream's last sequence, then applies every
 * message after that sequence. A message names the subjects a commit changed; the replica re-reads them from the
 * store, exactly as the main server's change observer does, so applying one twice or late does no harm: the index
 * ends as the store is. A gap in the sequence (the stream dropped messages the replica had not read: it was too
 * far behind) reloads the snapshot instead.
 */
import type { CatalogSet } from '../core/catalog-set.ts';
import { parseSubjectId, type SubjectId } from '../core/identifiers.ts';
import type { Change, Store } from '../store/ports.ts';
import { loadIndex, refreshSubjects, type DecisionIndex } from './decision-index.ts';

/** What the replica needs of the stream (stream/nats.ts provides it). */
export interface ChangeFeed {
  position(): Promise<{ readonly firstSequence: number; readonly lastSequence: number }>;
  follow(
    fromSequence: number,
    apply: (followed: {
      readonly change: Change;
      readonly sequence: number;
      readonly pending: number;
    }) => Promise<void>,
  ): { stop(): void; readonly done: Promise<void> };
}

export interface ReplicationOptions {
  readonly index: DecisionIndex;
  readonly store: Store;
  readonly feed: ChangeFeed;
  /** Reads the published catalogs again (a catalog change reloads the index under them). */
  readonly reloadCatalogs: () => Promise<CatalogSet>;
  readonly clock: () => number;
  /** How often to ask the stream for its last sequence (lag is known between messages too). */
  readonly positionIntervalMs?: number;
}

/** What a change asks of an index's keeper: the shape of the app's change observer. */
export interface ChangeFollower {
  subjectsChanged(subjects: readonly SubjectId[]): Promise<void>;
  passportLinked(passport: string, subject: SubjectId): Promise<void>;
  catalogsChanged(): Promise<void>;
}

/**
 * Tells a follower what one change from the outbox or the stream means: a catalog publication (which rereads
 * everything), or the subjects whose derived state changed and the passports linked, named by lookup token and
 * opened here.
 */
export async function applyChange(store: Store, change: Change, follower: ChangeFollower): Promise<void> {
  if (change.catalogs) {
    await follower.catalogsChanged();
    return;
  }
  const tokens = [...new Set([...change.subjects, ...change.passports.flatMap((p) => [p.passport, p.subject])])];
  const identifiers = await store.identifiersOf(tokens);
  const subjectOf = (token: string): SubjectId | undefined => {
    const identifier = identifiers.get(token);
    const parsed = identifier === undefined ? undefined : parseSubjectId(identifier);
    return parsed?.ok ? parsed.value : undefined;
  };
  for (const link of change.passports) {
    const passport = identifiers.get(link.passport);
    const subject = subjectOf(link.subject);
    if (passport !== undefined && subject !== undefined) await follower.passportLinked(passport, subject);
  }
  const subjects = change.subjects.map(subjectOf).filter((s): s is SubjectId => s !== undefined);
  if (subjects.length > 0) await follower.subjectsChanged(subjects);
}

/** Behind the stream this long without applying anything: the consumer is replaced. */
const stalledMs = 3_000;

export class Replication {
  readonly #options: ReplicationOptions;
  #applied = 0;
  #streamLast = 0;
  #snapshots = 0;
  #applyErrors = 0;
  #following: { stop(): void; readonly done: Promise<void> } | undefined;
  #poller: NodeJS.Timeout | undefined;
  #streamReachable = true;
  #stopped = false;
  #stallSeenAt = { applied: 0, sinceMs: 0 };
  #resubscriptions = 0;
  #generation = 0;

  constructor(options: ReplicationOptions) {
    this.#options = options;
  }

  /** The last stream sequence applied to the index. */
  get appliedSequence(): number {
    return this.#applied;
  }

  /** The last sequence the stream is known to hold. */
  get streamSequence(): number {
    return this.#streamLast;
  }

  /** Messages in the stream not yet applied. */
  get lag(): number {
    return Math.max(0, this.#streamLast - this.#applied);
  }

  /** Snapshots loaded: one at start, one more for each gap. */
  get snapshots(): number {
    return this.#snapshots;
  }

  get streamReachable(): boolean {
    return this.#streamReachable;
  }

  /** Loads the snapshot and starts following; resolves once the index serves. */
  async start(): Promise<void> {
    await this.#snapshot();
    this.#follow();
    this.#poller = setInterval(() => void this.#poll(), this.#options.positionIntervalMs ?? 1_000);
    this.#poller.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#generation++;
    clearInterval(this.#poller);
    this.#following?.stop();
    await this.#following?.done.catch(() => undefined);
  }

  async #poll(): Promise<void> {
    try {
      const position = await this.#options.feed.position();
      this.#streamLast = Math.max(this.#streamLast, position.lastSequence);
      this.#streamReachable = true;
    } catch {
      this.#streamReachable = false;
      return;
    }
    // Behind, and not moving: the consumer is stuck (its server died, say) even if the client has not noticed yet.
    // A new one from where the index is costs nothing; messages already applied are skipped.
    const now = Date.now();
    if (this.lag === 0 || this.#applied !== this.#stallSeenAt.applied) {
      this.#stallSeenAt = { applied: this.#applied, sinceMs: now };
    } else if (now - this.#stallSeenAt.sinceMs >= stalledMs && !this.#stopped) {
      this.#stallSeenAt = { applied: this.#applied, sinceMs: now };
      this.#resubscriptions++;
      const stuck = this.#following;
      this.#follow();
      stuck?.stop();
    }
  }

  /** Notes the stream's end, then loads the index: what was published before the note is in the snapshot. */
  async #snapshot(): Promise<void> {
    const { index, store, clock } = this.#options;
    const position = await this.#options.feed.position();
    const catalogs = await this.#options.reloadCatalogs();
    await loadIndex(store, catalogs, clock(), index);
    this.#applied = position.lastSequence;
    this.#streamLast = Math.max(this.#streamLast, position.lastSequence);
    this.#snapshots++;
  }

  #follow(): void {
    // Each consumer has its generation: one replaced (or stopped) is ignored even if it still delivers.
    const generation = ++this.#generation;
    this.#stallSeenAt = { applied: this.#applied, sinceMs: Date.now() };
    const following = this.#options.feed.follow(this.#applied + 1, async ({ change, sequence, pending }) => {
      if (generation !== this.#generation) return;
      this.#streamLast = Math.max(this.#streamLast, sequence + pending);
      if (sequence <= this.#applied) return;
      if (sequence > this.#applied + 1) {
        // The stream no longer holds what came between: start again from the store.
        await this.#snapshot();
        this.#applied = Math.max(this.#applied, sequence);
        return;
      }
      try {
        await this.#apply(change);
      } catch {
        // The store was unreachable, say: a snapshot reread covers whatever this change was.
        this.#applyErrors++;
        await this.#snapshot();
      }
      this.#applied = sequence;
    });
    this.#following = following;
    // Following ends only when stopped, or when the consumer failed or a snapshot could not be read: start over.
    const restart = () => {
      if (!this.#stopped && generation === this.#generation) this.#restart();
    };
    following.done.then(restart, restart);
  }

  /** After a pause, a new snapshot and a new consumer; again and again until the store and the stream answer. */
  #restart(): void {
    setTimeout(() => {
      if (this.#stopped) return;
      this.#snapshot().then(
        () => this.#follow(),
        () => this.#restart(),
      );
    }, 1_000).unref();
  }

  #apply(change: Change): Promise<void> {
    const { index, store, clock } = this.#options;
    return applyChange(store, change, {
      subjectsChanged: (subjects) => refreshSubjects(index, store, subjects, clock()),
      passportLinked: async (passport, subject) => index.linkPassport(passport, subject),
      catalogsChanged: async () => {
        await loadIndex(store, await this.#options.reloadCatalogs(), clock(), index);
      },
    });
  }

  /** Consumers replaced because they stopped delivering while the stream had more. */
  get resubscriptions(): number {
    return this.#resubscriptions;
  }

  /** Apply failures (each covered by a snapshot reload). */
  get applyErrors(): number {
    return this.#applyErrors;
  }
}
