/** The identity caches: what a transaction stored is known within it, kept once it commits, and bounded. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Identities } from '../../src/store/identities.ts';

const protector = {
  lookup: (text: string) => `t(${text})`,
  seal: (text: string) => `s(${text})`,
  open: (sealed: string) => sealed.slice(2, -1),
};

test('a token stored in the open transaction is known within it, kept on commit and forgotten on rollback', () => {
  const ids = new Identities(protector, () => undefined);
  const a = ids.token('a');
  assert.equal(ids.isStored(a), false);
  ids.storedInTransaction(a);
  assert.equal(ids.isStored(a), true, 'the same transaction need not look again');
  ids.transactionEnded(false);
  assert.equal(ids.isStored(a), false, 'a rolled-back row is gone');
  ids.storedInTransaction(a);
  ids.storedInTransaction(a);
  ids.transactionEnded(true);
  assert.equal(ids.isStored(a), true);
  assert.equal(ids.storedKnown, 1, 'once each');
});

test('one transaction storing more tokens than the bound leaves the cache within it', () => {
  const ids = new Identities(protector, () => undefined);
  const bound = 1_000_000;
  for (let i = 0; i <= bound + 10; i++) ids.storedInTransaction(`token-${i}`);
  ids.transactionEnded(true);
  assert.equal(ids.storedKnown, bound);
  ids.storedInTransaction('one-more');
  ids.transactionEnded(true);
  assert.ok(ids.storedKnown <= bound, `${ids.storedKnown} known`);
  assert.equal(ids.isStored('one-more'), true, 'the newest is kept when the cache is dropped');
});
