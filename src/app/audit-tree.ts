/**
 * The audit log as an RFC 6962 Merkle tree. Leaf i is the hash of event i + 1 (the chain hash, which covers the
 * event's content and its predecessor), hashed as an RFC 6962 leaf. The roots of complete runs of 256 events
 * (tiles) are stored, so a root or a proof costs O(log n) hashes plus at most a few tiles' worth of event hashes
 * read from the store. Tiles are derived data: they are brought up to date before each checkpoint or proof, never
 * on the write path, and `credence audit verify` recomputes them.
 *
 * A checkpoint is the tree's size and root signed with the service's Ed25519 key; an outsider holding the public
 * key checks an event's inclusion proof against it, and a consistency proof between two checkpoints shows the
 * later tree extends the earlier one (nothing was rewritten).
 */
import { isoFromMs } from '../core/time.ts';
import type { AuditCheckpoint, Store } from '../store/ports.ts';
import type { Keyring } from './keyring.ts';
import {
  consistencyProof,
  inclusionProof,
  leafHash,
  MemoryTree,
  rootOf,
  emptyRoot,
  type Hash,
  type NodeReader,
} from './merkle.ts';

export const tileLevel = 8;
export const tileSize = 2 ** tileLevel;

export function eventLeaf(eventHashHex: string): Hash {
  return leafHash(Buffer.from(eventHashHex, 'hex'));
}

/** The text a checkpoint's signature covers. */
export function checkpointText(checkpoint: Omit<AuditCheckpoint, 'signature'>): string {
  return [
    'credence audit checkpoint v1',
    `size ${checkpoint.size}`,
    `root ${Buffer.from(checkpoint.root, 'hex').toString('base64')}`,
    `at ${isoFromMs(checkpoint.atMs)}`,
    `key ${checkpoint.keyId}`,
    '',
  ].join('\n');
}

class TileNeeded extends Error {
  readonly tile: number;
  constructor(tile: number) {
    super(`tile ${tile} not loaded`);
    this.tile = tile;
  }
}

export class AuditTreeRangeError extends Error {
  readonly code = 'audit_range';
}

export class AuditTree {
  readonly #store: Store;
  /** A tree whose leaves are the tile roots: its level l is the audit tree's level l + 8. */
  #tiles = new MemoryTree();
  #loaded = false;
  #syncing: Promise<number> | undefined;

  constructor(store: Store) {
    this.#store = store;
  }

  /** Brings the stored tiles up to the log's current size; returns that size. */
  sync(): Promise<number> {
    this.#syncing ??= this.#sync().finally(() => (this.#syncing = undefined));
    return this.#syncing;
  }

  async #sync(): Promise<number> {
    if (!this.#loaded) {
      for (const hash of await this.#store.auditTiles(0)) this.#tiles.append(Buffer.from(hash));
      this.#loaded = true;
    }
    const size = await this.#store.auditSize();
    const complete = Math.floor(size / tileSize);
    const fresh: Hash[] = [];
    for (let tile = this.#tiles.size; tile < complete; tile++) {
      const root = (await this.#tileTree(tile)).root();
      fresh.push(root);
    }
    if (fresh.length > 0) {
      const from = this.#tiles.size;
      await this.#store.transaction((tx) => tx.putAuditTiles(from, fresh));
      for (const hash of fresh) this.#tiles.append(hash);
    }
    return size;
  }

  async #tileTree(tile: number): Promise<MemoryTree> {
    const tree = new MemoryTree();
    for (const hash of await this.#store.auditHashes(tile * tileSize, tileSize)) tree.append(eventLeaf(hash));
    return tree;
  }

  /** Runs a proof computation, loading the tiles whose inner nodes it asks for (a few at most). */
  async #withNodes<T>(size: number, compute: (node: NodeReader) => T): Promise<T> {
    const current = await this.sync();
    if (size > current) throw new AuditTreeRangeError(`the log has ${current} events, not ${size}`);
    const loaded = new Map<number, MemoryTree>();
    const node: NodeReader = (level, index) => {
      if (level >= tileLevel) return this.#tiles.node(level - tileLevel, index);
      const tile = Math.floor((index * 2 ** level) / tileSize);
      const tree = loaded.get(tile);
      if (tree === undefined) throw new TileNeeded(tile);
      return tree.node(level, index - tile * 2 ** (tileLevel - level));
    };
    for (;;) {
      try {
        return compute(node);
      } catch (error) {
        if (!(error instanceof TileNeeded)) throw error;
        loaded.set(error.tile, await this.#tileTree(error.tile));
      }
    }
  }

  async root(size: number): Promise<Hash> {
    if (size === 0) return emptyRoot;
    return this.#withNodes(size, (node) => rootOf(size, node));
  }

  /** The audit path of event `seq` (1-based) in the tree of the first `size` events. */
  async inclusionProof(seq: number, size: number): Promise<Hash[]> {
    if (seq < 1 || seq > size) throw new AuditTreeRangeError(`event ${seq} is not in a tree of ${size} events`);
    return this.#withNodes(size, (node) => inclusionProof(seq - 1, size, node));
  }

  async consistencyProof(fromSize: number, toSize: number): Promise<Hash[]> {
    if (fromSize < 1 || fromSize > toSize)
      throw new AuditTreeRangeError(`no consistency proof from ${fromSize} to ${toSize} events`);
    return this.#withNodes(toSize, (node) => consistencyProof(fromSize, toSize, node));
  }

  /** Signs and stores a checkpoint of the whole log now, unless the latest one already covers it. */
  async checkpoint(keys: Keyring, atMs: number): Promise<AuditCheckpoint> {
    const size = await this.sync();
    const [latest] = await this.#store.auditCheckpoints({ limit: 1 });
    if (latest !== undefined && latest.size === size) return latest;
    const unsigned = { size, root: (await this.root(size)).toString('hex'), atMs, keyId: keys.keyId };
    const checkpoint: AuditCheckpoint = { ...unsigned, signature: keys.sign(checkpointText(unsigned)) };
    await this.#store.transaction((tx) => tx.putAuditCheckpoint(checkpoint));
    return checkpoint;
  }
}
