/**
 * Merkle tree hashing as defined by RFC 6962 (Certificate Transparency) and RFC 9162: leaf and node hashes with
 * domain-separating prefixes, tree heads, inclusion and consistency proofs, and their verification, for the
 * audit log's signed checkpoints to come (docs/architecture.md). The tree itself lives elsewhere: every function
 * that needs stored hashes takes a NodeReader, which returns complete, aligned subtrees only, so a log can answer
 * from storage without holding the tree in memory, and a proof costs O(log n) reads. MemoryTree and Frontier are
 * the two in-memory shapes: the whole tree (for tests and one-pass builds), and the right edge of a growing tree
 * (for the tree head of a log as it appends).
 *
 * Hashes are Buffers and are shared, not copied: callers must not write into a hash they did not create.
 * Sizes and indexes are plain numbers, exact up to Number.MAX_SAFE_INTEGER; the arithmetic below avoids 32-bit
 * bitwise operators for that reason.
 */
import { createHash, hash as hashOnce } from 'node:crypto';

/** A SHA-256 digest, 32 bytes. */
export type Hash = Buffer;

/** The hash of the complete, aligned subtree of 2^level leaves starting at leaf index*2^level. Supplied by the
 * caller (from storage or memory). */
export type NodeReader = (level: number, index: number) => Hash;

export const hashBytes = 32;
/** The prefix and the two children of an interior node, written in place: hashing is synchronous. */
const nodeInput = Buffer.alloc(1 + 2 * hashBytes);
nodeInput[0] = 0x01;

/** SHA-256(0x00 || data): the hash of one log entry. */
export function leafHash(data: Uint8Array): Hash {
  const input = Buffer.allocUnsafe(1 + data.length);
  input[0] = 0x00;
  input.set(data, 1);
  return sha256(input);
}

/** SHA-256(0x01 || left || right): the hash of an interior node. */
export function nodeHash(left: Hash, right: Hash): Hash {
  if (!isHash(left) || !isHash(right)) throw new RangeError(`nodeHash takes two ${hashBytes}-byte hashes`);
  nodeInput.set(left, 1);
  nodeInput.set(right, 1 + hashBytes);
  return sha256(nodeInput);
}

/**
 * One crypto.hash call, its digest taken as hex and decoded into a Buffer: measured at about half the cost of a
 * Buffer digest (createHash().digest() or crypto.hash(..., 'buffer') allocate a Buffer of their own, while
 * Buffer.from takes its bytes from the shared pool). A tree hashes about once per leaf, so this is most of the
 * cost of building or checking one.
 */
function sha256(input: Uint8Array): Hash {
  return Buffer.from(hashOnce('sha256', input, 'hex'), 'hex');
}

/** MTH({}), the tree head of the empty tree: SHA-256 of the empty string. */
export const emptyRoot: Hash = createHash('sha256').digest();

/** Whether a value is usable as a hash: 32 bytes. Verification checks every input with it. */
export function isHash(value: unknown): value is Hash {
  return value instanceof Uint8Array && value.length === hashBytes;
}

/** MTH(D[start:end]), for start aligned to the largest power of two <= end-start, built from complete subtrees
 * only: at most one node read per set bit of end-start. */
export function subtreeRoot(start: number, end: number, node: NodeReader): Hash {
  requireCount(start, 'start');
  requireCount(end, 'end');
  if (start >= end) throw new RangeError(`subtree [${start}, ${end}) is empty`);
  if (start % largestPowerOfTwoAtMost(end - start) !== 0) {
    throw new RangeError(`subtree [${start}, ${end}) is not aligned: its start must be a multiple of its largest part`);
  }
  return joinSubtrees(completeSubtrees(start, end).map(({ level, index }) => readNode(node, level, index)));
}

/**
 * MTH of consecutive complete subtrees given by their roots, largest (leftmost) first, as a frontier holds them:
 * the tree joins them from the right. Empty parts give the empty tree's head.
 */
export function joinSubtrees(parts: readonly Hash[]): Hash {
  if (parts.length === 0) return emptyRoot;
  let joined = parts[parts.length - 1] as Hash;
  for (let i = parts.length - 2; i >= 0; i -= 1) joined = nodeHash(parts[i] as Hash, joined);
  return joined;
}

/** MTH(D[0:size]), the tree head of the first `size` leaves. */
export function rootOf(size: number, node: NodeReader): Hash {
  requireCount(size, 'size');
  return size === 0 ? emptyRoot : subtreeRoot(0, size, node);
}

/**
 * RFC 6962 PATH(index, D[0:size]): the sibling hashes from the leaf up to the root, the leaf's sibling first.
 * Walks down from the root, keeping [start, end) aligned, so every sibling is either a complete subtree (one
 * read) or the one ragged right edge (one read per set bit): at most about 2*log2(size) reads.
 */
export function inclusionProof(index: number, size: number, node: NodeReader): Hash[] {
  requireCount(index, 'index');
  requireCount(size, 'size');
  if (size === 0) throw new RangeError('no inclusion proof exists in the empty tree');
  if (index >= size) throw new RangeError(`leaf index ${index} is not in a tree of size ${size}`);
  const path: Hash[] = [];
  let start = 0;
  let end = size;
  while (end - start > 1) {
    const split = start + largestPowerOfTwoBelow(end - start);
    if (index < split) {
      path.push(subtreeRoot(split, end, node));
      end = split;
    } else {
      path.push(subtreeRoot(start, split, node));
      start = split;
    }
  }
  return path.reverse();
}

/**
 * RFC 6962 PROOF(size1, D[0:size2]): the hashes that show the tree of size1 is a prefix of the tree of size2,
 * the deepest first. Defined for 0 < size1 <= size2; equal sizes give the empty proof. Reads as inclusionProof.
 */
export function consistencyProof(size1: number, size2: number, node: NodeReader): Hash[] {
  requireCount(size1, 'size1');
  requireCount(size2, 'size2');
  if (size1 === 0) throw new RangeError('no consistency proof exists from the empty tree: size1 must be at least 1');
  if (size1 > size2) throw new RangeError(`size1 ${size1} is larger than size2 ${size2}: a log never shrinks`);
  const proof: Hash[] = [];
  let start = 0;
  let end = size2;
  // Whether the current subtree's hash is one the verifier already holds: true until the walk first goes right.
  let known = true;
  while (size1 < end) {
    const split = start + largestPowerOfTwoBelow(end - start);
    if (size1 <= split) {
      proof.push(subtreeRoot(split, end, node));
      end = split;
    } else {
      proof.push(subtreeRoot(start, split, node));
      start = split;
      known = false;
    }
  }
  if (!known) proof.push(subtreeRoot(start, end, node));
  return proof.reverse();
}

/**
 * RFC 9162 section 2.1.3.2: whether `proof` shows that `leaf` is leaf `index` of the tree of `size` leaves with
 * tree head `root`. Returns false, never throws, for anything malformed.
 */
export function verifyInclusion(index: number, size: number, leaf: Hash, proof: readonly Hash[], root: Hash): boolean {
  if (!isCount(index) || !isCount(size) || index >= size) return false;
  if (!isHash(leaf) || !isHash(root) || !isHashList(proof)) return false;
  let fn = index;
  let sn = size - 1;
  let r: Hash = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && sameHash(r, root);
}

/**
 * RFC 9162 section 2.1.4.2: whether `proof` shows that the tree of size1 with head root1 is a prefix of the tree
 * of size2 with head root2. The RFC covers 0 < size1 < size2; equal sizes need the empty proof and equal heads;
 * size1 0 is always false (a proof from the empty tree proves nothing, and callers should not ask for one).
 * Returns false, never throws, for anything malformed.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  root1: Hash,
  root2: Hash,
  proof: readonly Hash[],
): boolean {
  if (!isCount(size1) || !isCount(size2) || size1 === 0 || size1 > size2) return false;
  if (!isHash(root1) || !isHash(root2) || !isHashList(proof)) return false;
  if (size1 === size2) return proof.length === 0 && sameHash(root1, root2);
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0] as Hash;
  let sr = fr;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && sameHash(fr, root1) && sameHash(sr, root2);
}

/**
 * An in-memory tree over leaf hashes: keeps every level so node(level, index) is O(1). For tests and for
 * building/verifying a log in one pass. Memory is about twice the leaves' hashes.
 */
export class MemoryTree {
  /** #levels[l][i] is the hash of the complete subtree of 2^l leaves starting at leaf i*2^l. */
  readonly #levels: Hash[][] = [[]];

  append(leaf: Hash): void {
    if (!isHash(leaf)) throw new RangeError(`a leaf hash has ${hashBytes} bytes`);
    let hash = leaf;
    for (let level = 0; ; level += 1) {
      let row = this.#levels[level];
      if (row === undefined) {
        row = [];
        this.#levels.push(row);
      }
      row.push(hash);
      if (row.length % 2 === 1) return;
      hash = nodeHash(row[row.length - 2] as Hash, hash);
    }
  }

  get size(): number {
    return (this.#levels[0] as Hash[]).length;
  }

  readonly node: NodeReader = (level, index) => {
    const hash = this.#levels[level]?.[index];
    if (hash === undefined) {
      throw new RangeError(`no complete subtree at level ${level}, index ${index} in a tree of size ${this.size}`);
    }
    return hash;
  };

  /** The tree head at `size` (default: the current size), which may be any earlier size. */
  root(size: number = this.size): Hash {
    requireCount(size, 'size');
    if (size > this.size) throw new RangeError(`size ${size} is beyond the tree's ${this.size} leaves`);
    return rootOf(size, this.node);
  }
}

/** The JSON form of a Frontier: the size and the frontier's hashes in lowercase hex, largest subtree first. */
export interface FrontierJson {
  size: number;
  hashes: string[];
}

/**
 * The right frontier (compact range) of a growing tree: the roots of the complete subtrees that make up its
 * leaves, one per set bit of the size, largest (leftmost) first. O(log n) hashes; append is O(1) amortised (it
 * merges equal subtrees like a binary counter carries); root() gives the tree head at the current size. A log
 * persists it with toJSON and restores it with fromJSON, or rebuilds it from stored nodes with fromTree.
 */
export class Frontier {
  #size = 0;
  #hashes: Hash[] = [];

  /** Reads the frontier of the first `size` leaves from stored nodes: one read per set bit of `size`. */
  static fromTree(size: number, node: NodeReader): Frontier {
    requireCount(size, 'size');
    const frontier = new Frontier();
    frontier.#size = size;
    frontier.#hashes =
      size === 0 ? [] : completeSubtrees(0, size).map(({ level, index }) => readNode(node, level, index));
    return frontier;
  }

  /** Restores a frontier saved with toJSON; throws on anything that is not one. */
  static fromJSON(json: unknown): Frontier {
    if (typeof json !== 'object' || json === null) throw new TypeError('a frontier is an object');
    const { size, hashes } = json as Record<string, unknown>;
    if (!isCount(size)) throw new TypeError('a frontier size is a non-negative safe integer');
    if (!Array.isArray(hashes) || !hashes.every((h) => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h))) {
      throw new TypeError('frontier hashes are 64-character lowercase hex strings');
    }
    const expected = completeSubtrees(0, size).length;
    if (hashes.length !== expected) {
      throw new RangeError(`a frontier of size ${size} has ${expected} hashes, not ${hashes.length}`);
    }
    const frontier = new Frontier();
    frontier.#size = size;
    frontier.#hashes = hashes.map((h: string) => Buffer.from(h, 'hex'));
    return frontier;
  }

  get size(): number {
    return this.#size;
  }

  /** The frontier's hashes, largest subtree first (a copy of the list; the hashes themselves are shared). */
  get hashes(): Hash[] {
    return [...this.#hashes];
  }

  append(leaf: Hash): void {
    if (!isHash(leaf)) throw new RangeError(`a leaf hash has ${hashBytes} bytes`);
    if (this.#size >= Number.MAX_SAFE_INTEGER) throw new RangeError('the tree is full');
    // Each set low bit of the size is a complete subtree of that height waiting for a right sibling.
    let hash = leaf;
    for (let rest = this.#size; isOdd(rest); rest = half(rest)) hash = nodeHash(this.#hashes.pop() as Hash, hash);
    this.#hashes.push(hash);
    this.#size += 1;
  }

  /** The tree head at the current size: equals rootOf(size, ...) for the same leaves. */
  root(): Hash {
    return joinSubtrees(this.#hashes);
  }

  toJSON(): FrontierJson {
    return { size: this.#size, hashes: this.#hashes.map((h) => h.toString('hex')) };
  }
}

/** The complete, aligned subtrees that make up [start, end), largest first (start aligned as subtreeRoot says). */
function completeSubtrees(start: number, end: number): { level: number; index: number }[] {
  const parts: { level: number; index: number }[] = [];
  let at = start;
  let width = largestPowerOfTwoAtMost(end - start);
  for (let level = Math.log2(width); level >= 0; level -= 1, width /= 2) {
    if (end - at >= width) {
      parts.push({ level, index: at / width });
      at += width;
    }
  }
  return parts;
}

function readNode(node: NodeReader, level: number, index: number): Hash {
  const hash = node(level, index);
  if (!isHash(hash))
    throw new TypeError(`the node reader gave no ${hashBytes}-byte hash at level ${level}, index ${index}`);
  return hash;
}

function isHashList(proof: unknown): proof is readonly Hash[] {
  return Array.isArray(proof) && proof.every(isHash);
}

function sameHash(a: Hash, b: Hash): boolean {
  return Buffer.compare(a, b) === 0;
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function requireCount(value: number, name: string): void {
  if (!isCount(value)) throw new RangeError(`${name} must be a non-negative safe integer, not ${value}`);
}

function isOdd(n: number): boolean {
  return n % 2 === 1;
}

function half(n: number): number {
  return Math.floor(n / 2);
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && largestPowerOfTwoAtMost(n) === n;
}

/** For n >= 1. */
function largestPowerOfTwoAtMost(n: number): number {
  let power = 1;
  while (power * 2 <= n) power *= 2;
  return power;
}

/** The k of RFC 6962: the largest power of two smaller than n, for n >= 2. */
function largestPowerOfTwoBelow(n: number): number {
  return largestPowerOfTwoAtMost(n - 1);
}
