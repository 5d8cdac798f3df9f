/** Notices' facts are stored by position: each reads back as it was written, and older object bodies still read. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { NoticeDraft, NoticeFacts } from '../../src/core/notices.ts';
import { noticeBody, noticeOfBody } from '../../src/store/notice-body.ts';

const told = JSON.parse(
  readFileSync(new URL('../vectors/notices-as-told.json', import.meta.url), 'utf8'),
) as NoticeDraft[];

function storedOf(n: NoticeFacts) {
  const { subject, kind, adverse, recordId, ...stored } = n;
  return stored;
}

const facts: NoticeFacts[] = told.map(({ rule, legalBasis, measures, text, ...f }) => f);
const variants: NoticeFacts[] = [
  ...facts,
  // An expired grade's rule cited under an older version; a notice with no end and no deadline.
  { ...(facts[0] as NoticeFacts), ruleVersion: 1, version: 2 },
  (({ untilMs, objectionDeadlineMs, ...rest }) => rest)(facts[0] as NoticeFacts),
];

test('every stored notice reads back as its facts, in fewer bytes than as an object', () => {
  let [tuples, objects] = [0, 0];
  for (const n of variants) {
    const body = noticeBody(n);
    assert.deepEqual(noticeOfBody(body), storedOf(n));
    tuples += body.length;
    objects += JSON.stringify(storedOf(n)).length;
  }
  assert.ok(tuples < objects * 0.8, `${tuples} bytes as tuples, ${objects} as objects`);
});

test('a body beside its record leaves out what the record holds and reads back whole with it', () => {
  for (const n of variants) {
    const own = { code: n.code, evidence: n.evidence, effectiveAtMs: n.effectiveAtMs };
    const body = noticeBody(n, own);
    assert.deepEqual(noticeOfBody(body, own), storedOf(n));
    assert.ok(body.length < noticeBody(n).length - n.code.length - n.evidence.length, body);
    assert.throws(() => noticeOfBody(body), /layout 2 read without its record's code/);
    // A notice that tells another instant or record than its record's own keeps its own facts.
    const other = { code: 'other.code', evidence: 'other/doc/1', effectiveAtMs: n.effectiveAtMs + 1 };
    const apart = noticeBody(n, other);
    assert.deepEqual(noticeOfBody(apart, other), storedOf(n));
    assert.deepEqual(noticeOfBody(apart), storedOf(n));
  }
});

test('reads a body stored as an object (before tuples, with its words too) as it was', () => {
  const [first] = told;
  assert.ok(first);
  const { subject, kind, adverse, recordId, ...old } = first;
  assert.deepEqual(noticeOfBody(JSON.stringify(old)), old);
});

test('refuses a body of a layout it does not know, rather than misread it', () => {
  assert.throws(() => noticeOfBody('[3,"s",1]'), /layout 3 is not known/);
});
