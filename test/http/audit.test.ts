/**
 * The audit log over HTTP, as an outsider uses it: fetch the public key and a signed checkpoint, check the
 * signature, then check an event's inclusion proof and a consistency proof between two checkpoints, trusting
 * nothing but the key.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { leafHash, verifyConsistency, verifyInclusion } from '../../src/app/merkle.ts';
import { verifySignature } from '../../src/app/keyring.ts';
import { call, ids, startHarness, type Harness } from './support.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.stop());

interface CheckpointBody {
  size: number;
  root: string;
  at: string;
  keyId: string;
  signature: string;
  signedText: string;
}

const fromHex = (hex: string) => Buffer.from(hex, 'hex');

describe('audit checkpoints and proofs', () => {
  test('the service signs a checkpoint of the whole log when it starts', async () => {
    // Signed in the background once the server is built (over a city's log it reads for minutes): wait for it.
    let latest = await call(h.app, 'GET', '/v1/audit/checkpoints/latest');
    for (let tries = 0; latest.status === 404 && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      latest = await call(h.app, 'GET', '/v1/audit/checkpoints/latest');
    }
    assert.equal(latest.status, 200, latest.text);
    assert.equal((latest.json as CheckpointBody).size, await h.service.context.store.auditSize());
  });

  test('an administrator signs checkpoints; anyone verifies them and the proofs with the public key alone', async () => {
    const refused = await call(h.app, 'POST', '/v1/audit/checkpoints', { token: h.tokens.reviewer });
    assert.equal(refused.status, 403);
    const first = await call(h.app, 'POST', '/v1/audit/checkpoints', { token: h.tokens.admin });
    assert.equal(first.status, 200, first.text);
    const again = await call(h.app, 'POST', '/v1/audit/checkpoints', { token: h.tokens.admin });
    assert.deepEqual(again.json, first.json, 'an unchanged log is not signed twice');

    // The log grows: a decision is audited (the decision log writes it in a batch), then a record.
    const decided = await call(h.app, 'GET', `/v1/decisions?subject=${ids.defaulter}&action=travel.flight`, {
      token: h.tokens.servicePoint,
    });
    assert.equal(decided.status, 200, decided.text);
    await h.service.decisionLog.flush();
    const second = await call(h.app, 'POST', '/v1/audit/checkpoints', { token: h.tokens.admin });
    const a = first.json as CheckpointBody;
    const b = second.json as CheckpointBody;
    assert.ok(b.size > a.size, `${b.size} > ${a.size}`);

    const key = (await call(h.app, 'GET', '/v1/audit/public-key')).json as { keyId: string; publicKeyPem: string };
    for (const c of [a, b]) {
      assert.equal(c.keyId, key.keyId);
      assert.ok(verifySignature(key.publicKeyPem, c.signedText, c.signature));
      assert.match(c.signedText, new RegExp(`^credence audit checkpoint v1\nsize ${c.size}\nroot `));
      assert.equal(
        verifySignature(key.publicKeyPem, c.signedText.replace(`size ${c.size}`, 'size 1'), c.signature),
        false,
      );
    }
    const latest = await call(h.app, 'GET', '/v1/audit/checkpoints/latest');
    assert.deepEqual(latest.json, b);
    const bySize = await call(h.app, 'GET', `/v1/audit/checkpoints?size=${a.size}`);
    assert.deepEqual(bySize.json, { checkpoints: [a] });

    for (const seq of [1, Math.ceil(a.size / 2), a.size, b.size]) {
      const answer = await call(h.app, 'GET', `/v1/audit/proofs/inclusion?seq=${seq}&size=${b.size}`);
      assert.equal(answer.status, 200, answer.text);
      const body = answer.json as { leafIndex: number; eventHash: string; proof: string[] };
      const leaf = leafHash(fromHex(body.eventHash));
      assert.ok(verifyInclusion(body.leafIndex, b.size, leaf, body.proof.map(fromHex), fromHex(b.root)), `seq ${seq}`);
    }
    const consistency = await call(h.app, 'GET', `/v1/audit/proofs/consistency?from=${a.size}&to=${b.size}`);
    const proof = (consistency.json as { proof: string[] }).proof.map(fromHex);
    assert.ok(verifyConsistency(a.size, b.size, fromHex(a.root), fromHex(b.root), proof));
  });

  test('proofs outside the log are 400 audit_range', async () => {
    const beyond = await call(h.app, 'GET', '/v1/audit/proofs/inclusion?seq=1&size=99999999');
    assert.equal(beyond.status, 400);
    assert.equal((beyond.json as { error: { code: string } }).error.code, 'audit_range');
    const backwards = await call(h.app, 'GET', '/v1/audit/proofs/consistency?from=5&to=2');
    assert.equal((backwards.json as { error: { code: string } }).error.code, 'audit_range');
    const seqBeyond = await call(h.app, 'GET', '/v1/audit/proofs/inclusion?seq=9&size=3');
    assert.equal((seqBeyond.json as { error: { code: string } }).error.code, 'audit_range');
  });
});
