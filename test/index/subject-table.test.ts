/**
 * The decision index's subject table against a Map, the model it must agree with, under a seeded workload of puts,
 * replacements, removals and lookups: resident IDs and USCCs (which the table packs), passports, lower-case and
 * other keys (which it keeps in a Map), keys that differ in one character only, through growth and through long
 * runs of removals that move entries back into the holes they leave.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { residentIdCheckCharacter, usccCheckCharacter } from '../../src/core/identifiers.ts';
import { SubjectTable } from '../../src/index/subject-table.ts';

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const usccCharset = '0123456789ABCDEFGHJKLMNPQRTUWXY';

function residentId(n: number): string {
  const first17 = `110105${19700101 + (n % 28)}${String(n % 1000).padStart(3, '0')}`.slice(0, 17);
  return `${first17}${residentIdCheckCharacter(first17)}`;
}

function uscc(n: number): string {
  let code = '';
  for (let rest = n, i = 0; i < 9; i++, rest = Math.floor(rest / usccCharset.length))
    code = usccCharset.charAt(rest % usccCharset.length) + code;
  const first17 = `91110108${code}`;
  return `${first17}${usccCheckCharacter(first17)}`;
}

/** A pool of keys of every sort the table meets, some of them near-duplicates of others. */
function keyPool(random: () => number, count: number): string[] {
  const keys = new Set<string>();
  while (keys.size < count) {
    const n = Math.floor(random() * 1_000_000);
    const sort = random();
    if (sort < 0.5) keys.add(residentId(n));
    else if (sort < 0.75) keys.add(uscc(n));
    else if (sort < 0.85) keys.add(`passport:DEU:C${String(n).padStart(8, '0')}`);
    else if (sort < 0.9) keys.add(`${residentId(n).slice(0, 17)}x`);
    else if (sort < 0.95) keys.add(`${residentId(n).slice(0, 17)}${'0123456789X'.charAt(n % 11)}`);
    else keys.add(uscc(n).toLowerCase());
  }
  // Eighteen characters that do not pack: a letter outside the charset, a full-width digit, a space.
  keys.add('91110108I51385082Q');
  keys.add('11010519491231002１');
  keys.add('11010519491231002 ');
  return [...keys];
}

function assertSame(table: SubjectTable<number>, model: Map<string, number>, keys: readonly string[]): void {
  assert.equal(table.size, model.size);
  for (const key of keys) {
    assert.equal(table.get(key), model.get(key), key);
    assert.equal(table.has(key), model.has(key), key);
  }
  assert.deepEqual(
    [...table.values()].sort((a, b) => a - b),
    [...model.values()].sort((a, b) => a - b),
  );
}

describe('subject table', () => {
  test('an empty table holds nothing', () => {
    const table = new SubjectTable<number>();
    assert.equal(table.size, 0);
    assert.equal(table.get(residentId(1)), undefined);
    assert.equal(table.get(''), undefined);
    assert.equal(table.delete(residentId(1)), false);
    assert.deepEqual([...table.values()], []);
  });

  test('keys that differ in one character, also in the check character, are different keys', () => {
    const table = new SubjectTable<number>();
    const base = residentId(42);
    const variants = [...'0123456789X'].map((check) => `${base.slice(0, 17)}${check}`);
    variants.forEach((key, i) => table.set(key, i));
    // A lower-case x does not pack, and is another key still.
    table.set(`${base.slice(0, 17)}x`, 99);
    assert.equal(table.size, variants.length + 1);
    assert.equal(table.get(`${base.slice(0, 17)}x`), 99);
    variants.forEach((key, i) => assert.equal(table.get(key), i));
    assert.equal(table.get(`${base.slice(0, 16)}Y${base.charAt(17)}`), undefined);
  });

  test('a put replaces the value; a removal of an absent key changes nothing', () => {
    const table = new SubjectTable<string>();
    table.set(uscc(7), 'a');
    table.set(uscc(7), 'b');
    table.set('passport:FRA:12345', 'c');
    table.set('passport:FRA:12345', 'd');
    assert.equal(table.size, 2);
    assert.equal(table.get(uscc(7)), 'b');
    assert.equal(table.get('passport:FRA:12345'), 'd');
    assert.equal(table.delete(uscc(8)), false);
    assert.equal(table.delete('passport:FRA:54321'), false);
    assert.equal(table.size, 2);
    assert.equal(table.delete(uscc(7)), true);
    assert.equal(table.delete(uscc(7)), false);
    assert.equal(table.size, 1);
  });

  for (const { name, seed, poolSize, steps, removeShare } of [
    { name: 'mostly puts, through growth', seed: 0x5eed_0101, poolSize: 30_000, steps: 60_000, removeShare: 0.2 },
    { name: 'as many removals as puts', seed: 0x5eed_0102, poolSize: 5_000, steps: 80_000, removeShare: 0.5 },
    { name: 'a small table churned', seed: 0x5eed_0103, poolSize: 700, steps: 40_000, removeShare: 0.45 },
  ]) {
    test(`agrees with a Map under a seeded workload: ${name}`, () => {
      const random = mulberry32(seed);
      const keys = keyPool(random, poolSize);
      const table = new SubjectTable<number>();
      const model = new Map<string, number>();
      for (let step = 0; step < steps; step++) {
        const key = keys[Math.floor(random() * keys.length)] ?? '';
        if (random() < removeShare) {
          assert.equal(table.delete(key), model.delete(key), `step ${step}: delete ${key}`);
        } else {
          table.set(key, step);
          model.set(key, step);
        }
        if (step % 10_000 === 0) assertSame(table, model, keys);
      }
      assertSame(table, model, keys);
      // Emptied, it is empty.
      for (const key of keys) table.delete(key);
      assert.equal(table.size, 0);
      assert.deepEqual([...table.values()], []);
      for (const key of keys) assert.equal(table.get(key), undefined, key);
    });
  }
});
