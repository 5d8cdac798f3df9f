/**
 * A map from subject keys to values, for the decision index at a city's or a country's size. Nearly every key is a
 * resident ID or a USCC: 18 characters of the USCC charset (which holds the ten digits and X). Such a key is packed
 * into three 32-bit words, 5 bits a character, and kept in an open-addressing table of typed arrays, probed
 * linearly. A lookup reads a cache line of the table (two at times) and no key string; a Map of a million strings
 * reads a bucket, an entry and the string of each key that shares the bucket, each likely a miss in the cache once
 * the Map outgrows it. Any other key (a passport) goes to a Map.
 *
 * Most subjects asked about are not held. A bitmap in front of the table (a Bloom filter: each key held sets two
 * bits, both in one 32-bit word, so a test reads one word) answers most of those from a megabyte that stays in the
 * cache (and in the TLB) at a city's size, where the table's own tens of megabytes cost a miss on every probe; two
 * set bits (a key held, or about one in 16 others) send the lookup on to the table.
 *
 * A removal moves the entries after it back into the hole (no tombstones), so a table that sees many puts and
 * removals stays as short to probe as a new one. It leaves the key's bit set (another key may share it): the bitmap
 * is built again from the keys when the table grows or when many keys have been removed.
 */
import { assert } from '../core/result.ts';

const keyLength = 18;
const charsPerWord = 6;
const usccCharset = '0123456789ABCDEFGHJKLMNPQRTUWXY';
/** Each character code's 5-bit value in the charset, or -1; a code past the end (128 and up) reads undefined. */
const charValues = Int8Array.from({ length: 128 }, (_, code) => usccCharset.indexOf(String.fromCharCode(code)));
/** Set in a stored first word (30 bits of characters): a slot whose first word is 0 is empty. */
const occupied = 1 << 30;
const capacityMin = 1 << 10;
/** A JavaScript array holds about 2^27 elements at most: the table's slots, at two-thirds full ~89M subjects. */
const capacityMax = 1 << 27;
/** The table doubles before it is more than two-thirds full, which keeps probes to a slot or two. */
const loadMax = 2 / 3;
/**
 * The bitmap has 2^2 bits per slot: with the table half full, a key not held finds both its bits set about 1 time
 * in 16. Measured at 1.1M keys (bench/decide.ts, with one bit a key), 4 bits a slot (1 MiB) beat 2 (more keys sent
 * on to the table) and 8 or 16 (the bitmap more often out of the cache); two bits a key then beat one.
 */
const filterBitsPerSlotLog = 2;

/** Characters [from, from + 6) of an 18-character key, 5 bits each; -1 for another length or a character outside
 * the charset: a key that does not pack. */
function packedWord(key: string, from: number): number {
  if (key.length !== keyLength) return -1;
  let word = 0;
  for (let i = from; i < from + charsPerWord; i++) {
    const value = charValues[key.charCodeAt(i)] ?? -1;
    if (value < 0) return -1;
    word = (word << 5) | value;
  }
  return word;
}

/** A multiplicative mix of a key's three stored words: its low bits are where its probe starts. */
function hashOf(w0: number, w1: number, w2: number): number {
  let h = Math.imul(w0, 0x9e3779b1) ^ Math.imul(w1, 0x85ebca77) ^ Math.imul(w2, 0xc2b2ae3d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h;
}

/** A key's two bits in its bitmap word, from the low bits of its mixed hash (the word is chosen by the top bits). */
function filterBits(mixed: number): number {
  return (1 << (mixed & 31)) | (1 << ((mixed >>> 5) & 31));
}

export class SubjectTable<V> {
  #mask = capacityMin - 1;
  /** Three words a slot, side by side, so that a probe reads one cache line, or two when a slot straddles them. */
  #keys = new Int32Array(3 * capacityMin);
  /** A slot's value; undefined in an empty slot. */
  #values: (V | undefined)[] = new Array<V | undefined>(capacityMin).fill(undefined);
  #packed = 0;
  /** 4 bits per slot, two set per key held; a key one of whose bits is clear is not in the table. */
  #filter = new Int32Array(0);
  /** A key's word is the top bits of its mixed hash: 32 less the log of the number of words. */
  #filterShift = 32;
  /** Keys removed since the bitmap was built, whose bits may still be set. */
  #removedSinceFilter = 0;
  readonly #others = new Map<string, V>();

  constructor() {
    this.#buildFilter();
  }

  get size(): number {
    return this.#packed + this.#others.size;
  }

  get(key: string): V | undefined {
    const w0 = packedWord(key, 0);
    const w1 = packedWord(key, 6);
    const w2 = packedWord(key, 12);
    if (w0 < 0 || w1 < 0 || w2 < 0) return this.#others.get(key);
    const hash = hashOf(w0 | occupied, w1, w2);
    if (!this.#mayHold(hash)) return undefined;
    const slot = this.#slotOf(w0 | occupied, w1, w2, hash);
    return this.#keys[3 * slot] === 0 ? undefined : this.#values[slot];
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  set(key: string, value: V): void {
    const w0 = packedWord(key, 0);
    const w1 = packedWord(key, 6);
    const w2 = packedWord(key, 12);
    if (w0 < 0 || w1 < 0 || w2 < 0) {
      this.#others.set(key, value);
      return;
    }
    const hash = hashOf(w0 | occupied, w1, w2);
    let slot = this.#slotOf(w0 | occupied, w1, w2, hash);
    if (this.#keys[3 * slot] === 0) {
      if (this.#packed + 1 > (this.#mask + 1) * loadMax) {
        this.#grow();
        slot = this.#slotOf(w0 | occupied, w1, w2, hash);
      }
      this.#keys[3 * slot] = w0 | occupied;
      this.#keys[3 * slot + 1] = w1;
      this.#keys[3 * slot + 2] = w2;
      this.#mark(hash);
      this.#packed++;
    }
    this.#values[slot] = value;
  }

  delete(key: string): boolean {
    const w0 = packedWord(key, 0);
    const w1 = packedWord(key, 6);
    const w2 = packedWord(key, 12);
    if (w0 < 0 || w1 < 0 || w2 < 0) return this.#others.delete(key);
    const slot = this.#slotOf(w0 | occupied, w1, w2, hashOf(w0 | occupied, w1, w2));
    if (this.#keys[3 * slot] === 0) return false;
    this.#removeAt(slot);
    this.#packed--;
    // The bitmap is built again once as many keys have gone as remain (so stale bits are at most as many as live
    // ones), but not before an eighth of the slots have: a rebuild reads every slot.
    if (++this.#removedSinceFilter > Math.max(this.#packed, (this.#mask + 1) / 8)) this.#buildFilter();
    return true;
  }

  *values(): IterableIterator<V> {
    for (let slot = 0; slot <= this.#mask; slot++) {
      const value = this.#values[slot];
      if (this.#keys[3 * slot] !== 0 && value !== undefined) yield value;
    }
    yield* this.#others.values();
  }

  /** Whether the bitmap lets the table hold the key of this hash (if not, it does not hold it). */
  #mayHold(hash: number): boolean {
    const mixed = Math.imul(hash, 0x9e3779b1);
    const bits = filterBits(mixed);
    return ((this.#filter[mixed >>> this.#filterShift] ?? 0) & bits) === bits;
  }

  #mark(hash: number): void {
    const mixed = Math.imul(hash, 0x9e3779b1);
    const word = mixed >>> this.#filterShift;
    this.#filter[word] = (this.#filter[word] ?? 0) | filterBits(mixed);
  }

  /** A new bitmap, sized for the table, with the bits of the keys it holds. */
  #buildFilter(): void {
    const words = ((this.#mask + 1) * 2 ** filterBitsPerSlotLog) / 32;
    this.#filter = new Int32Array(words);
    this.#filterShift = 32 - Math.log2(words);
    this.#removedSinceFilter = 0;
    const keys = this.#keys;
    for (let slot = 0; slot <= this.#mask; slot++) {
      const s0 = keys[3 * slot] ?? 0;
      if (s0 !== 0) this.#mark(hashOf(s0, keys[3 * slot + 1] ?? 0, keys[3 * slot + 2] ?? 0));
    }
  }

  /** The slot that holds these stored words (whose hash is given), or the empty slot where they would go. */
  #slotOf(s0: number, w1: number, w2: number, hash: number): number {
    const keys = this.#keys;
    const mask = this.#mask;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const k0 = keys[3 * slot];
      if (k0 === 0 || (k0 === s0 && keys[3 * slot + 1] === w1 && keys[3 * slot + 2] === w2)) return slot;
    }
  }

  /**
   * Empties a slot. The entries after it, up to the next empty slot, may have probed past it: each one whose probe
   * starts at or before the hole moves back into it, leaving its own slot as the next hole.
   */
  #removeAt(slot: number): void {
    const keys = this.#keys;
    const mask = this.#mask;
    let hole = slot;
    for (let next = (hole + 1) & mask; keys[3 * next] !== 0; next = (next + 1) & mask) {
      const home = hashOf(keys[3 * next] ?? 0, keys[3 * next + 1] ?? 0, keys[3 * next + 2] ?? 0) & mask;
      // How far the entry is from its home, against how far it is from the hole, both going forward.
      if (((next - home) & mask) < ((next - hole) & mask)) continue;
      keys.copyWithin(3 * hole, 3 * next, 3 * next + 3);
      this.#values[hole] = this.#values[next];
      hole = next;
    }
    keys.fill(0, 3 * hole, 3 * hole + 3);
    this.#values[hole] = undefined;
  }

  #grow(): void {
    const capacity = 2 * (this.#mask + 1);
    assert(capacity <= capacityMax, `the subject table is full at ${this.#packed} subjects`);
    const keys = this.#keys;
    const values = this.#values;
    this.#mask = capacity - 1;
    this.#keys = new Int32Array(3 * capacity);
    this.#values = new Array<V | undefined>(capacity).fill(undefined);
    for (let from = 0; 3 * from < keys.length; from++) {
      const s0 = keys[3 * from] ?? 0;
      if (s0 === 0) continue;
      const w1 = keys[3 * from + 1] ?? 0;
      const w2 = keys[3 * from + 2] ?? 0;
      const slot = this.#slotOf(s0, w1, w2, hashOf(s0, w1, w2));
      this.#keys.set(keys.subarray(3 * from, 3 * from + 3), 3 * slot);
      this.#values[slot] = values[from];
    }
    this.#buildFilter();
  }
}
