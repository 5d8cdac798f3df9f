/**
 * The hash chain's format is fixed: a log stored before any change to how the hash is computed must still verify.
 * hashEvent is checked against the definition written out again here, and chainEvents' lookup tokens against the
 * protector it is given (they are cached, per protector).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { chainEvents, findChainBreak, genesisHash, hashEvent } from '../../src/app/audit-chain.ts';
import { generateKeyMaterial, keyringFrom } from '../../src/app/keyring.ts';
import type { AuditEventInput } from '../../src/store/ports.ts';

/** The chain's definition (format v1): SHA-256 over the previous hash, the fields on lines, then the payload. */
function hashV1(prevHash: string, seq: number, event: AuditEventInput): string {
  return createHash('sha256')
    .update(`${prevHash}\n${seq}\n${event.atMs}\n${event.kind}\n${event.actor}\n${event.subject ?? ''}\n`)
    .update(JSON.stringify(event.payload))
    .digest('hex');
}

const events: AuditEventInput[] = [
  { atMs: 1_780_000_000_000, kind: 'decision.made', actor: 'desk-1', subject: 'a-token', payload: { outcome: 'deny' } },
  { atMs: 0, kind: 'catalog.published', actor: 'admin', payload: {} },
  {
    atMs: 1_780_000_000_001,
    kind: 'record.accepted',
    actor: '交通管理局',
    subject: 'b-token',
    payload: {
      recordId: 7,
      evidence: '罚单 AV-1 \u2028 "quoted" \\ \ud83d\ude97',
      amount: 300.5,
      list: [1, null, true],
    },
  },
];

test('hashEvent is the v1 definition, byte for byte, for events with and without a subject and with any text', () => {
  let prevHash = genesisHash;
  events.forEach((event, i) => {
    const hash = hashEvent(prevHash, i + 1, event);
    assert.equal(hash, hashV1(prevHash, i + 1, event), `event ${i + 1}`);
    assert.match(hash, /^[0-9a-f]{64}$/);
    prevHash = hash;
  });
  // The same events chained by the code that wrote the logs stored so far (createHash with two updates).
  assert.equal(prevHash, '7e53be5965eb6f088d88d59abee29985a31a51db1f691cf3e1e43f378bcc2471');
});

test('chainEvents stores each subject as the lookup token of the protector it is given, never another', () => {
  const one = keyringFrom(generateKeyMaterial());
  const two = keyringFrom(generateKeyMaterial());
  const inputs = events.map((e) => (e.subject === undefined ? e : { ...e, subject: `440304198506151237-${e.atMs}` }));
  // Alternating protectors: a token cached under one key must not be handed out under the other.
  for (let round = 0; round < 3; round++) {
    for (const protector of [one, two]) {
      const chained = chainEvents(undefined, inputs, protector);
      assert.deepEqual(
        chained.map((e) => e.subject),
        inputs.map((e) => (e.subject === undefined ? undefined : protector.lookup(e.subject))),
      );
      assert.equal(findChainBreak(undefined, chained), undefined);
    }
  }
  assert.notEqual(one.lookup('440304198506151237'), two.lookup('440304198506151237'));
});

test('lookup tokens are computed once per subject, and stay right when the cache starts over', () => {
  const asked: string[] = [];
  const protector = {
    lookup: (text: string) => {
      asked.push(text);
      return `token:${text}`;
    },
  };
  const event = (subject: string): AuditEventInput => ({ atMs: 1, kind: 'k', actor: 'a', subject, payload: {} });
  let tail = chainEvents(undefined, [event('x'), event('y'), event('x')], protector).at(-1);
  tail = chainEvents(tail, [event('y'), event('x')], protector).at(-1);
  assert.deepEqual(asked, ['x', 'y']);
  // More distinct subjects than the cache holds: every token is still the protector's.
  const many = Array.from({ length: 100_010 }, (_, i) => event(`s${i}`));
  const chained = chainEvents(tail, many, protector);
  assert.ok(chained.every((e, i) => e.subject === `token:s${i}`));
  assert.equal(chainEvents(undefined, [event('x')], protector)[0]?.subject, 'token:x');
  assert.equal(findChainBreak(tail, chained), undefined);
});
