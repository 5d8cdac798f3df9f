/**
 * Personal identifiers at rest: a database holding a demo city, a linked passport and an objection filed by a
 * company's representative names nobody in its files. Every identifier is found by its keyed hash and read back
 * with the data key; without the keys the file holds neither, and with other keys nothing opens.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { createDemo } from '../../src/app/demo.ts';
import { generateKeyMaterial, keyringFrom } from '../../src/app/keyring.ts';
import { fileObjection } from '../../src/app/objections.ts';
import { linkPassport } from '../../src/app/passports.ts';
import { readDemoFiles } from '../../src/cli/files.ts';
import { parseSubjectId } from '../../src/core/identifiers.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { openTestContext, type TestContext } from '../support/app-context.ts';
import { testKeys } from '../support/keys.ts';

let t: TestContext;
const identifiers: string[] = [];
const passport = 'passport:CHN:E12345678';

before(async () => {
  t = await openTestContext({ catalogs: false });
  const demo = await createDemo(t.context, { people: 300, seed: 'identities', ...readDemoFiles() });
  assert.ok(demo.records > 100);
  const nowMs = Date.parse('2026-11-22T00:00:00Z');
  for await (const page of t.context.store.scanSubjects(500)) for (const s of page) identifiers.push(s.key);
  const person = identifiers.find((k) => parseSubjectId(k).ok && /^\d{17}[\dX]$/.test(k));
  assert.ok(person);
  const linked = await linkPassport(t.context, { subject: person, passport }, { nowMs, actor: 'admin' });
  assert.ok(linked.ok, JSON.stringify(linked));
  identifiers.push(passport);
  // An objection filed for a listed company by its legal representative: the filer is an identifier too.
  for await (const page of t.context.store.scanSubjectRecords(500)) {
    for (const { subject, records } of page) {
      if (subject.kind !== 'organisation') continue;
      const [relation] = await t.context.store.relationsOfOrganisation(subject.key);
      const record = records.at(-1);
      if (relation === undefined || record === undefined) continue;
      await fileObjection(
        t.context,
        { subject: subject.key, recordId: record.id, grounds: 'not ours', filedBy: relation.person },
        { nowMs: record.recordedAtMs + 1000, actor: 'staff-1' },
      );
    }
  }
  await t.context.store.close();
});

after(() => t.close());

function fileText(): string {
  return [t.path, `${t.path}-wal`]
    .filter((p) => existsSync(p))
    .map((p) => readFileSync(p).toString('latin1'))
    .join('');
}

test('the database file holds no identifier in clear, nor any passport number', () => {
  assert.ok(identifiers.length > 300, `${identifiers.length} identifiers`);
  const text = fileText();
  const found = identifiers.filter((key) => text.includes(key) || text.includes(key.split(':').at(-1) ?? key));
  assert.deepEqual(found, []);
  // What is there instead: each identifier's lookup token.
  assert.ok(text.includes(testKeys.lookup(identifiers[0] ?? '')));
});

test('with the keys, every identifier is found by its token and read back', async () => {
  const store = openSqliteStore(t.path, { keys: testKeys });
  try {
    for (const key of identifiers.slice(0, 50)) {
      if (key === passport) continue;
      assert.equal((await store.subject(key))?.key, key);
    }
    assert.deepEqual(await store.passportLinks(), [
      { passport, subject: (await store.subjectsOfPassports([passport])).get(passport) ?? assert.fail() },
    ]);
  } finally {
    await store.close();
  }
});

test('other keys are refused: they would find nobody and read nothing', () => {
  assert.throws(() => openSqliteStore(t.path, { keys: keyringFrom(generateKeyMaterial()) }), {
    code: 'keys_mismatch',
  });
});

test('an identity stored by a transaction that rolled back is stored again by the next one', async () => {
  const path = `${t.path}.rollback.db`;
  const subject = { key: '110101199003070011', scheme: 'resident_id', kind: 'person', region: '110101' } as const;
  const first = openSqliteStore(path, { create: true, keys: testKeys });
  await assert.rejects(
    first.transaction(async (tx) => {
      await tx.putSubjects([subject]);
      throw new Error('rolled back');
    }),
    /rolled back/,
  );
  await first.transaction((tx) => tx.putSubjects([subject]));
  await first.close();
  // A fresh store has no caches: the identity must be in the file.
  const second = openSqliteStore(path, { keys: testKeys });
  try {
    assert.deepEqual(await second.subject(subject.key), subject);
  } finally {
    await second.close();
  }
});
