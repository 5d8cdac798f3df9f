/**
 * An open-addressing hash table in typed arrays for bench/decide.ts's second reference: keys of three 32-bit words
 * (city-subjects.ts packKey) mapped to a small value (1..255; 0 marks an empty slot), linear probing, a power-of-two
 * capacity at most two-thirds full. No objects per entry: the memory is the two arrays, and a lookup touches one
 * or two cache lines.
 */

export interface PackedKeyTable {
  readonly mask: number;
  /** Three words per slot, interleaved so that a probe reads one cache line. */
  readonly keys: Uint32Array;
  readonly values: Uint8Array;
  readonly size: number;
}

/** Where a key's probe sequence starts: a multiplicative mix of its three words. */
export function slotOf(w0: number, w1: number, w2: number, mask: number): number {
  let h = Math.imul(w0, 0x9e3779b1) ^ Math.imul(w1, 0x85ebca77) ^ Math.imul(w2, 0xc2b2ae3d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h & mask;
}

/** A table for `entries` keys, given as packed words (3 per key) and their values (1..255). */
export function buildPackedKeyTable(words: Uint32Array, values: Uint8Array): PackedKeyTable {
  const entries = values.length;
  let capacity = 1;
  while (capacity < entries * 1.5) capacity *= 2;
  const mask = capacity - 1;
  const keys = new Uint32Array(capacity * 3);
  const slots = new Uint8Array(capacity);
  for (let e = 0; e < entries; e++) {
    const w0 = words[3 * e] ?? 0;
    const w1 = words[3 * e + 1] ?? 0;
    const w2 = words[3 * e + 2] ?? 0;
    const value = values[e] ?? 0;
    if (value === 0) throw new Error('a packed-key table value must be 1..255');
    let slot = slotOf(w0, w1, w2, mask);
    for (;;) {
      if (slots[slot] === 0) {
        keys[3 * slot] = w0;
        keys[3 * slot + 1] = w1;
        keys[3 * slot + 2] = w2;
        slots[slot] = value;
        break;
      }
      if (keys[3 * slot] === w0 && keys[3 * slot + 1] === w1 && keys[3 * slot + 2] === w2)
        throw new Error('a key was put twice in the packed-key table');
      slot = (slot + 1) & mask;
    }
  }
  return { mask, keys, values: slots, size: entries };
}

/** The key's value, or 0 when it is absent. */
export function lookupPacked(table: PackedKeyTable, w0: number, w1: number, w2: number): number {
  const { keys, values, mask } = table;
  let slot = slotOf(w0, w1, w2, mask);
  for (;;) {
    const value = values[slot] ?? 0;
    if (value === 0) return 0;
    if (keys[3 * slot] === w0 && keys[3 * slot + 1] === w1 && keys[3 * slot + 2] === w2) return value;
    slot = (slot + 1) & mask;
  }
}

export function tableBytes(table: PackedKeyTable): number {
  return table.keys.byteLength + table.values.byteLength;
}
