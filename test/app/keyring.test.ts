/** Sealing identifiers: every seal has its own nonce, across refills of the nonce pool, and opens back. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { sealerFor } from '../../src/app/keyring.ts';

test('10,000 seals of one text (the nonce pool refilled twice) have 10,000 nonces and all open back', () => {
  const sealer = sealerFor(randomBytes(32));
  const text = '110105198505051233';
  const nonces = new Set<string>();
  for (let i = 0; i < 10_000; i++) {
    const sealed = sealer.seal(text);
    nonces.add(Buffer.from(sealed, 'base64url').subarray(0, 12).toString('hex'));
    assert.equal(sealer.open(sealed), text);
  }
  assert.equal(nonces.size, 10_000);
});

test('a sealed value opens only under its own key, and not once changed', () => {
  const sealer = sealerFor(randomBytes(32));
  const sealed = sealer.seal('91110105MA0000001X');
  assert.throws(() => sealerFor(randomBytes(32)).open(sealed));
  const bytes = Buffer.from(sealed, 'base64url');
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
  assert.throws(() => sealer.open(bytes.toString('base64url')));
  assert.throws(() => sealer.open('short'), /too short/);
});
