/**
 * The change stream's sending side (src/app/change-stream.ts) on a real SQLite store: the outbox goes out oldest
 * first under `<origin>:<change id>` and is dropped only once published; a sink that fails or a crash before the
 * drop sends the same message id again, and a real JetStream stream then still holds each change once; the origin
 * is the database's, and a call made while a round runs is not lost.
 *
 * The JetStream test uses the loopback NATS server (.ci/services.sh starts it) with a stream of its own, deleted
 * afterwards.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { ChangePublisher, type ChangeSink } from '../../src/app/change-stream.ts';
import { submitRecords } from '../../src/app/records.ts';
import type { SubjectId } from '../../src/core/identifiers.ts';
import type { Change, Store, StoreTransaction } from '../../src/store/ports.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { NatsChangeStream } from '../../src/stream/nats.ts';
import { openTestContext, type TestContext } from '../support/app-context.ts';
import { testKeys } from '../support/keys.ts';
import { person } from '../support/store-contract.ts';

const nowMs = Date.parse('2026-11-22T00:00:00Z');
const originMeta = 'changes.origin';

interface Sent {
  readonly change: Change;
  readonly messageId: string;
}

/** A sink that keeps what it is given; `failOn(n)` makes its n-th call (from 1) throw instead. */
function recordingSink(options: { readonly failOn?: number; readonly forward?: ChangeSink } = {}) {
  const sent: Sent[] = [];
  const attempts: Sent[] = [];
  const sink: ChangeSink = {
    async publish(change, messageId) {
      attempts.push({ change, messageId });
      if (attempts.length === options.failOn) throw new Error('stream unreachable');
      await options.forward?.publish(change, messageId);
      sent.push({ change, messageId });
    },
  };
  return { sink, sent, attempts };
}

/** A traffic fine for the subject: one accepted record, whose transaction writes one outbox change. */
async function fine(t: TestContext, subject: SubjectId, agencyRef: string): Promise<void> {
  const result = await submitRecords(
    t.context,
    [
      {
        agency: 'traffic-police',
        agencyRef,
        subject: subject.key,
        code: 'traffic.fine',
        effectiveAt: '2026-06-01T08:00:00Z',
        evidence: `ticket ${agencyRef}`,
        amount: 800,
      },
    ],
    { nowMs },
  );
  assert.equal(result.accepted, 1, JSON.stringify(result.results));
}

async function outbox(store: Store): Promise<Change[]> {
  return store.changes(0, 1_000);
}

async function originOf(store: Store): Promise<string> {
  const origin = await store.transaction((tx) => tx.meta(originMeta));
  assert.ok(origin !== undefined && origin.length > 0, 'the store keeps an origin once it has published');
  return origin;
}

const messagesOf = (origin: string, changes: readonly Change[]): Sent[] =>
  changes.map((change) => ({ change, messageId: `${origin}:${change.id}` }));

/** The store, except that the first transaction that drops changes throws after dropping (a crash before commit). */
function crashingOnFirstDrop(store: Store): Store {
  let crashed = false;
  const transaction: Store['transaction'] = (work, options) =>
    store.transaction(
      (tx) =>
        work({
          ...tx,
          dropChanges: async (throughId) => {
            await tx.dropChanges(throughId);
            if (crashed) return;
            crashed = true;
            throw new Error('crashed before the drop committed');
          },
        } satisfies StoreTransaction),
      options,
    );
  return new Proxy(store, {
    get(target, property) {
      if (property === 'transaction') return transaction;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('ChangePublisher', () => {
  const contexts: TestContext[] = [];
  const open = async () => {
    const t = await openTestContext();
    contexts.push(t);
    return t;
  };
  after(async () => {
    for (const t of contexts.splice(0)) await t.close();
  });

  test('publishes exactly the outbox, oldest first, as <origin>:<id>, then drops it; a second round sends nothing', async () => {
    const t = await open();
    const subject = person(1);
    await fine(t, subject, 'CS-1');
    const pending = await outbox(t.context.store);
    assert.ok(pending.length >= 2, 'the demo catalogs and the record each left a change');
    const recorded = pending.at(-1);
    assert.deepEqual(
      recorded && { subjects: recorded.subjects, passports: recorded.passports, catalogs: recorded.catalogs },
      { subjects: [t.context.keys.lookup(subject.key)], passports: [], catalogs: false },
      "the record's change names its subject by lookup token",
    );
    assert.equal(t.context.keys.lookup(subject.key), testKeys.lookup(subject.key));
    assert.ok(!JSON.stringify(pending).includes(subject.key), 'no change holds the identifier');

    const { sink, sent } = recordingSink();
    const publisher = new ChangePublisher(t.context.store, sink);
    assert.equal(await publisher.publishPending(), pending.length);
    const origin = await originOf(t.context.store);
    assert.deepEqual(sent, messagesOf(origin, pending));
    assert.ok(
      sent.every((s, i) => i === 0 || s.change.id > (sent[i - 1]?.change.id ?? Infinity)),
      `published in id order: ${sent.map((s) => s.change.id).join(', ')}`,
    );
    assert.equal(publisher.published, pending.length);
    assert.deepEqual(await t.context.store.changes(0, 10), []);

    assert.equal(await publisher.publishPending(), 0);
    assert.equal(sent.length, pending.length, 'nothing is sent twice');
    assert.equal(publisher.published, pending.length);

    // The next change goes out alone, under the same origin.
    await fine(t, subject, 'CS-2');
    const next = await outbox(t.context.store);
    assert.equal(next.length, 1);
    assert.equal(await publisher.publishPending(), 1);
    assert.deepEqual(sent.slice(pending.length), messagesOf(origin, next));
  });

  test('a sink that throws drops nothing; the next round sends the same changes under the same message ids', async () => {
    const t = await open();
    await fine(t, person(2), 'CS-3');
    const pending = await outbox(t.context.store);

    const failing = recordingSink({ failOn: 1 });
    const publisher = new ChangePublisher(t.context.store, failing.sink);
    await assert.rejects(publisher.publishPending(), /stream unreachable/);
    assert.deepEqual(await outbox(t.context.store), pending, 'the outbox is kept');
    assert.equal(publisher.published, 0);
    const origin = await originOf(t.context.store);
    assert.deepEqual(failing.attempts, messagesOf(origin, pending.slice(0, 1)));

    // The same publisher's next round, the stream back.
    assert.equal(await publisher.publishPending(), pending.length);
    assert.deepEqual(failing.sent, messagesOf(origin, pending));
    assert.deepEqual(failing.attempts[0], failing.sent[0], 'the failed change is sent again under its message id');
    assert.deepEqual(await outbox(t.context.store), []);
  });

  test('a sink that fails part-way through a page drops nothing, not even what it had already sent', async () => {
    const t = await open();
    await fine(t, person(3), 'CS-4');
    const pending = await outbox(t.context.store);
    assert.ok(pending.length >= 2);

    const flaky = recordingSink({ failOn: 2 });
    await assert.rejects(new ChangePublisher(t.context.store, flaky.sink).publishPending(), /stream unreachable/);
    assert.deepEqual(await outbox(t.context.store), pending);
    const origin = await originOf(t.context.store);
    assert.deepEqual(flaky.sent, messagesOf(origin, pending.slice(0, 1)));

    const working = recordingSink();
    assert.equal(await new ChangePublisher(t.context.store, working.sink).publishPending(), pending.length);
    assert.deepEqual(working.sent, messagesOf(origin, pending), 'the first change again, under the same id');
    assert.deepEqual(await outbox(t.context.store), []);
  });

  test('the origin is one per database: two publishers on a store share it, a reopened store keeps it, two stores differ', async () => {
    const a = await open();
    const b = await open();
    await fine(a, person(4), 'CS-5');
    await fine(b, person(4), 'CS-5');

    const first = recordingSink();
    await new ChangePublisher(a.context.store, first.sink).publishPending();
    await fine(a, person(5), 'CS-6');
    const second = recordingSink();
    assert.equal(await new ChangePublisher(a.context.store, second.sink).publishPending(), 1);
    const [originA] = first.sent[0]?.messageId.split(':') ?? [];
    assert.ok(originA !== undefined && originA.length > 0);
    assert.ok(
      [...first.sent, ...second.sent].every((s) => s.messageId === `${originA}:${s.change.id}`),
      'both publishers on one store use one origin',
    );
    assert.equal(await originOf(a.context.store), originA);

    // The same database opened again (a restarted server) keeps its origin.
    await fine(a, person(6), 'CS-7');
    const reopened = openSqliteStore(a.path, { keys: testKeys });
    try {
      const third = recordingSink();
      assert.equal(await new ChangePublisher(reopened, third.sink).publishPending(), 1);
      assert.equal(third.sent[0]?.messageId, `${originA}:${third.sent[0]?.change.id}`);
    } finally {
      await reopened.close();
    }

    const other = recordingSink();
    await new ChangePublisher(b.context.store, other.sink).publishPending();
    const originB = await originOf(b.context.store);
    assert.notEqual(originB, originA);
    assert.ok(other.sent.length > 0 && other.sent.every((s) => s.messageId === `${originB}:${s.change.id}`));
    // The two databases number their changes alike: only the origin keeps their message ids apart.
    const idsA = new Set([...first.sent, ...second.sent].map((s) => s.change.id));
    assert.ok(other.sent.some((s) => idsA.has(s.change.id)));
  });

  test('a call made while a slow sink publishes is answered by the running round, which sends the new change too', async () => {
    const t = await open();
    await fine(t, person(7), 'CS-8');
    const pending = await outbox(t.context.store);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered: () => void = () => undefined;
    const inPublish = new Promise<void>((resolve) => (entered = resolve));
    const sent: Change[] = [];
    const slow: ChangeSink = {
      async publish(change) {
        if (sent.length === 0) {
          entered();
          await gate;
        }
        sent.push(change);
      },
    };
    const publisher = new ChangePublisher(t.context.store, slow);
    const firstCall = publisher.publishPending();
    await inPublish;
    await fine(t, person(8), 'CS-9');
    const committed = (await outbox(t.context.store)).at(-1);
    assert.ok(committed !== undefined && committed.id > (pending.at(-1)?.id ?? Infinity));
    const secondCall = publisher.publishPending();
    release();
    const total = await firstCall;
    assert.deepEqual(
      sent.map((c) => c.id),
      [...pending, committed].map((c) => c.id),
      'the change committed during the round is published when the first call resolves',
    );
    assert.equal(total, pending.length + 1);
    assert.equal(await secondCall, total);
    assert.deepEqual(await outbox(t.context.store), []);
  });

  test("a call made after the round's last read of the outbox gets one more round before the first call resolves", async () => {
    const t = await open();
    const store = t.context.store;
    await fine(t, person(9), 'CS-10');
    const pending = await outbox(store);
    let late: Promise<number> | undefined;
    const sent: Change[] = [];
    // The outbox read that finds nothing left: a change commits and its commit asks for a round, as start.ts does.
    const watched = new Proxy(store, {
      get(target, property) {
        if (property === 'changes')
          return async (afterId: number, limit: number) => {
            const page = await target.changes(afterId, limit);
            if (page.length === 0 && late === undefined) {
              await fine(t, person(10), 'CS-11');
              late = publisher.publishPending();
            }
            return page;
          };
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const publisher = new ChangePublisher(watched, { publish: async (change) => void sent.push(change) });
    const total = await publisher.publishPending();
    assert.ok(late !== undefined, 'the round read an empty outbox');
    assert.equal(sent.length, pending.length + 1, 'the late change went out in the same call');
    assert.equal(total, pending.length + 1);
    assert.equal(await late, total);
    assert.deepEqual(await outbox(store), []);
  });
});

describe('ChangePublisher on JetStream', () => {
  const servers = ['nats://127.0.0.1:4222'];
  let t: TestContext;

  before(async () => {
    t = await openTestContext();
  });
  after(() => t.close());

  test('a crash between publishing and dropping sends the same message ids again; the stream holds each change once', async () => {
    const name = `TEST_${randomBytes(6).toString('hex')}`;
    let stream: NatsChangeStream;
    try {
      stream = await NatsChangeStream.open({ servers, stream: name });
    } catch (error) {
      throw new Error(
        `NATS JetStream is not reachable at ${servers.join(',')} (${(error as Error).message}): install and start nats-server with JetStream (.ci/services.sh does both).`,
        { cause: error },
      );
    }
    const nc = await connect({ servers });
    const jsm = await jetstreamManager(nc);
    try {
      await fine(t, person(11), 'CS-12');
      const pending = await outbox(t.context.store);
      assert.ok(pending.length >= 2);
      assert.equal((await stream.position()).lastSequence, 0);

      const before = recordingSink({ forward: stream });
      await assert.rejects(
        new ChangePublisher(crashingOnFirstDrop(t.context.store), before.sink).publishPending(),
        /crashed before the drop committed/,
      );
      assert.deepEqual(await outbox(t.context.store), pending, 'the drop rolled back');
      const origin = await originOf(t.context.store);
      assert.deepEqual(before.sent, messagesOf(origin, pending));
      assert.equal((await stream.position()).lastSequence, pending.length);

      // The restarted server: a new publisher on the same database.
      const afterRestart = recordingSink({ forward: stream });
      assert.equal(await new ChangePublisher(t.context.store, afterRestart.sink).publishPending(), pending.length);
      assert.deepEqual(afterRestart.sent, messagesOf(origin, pending), 'the same message ids again');
      assert.deepEqual(await outbox(t.context.store), []);

      assert.deepEqual(await stream.position(), { firstSequence: 1, lastSequence: pending.length });
      const stored: Sent[] = [];
      for (let seq = 1; seq <= pending.length; seq++) {
        const message = await jsm.streams.getMessage(name, { seq });
        assert.ok(message !== null, `message ${seq} is in the stream`);
        stored.push({ change: message.json<Change>(), messageId: message.header.get('Nats-Msg-Id') });
      }
      assert.deepEqual(stored, messagesOf(origin, pending), 'each change once, in order, under its message id');
    } finally {
      await stream.close();
      await jsm.streams.delete(name).catch(() => undefined);
      await nc.close();
    }
  });
});
