/**
 * A replica's index kept current from the change stream (src/index/replication.ts), on a real SQLite store written
 * through the use cases, with an in-memory feed in place of JetStream: the test says what the stream's position is
 * and pushes its messages, and the feed delivers them to each consumer from its start sequence, one at a time.
 *
 * The replica's index hears of a write only through a message (the store's context has no observer), so every
 * answer that changes after one shows that the message was applied, and every answer that does not after a
 * duplicate shows it was skipped. The index is compared with one loaded from the store anew, as the main server's.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { publishCatalog } from '../../src/app/catalogs.ts';
import { linkPassport } from '../../src/app/passports.ts';
import { submitRecords } from '../../src/app/records.ts';
import { actions } from '../../src/core/actions.ts';
import { parseCatalogDraft } from '../../src/core/catalog.ts';
import { buildCatalogSet } from '../../src/core/catalog-set.ts';
import { dayMs } from '../../src/core/constants.ts';
import type { SubjectId } from '../../src/core/identifiers.ts';
import { isoFromMs } from '../../src/core/time.ts';
import { DecisionIndex, loadIndex } from '../../src/index/decision-index.ts';
import { Replication, type ChangeFeed } from '../../src/index/replication.ts';
import type { Change, Store } from '../../src/store/ports.ts';
import { openTestContext, type TestContext } from '../support/app-context.ts';
import { demoCatalogInputs } from '../support/demo-catalogs.ts';
import { organisation, person } from '../support/store-contract.ts';

const nowMs = Date.parse('2026-11-22T00:00:00Z');
/** How long the feed may take to deliver what was pushed (it is all in memory). */
const settleWithinMs = 5_000;
/** Longer than the replica's 3 s stall bound plus a few polls. */
const resubscribeWithinMs = 5_000;
const passport = 'passport:CHN:TEST00001';

type Apply = Parameters<ChangeFeed['follow']>[1];

interface Consumer {
  readonly from: number;
  readonly apply: Apply;
  /** The next message of the feed's log this consumer looks at. */
  next: number;
  stopped: boolean;
  /** Stops delivering, but does not end (a consumer whose server died unnoticed). */
  stuck: boolean;
  waiting: boolean;
  wake: () => void;
}

/** JetStream as the replica sees it, in memory. */
class FakeFeed implements ChangeFeed {
  #position = { firstSequence: 0, lastSequence: 0 };
  readonly log: { readonly change: Change; readonly sequence: number }[] = [];
  readonly consumers: Consumer[] = [];

  async position() {
    return this.#position;
  }

  /** Sets the position's last sequence (the first stays where it is, or 1). */
  holds(lastSequence: number): void {
    this.#position = { firstSequence: Math.max(1, this.#position.firstSequence), lastSequence };
  }

  /** Appends a message for the consumers; the position is left to the test. */
  push(change: Change, sequence: number): void {
    this.log.push({ change, sequence });
    for (const c of this.consumers) c.wake();
  }

  follow(fromSequence: number, apply: Apply) {
    const consumer: Consumer = {
      from: fromSequence,
      apply,
      next: 0,
      stopped: false,
      stuck: false,
      waiting: false,
      wake: () => undefined,
    };
    this.consumers.push(consumer);
    const done = (async () => {
      // Asynchronously, as JetStream's consumer is made before anything arrives.
      await delay(0);
      while (!consumer.stopped) {
        const entry = consumer.stuck ? undefined : this.log[consumer.next];
        if (entry === undefined) {
          consumer.waiting = true;
          await new Promise<void>((resolve) => (consumer.wake = resolve));
          consumer.waiting = false;
          continue;
        }
        consumer.next++;
        if (entry.sequence < fromSequence) continue;
        // As JetStream counts it: the messages the stream holds after this one.
        const last = Math.max(...this.log.map((e) => e.sequence));
        await apply({ ...entry, pending: Math.max(0, last - entry.sequence) });
      }
    })();
    return {
      stop: () => {
        consumer.stopped = true;
        consumer.wake();
      },
      done,
    };
  }

  /** Every live consumer stops delivering (and says nothing). */
  stall(): void {
    for (const c of this.consumers) c.stuck = true;
  }

  get live(): Consumer[] {
    return this.consumers.filter((c) => !c.stopped);
  }

  /** Resolves once every live consumer that delivers has handed over the whole log and waits for more. */
  async settled(): Promise<void> {
    const deadline = Date.now() + settleWithinMs;
    const idle = () =>
      this.live.every((c) => c.stuck || (c.waiting && c.next === this.log.length)) && this.live.some((c) => !c.stuck);
    while (!idle()) {
      if (Date.now() > deadline) throw new Error(`the feed did not deliver its ${this.log.length} messages`);
      await delay(5);
    }
  }
}

async function eventually(what: string, withinMs: number, check: () => boolean): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${withinMs / 1000} s`);
    await delay(20);
  }
}

function decision(index: DecisionIndex, subject: string, action: string, atMs = nowMs) {
  const result = index.decide(subject, action, atMs);
  assert.ok(result.ok, result.ok ? '' : result.problem.message);
  return result.value;
}

interface Replica {
  readonly t: TestContext;
  readonly store: Store;
  readonly feed: FakeFeed;
  readonly index: DecisionIndex;
  readonly replication: Replication;
  catalogReloads: number;
}

const running: Replica[] = [];

/** A replica on a fresh store with the demo catalogs (whatever `seed` writes first), not yet started. */
async function replicaOf(
  seed: (t: TestContext) => Promise<void>,
  options: { readonly positionIntervalMs?: number } = {},
): Promise<Replica> {
  const t = await openTestContext();
  await seed(t);
  const store = t.context.store;
  const feed = new FakeFeed();
  const index = new DecisionIndex(t.context.catalogs, nowMs);
  const replica: Replica = {
    t,
    store,
    feed,
    index,
    catalogReloads: 0,
    replication: new Replication({
      index,
      store,
      feed,
      clock: () => nowMs,
      // As start.ts reads them: from the store, so a version published by the main server is seen.
      reloadCatalogs: async () => {
        replica.catalogReloads++;
        return buildCatalogSet(await store.catalogVersions());
      },
      // Only the stall test polls the stream's position; elsewhere lag is known from the messages alone.
      positionIntervalMs: options.positionIntervalMs ?? 3_600_000,
    }),
  };
  running.push(replica);
  return replica;
}

afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.replication.stop();
    await r.t.close();
  }
});

async function submit(t: TestContext, subject: string, agency: string, code: string, agencyRef: string) {
  const result = await submitRecords(
    t.context,
    [
      {
        agency,
        agencyRef,
        subject,
        code,
        effectiveAt: '2026-11-01T00:00:00Z',
        evidence: `${agencyRef} order`,
        ...(code === 'traffic.fine' ? { amount: 800 } : {}),
      },
    ],
    { nowMs },
  );
  assert.equal(result.accepted, 1, JSON.stringify(result.results));
}

const listOnCourtDefaulters = (t: TestContext, subject: SubjectId, agencyRef: string) =>
  submit(t, subject.key, 'city-court', 'court.defaulter.refuses', agencyRef);

/** The outbox's changes after the given id (the store's own, as the main server would publish them). */
async function changesAfter(store: Store, afterId: number): Promise<Change[]> {
  return store.changes(afterId, 1_000);
}

async function lastChangeId(store: Store): Promise<number> {
  return (await changesAfter(store, 0)).at(-1)?.id ?? 0;
}

/** The one change a write left in the outbox. */
async function changeOf(store: Store, write: () => Promise<unknown>): Promise<Change> {
  const before = await lastChangeId(store);
  await write();
  const written = await changesAfter(store, before);
  assert.equal(written.length, 1, 'the write left one change');
  const [change] = written;
  assert.ok(change !== undefined);
  return change;
}

/** Every decision the index gives for these subjects, at these instants, equals that of an index loaded anew. */
async function assertAsLoaded(
  replica: Replica,
  subjects: readonly string[],
  instants: readonly number[] = [nowMs],
): Promise<void> {
  const catalogs = buildCatalogSet(await replica.store.catalogVersions());
  const fresh = await loadIndex(replica.store, catalogs, nowMs);
  const differ: string[] = [];
  let compared = 0;
  for (const subject of subjects)
    for (const atMs of instants)
      for (const { code } of actions) {
        compared++;
        const mine = replica.index.decide(subject, code, atMs);
        if (JSON.stringify(mine) !== JSON.stringify(fresh.decide(subject, code, atMs)))
          differ.push(`${subject} ${code} at ${isoFromMs(atMs)}`);
      }
  assert.ok(compared > 0);
  assert.deepEqual(differ.slice(0, 5), [], `${differ.length} of ${compared} decisions differ from loadIndex's`);
}

const listed = person(101);
const fined = person(102);
const company = organisation(101);
const clean = person(103);

describe('Replication', () => {
  test('start loads a snapshot at the stream position: the index answers as loadIndex does', async () => {
    const r = await replicaOf(async (t) => {
      await listOnCourtDefaulters(t, listed, 'R-1');
      await submit(t, fined.key, 'traffic-police', 'traffic.fine', 'R-2');
      await submit(t, company.key, 'market-regulator', 'market.licence_revoked', 'R-3');
    });
    r.feed.holds(7);
    assert.equal(decision(r.index, listed.key, 'travel.flight').outcome, 'allow', 'empty before start');
    await r.replication.start();
    assert.equal(r.replication.appliedSequence, 7);
    assert.equal(r.replication.streamSequence, 7);
    assert.equal(r.replication.lag, 0);
    assert.equal(r.replication.snapshots, 1);
    assert.equal(r.catalogReloads, 1);
    assert.deepEqual(
      r.feed.consumers.map((c) => c.from),
      [8],
      'it follows from the message after the snapshot',
    );
    assert.equal(decision(r.index, listed.key, 'travel.flight').outcome, 'deny');
    assert.equal(decision(r.index, company.key, 'procurement.bid').outcome, 'deny');
    await assertAsLoaded(r, [listed.key, fined.key, company.key, clean.key], [nowMs, nowMs + 400 * dayMs]);
  });

  test('a message naming a subject whose records changed makes the index answer the new way', async () => {
    const r = await replicaOf(async () => undefined);
    r.feed.holds(3);
    await r.replication.start();
    const change = await changeOf(r.store, () => listOnCourtDefaulters(r.t, listed, 'R-4'));
    assert.deepEqual(change.subjects, [r.t.context.keys.lookup(listed.key)]);
    assert.equal(decision(r.index, listed.key, 'travel.flight').outcome, 'allow', 'not heard of yet');

    r.feed.push(change, 4);
    await r.feed.settled();
    const denied = decision(r.index, listed.key, 'travel.flight');
    assert.equal(denied.outcome, 'deny');
    assert.deepEqual(
      denied.reasons.map((reason) => reason.measure),
      ['high-consumption-restrictions'],
    );
    assert.equal(r.replication.appliedSequence, 4);
    assert.equal(r.replication.streamSequence, 4);
    assert.equal(r.replication.lag, 0);
    assert.equal(r.replication.snapshots, 1, 'applied, not reloaded');
    assert.equal(r.replication.applyErrors, 0);

    // Two at once: each applied in turn.
    const second = await changeOf(r.store, () => submit(r.t, fined.key, 'traffic-police', 'traffic.fine', 'R-5'));
    const third = await changeOf(r.store, () =>
      submit(r.t, company.key, 'market-regulator', 'market.licence_revoked', 'R-6'),
    );
    r.feed.push(second, 5);
    r.feed.push(third, 6);
    await r.feed.settled();
    assert.equal(r.replication.appliedSequence, 6);
    assert.equal(r.replication.lag, 0);
    assert.equal(decision(r.index, company.key, 'procurement.bid').outcome, 'deny');
    await assertAsLoaded(r, [listed.key, fined.key, company.key, clean.key]);
  });

  test('a message at or before the applied sequence changes nothing and does not count', async () => {
    const r = await replicaOf(async () => undefined);
    await r.replication.start();
    assert.equal(r.replication.appliedSequence, 0);
    const first = await changeOf(r.store, () => submit(r.t, fined.key, 'traffic-police', 'traffic.fine', 'R-7'));
    r.feed.push(first, 1);
    const second = await changeOf(r.store, () => submit(r.t, fined.key, 'traffic-police', 'traffic.fine', 'R-8'));
    r.feed.push(second, 2);
    await r.feed.settled();
    assert.equal(r.replication.appliedSequence, 2);

    // The store changes for a subject; messages naming it come again under sequences already applied.
    const change = await changeOf(r.store, () => listOnCourtDefaulters(r.t, listed, 'R-9'));
    r.feed.push(change, 2);
    r.feed.push(change, 1);
    await r.feed.settled();
    assert.equal(decision(r.index, listed.key, 'travel.flight').outcome, 'allow', 'not applied');
    assert.equal(r.replication.appliedSequence, 2);
    assert.equal(r.replication.lag, 0);
    assert.equal(r.replication.snapshots, 1, 'no reload either');
    assert.equal(r.replication.applyErrors, 0);

    // The same change under the next sequence is applied.
    r.feed.push(change, 3);
    await r.feed.settled();
    assert.equal(decision(r.index, listed.key, 'travel.flight').outcome, 'deny');
    assert.equal(r.replication.appliedSequence, 3);
  });

  test('a gap in the sequence reloads the snapshot: the index is the store, and the next message applies as usual', async () => {
    const r = await replicaOf(async () => undefined);
    r.feed.holds(2);
    await r.replication.start();
    // Written while the replica missed messages 3 to 5 (the stream dropped them before it read them).
    await listOnCourtDefaulters(r.t, listed, 'R-10');
    await submit(r.t, company.key, 'market-regulator', 'market.licence_revoked', 'R-11');
    const named = await changeOf(r.store, () => submit(r.t, fined.key, 'traffic-police', 'traffic.fine', 'R-12'));
    r.feed.holds(6);
    r.feed.push(named, 6);
    await r.feed.settled();
    assert.equal(r.replication.snapshots, 2);
    assert.equal(r.replication.appliedSequence, 6);
    assert.equal(r.replication.lag, 0);
    assert.equal(decision(r.index, listed.key, 'travel.flight').outcome, 'deny', 'a subject no message named');
    assert.equal(decision(r.index, company.key, 'procurement.bid').outcome, 'deny');
    await assertAsLoaded(r, [listed.key, fined.key, company.key, clean.key]);

    const next = await changeOf(r.store, () => listOnCourtDefaulters(r.t, clean, 'R-13'));
    r.feed.push(next, 7);
    await r.feed.settled();
    assert.equal(r.replication.snapshots, 2, 'no gap, no reload');
    assert.equal(r.replication.appliedSequence, 7);
    assert.equal(decision(r.index, clean.key, 'travel.flight').outcome, 'deny');
  });

  test('a catalog change reloads the catalogs and the index under them', async () => {
    const r = await replicaOf((t) => listOnCourtDefaulters(t, listed, 'R-14'));
    r.feed.holds(1);
    await r.replication.start();
    const laterMs = nowMs + 30 * dayMs;
    assert.equal(decision(r.index, listed.key, 'travel.flight', laterMs).outcome, 'deny');

    // From tomorrow the court list no longer applies to persons themselves: the listed person may fly.
    const input = demoCatalogInputs().find((i) => {
      const draft = parseCatalogDraft(i);
      return draft.ok && draft.value.scheme.id === 'court-defaulters';
    });
    const draft = parseCatalogDraft(input);
    assert.ok(draft.ok);
    const scheme = {
      ...draft.value.scheme,
      subjectKinds: draft.value.scheme.subjectKinds.filter((k) => k !== 'person'),
    };
    const change = await changeOf(r.store, async () => {
      const published = await publishCatalog(
        r.t.context,
        { ...draft.value, scheme, effectiveFrom: isoFromMs(nowMs + dayMs) },
        { nowMs, actor: 'admin' },
      );
      assert.ok(published.ok, published.ok ? '' : published.problem.message);
    });
    assert.deepEqual(
      { subjects: change.subjects, passports: change.passports, catalogs: change.catalogs },
      {
        subjects: [],
        passports: [],
        catalogs: true,
      },
    );
    assert.equal(r.index.catalogs.versionsOf('court-defaulters').length, 1, 'not heard of yet');

    r.feed.push(change, 2);
    await r.feed.settled();
    assert.equal(r.catalogReloads, 2);
    assert.equal(r.replication.appliedSequence, 2);
    assert.equal(r.replication.snapshots, 1, 'a reload for the catalogs, not a snapshot for a gap');
    assert.equal(r.index.catalogs.versionsOf('court-defaulters').length, 2);
    assert.equal(decision(r.index, listed.key, 'travel.flight').outcome, 'deny', 'until the version takes effect');
    assert.equal(decision(r.index, listed.key, 'travel.flight', laterMs).outcome, 'allow');
    await assertAsLoaded(r, [listed.key, clean.key, company.key], [nowMs, nowMs + dayMs, laterMs]);
  });

  test('a passport link makes a decision by passport answer for the resident', async () => {
    const r = await replicaOf((t) => listOnCourtDefaulters(t, listed, 'R-15'));
    r.feed.holds(1);
    await r.replication.start();
    assert.equal(decision(r.index, passport, 'travel.flight').outcome, 'allow', 'a stranger before the link');

    const change = await changeOf(r.store, async () => {
      const linked = await linkPassport(r.t.context, { subject: listed.key, passport }, { nowMs, actor: 'admin' });
      assert.ok(linked.ok, linked.ok ? '' : linked.problem.message);
    });
    const keys = r.t.context.keys;
    assert.deepEqual(change.passports, [{ passport: keys.lookup(passport), subject: keys.lookup(listed.key) }]);
    assert.equal(decision(r.index, passport, 'travel.flight').outcome, 'allow', 'not heard of yet');

    r.feed.push(change, 2);
    await r.feed.settled();
    assert.equal(r.replication.appliedSequence, 2);
    const byPassport = decision(r.index, passport, 'travel.flight');
    assert.equal(byPassport.outcome, 'deny');
    assert.equal(byPassport.subject, listed.key);
    assert.deepEqual(byPassport.reasons, decision(r.index, listed.key, 'travel.flight').reasons);
    await assertAsLoaded(r, [passport, listed.key]);
    // Another passport is still a stranger.
    assert.equal(decision(r.index, 'passport:CHN:TEST00002', 'travel.flight').outcome, 'allow');
  });

  test('a consumer that stops delivering while the stream has more is replaced, and the message then applied', async () => {
    const r = await replicaOf(async () => undefined, { positionIntervalMs: 50 });
    r.feed.holds(1);
    await r.replication.start();
    r.feed.stall();
    const change = await changeOf(r.store, () => listOnCourtDefaulters(r.t, listed, 'R-16'));
    r.feed.push(change, 2);
    r.feed.holds(2);
    await eventually('the poll sees the stream hold more', settleWithinMs, () => r.replication.streamSequence === 2);
    assert.equal(r.replication.lag, 1);
    assert.equal(r.replication.appliedSequence, 1, 'the stuck consumer delivered nothing');

    await eventually('the message applied', resubscribeWithinMs, () => r.replication.appliedSequence === 2);
    assert.equal(r.replication.resubscriptions, 1);
    assert.deepEqual(
      r.feed.consumers.map((c) => ({ from: c.from, stopped: c.stopped })),
      [
        { from: 2, stopped: true },
        { from: 2, stopped: false },
      ],
      'the stuck consumer was stopped and a new one follows from the applied sequence on',
    );
    assert.equal(r.replication.lag, 0);
    assert.equal(r.replication.snapshots, 1);
    assert.equal(decision(r.index, listed.key, 'travel.flight').outcome, 'deny');
  });
});
