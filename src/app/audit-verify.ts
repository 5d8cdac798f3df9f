/**
 * `credence audit verify`: recomputes the audit log from what is stored and checks it against itself, the records
 * and the signed checkpoints, in one pass over the events:
 * - each event's hash from its content and its predecessor's hash (the chain);
 * - each stored tile root from the events it covers;
 * - each checkpoint's root at its size, and its Ed25519 signature against the public key given;
 * - each record against the digest in the event that stored it, and no event naming a record that is gone.
 * It reports the problems in log order, the first one first, and how much it checked.
 */
import type { Store } from '../store/ports.ts';
import { findChainBreak, recordDigest } from './audit-chain.ts';
import { checkpointText, eventLeaf, tileSize } from './audit-tree.ts';
import { publicKeyIdOf, verifySignature } from './keyring.ts';
import { Frontier, joinSubtrees } from './merkle.ts';

export type AuditProblemKind = 'event' | 'tile' | 'checkpoint' | 'record';

export interface AuditProblem {
  readonly kind: AuditProblemKind;
  /** The event's sequence number, the tile's index, the checkpoint's size or the record's id. */
  readonly id: number;
  readonly message: string;
}

export interface AuditVerifyReport {
  readonly ok: boolean;
  readonly events: number;
  readonly tiles: number;
  readonly checkpoints: number;
  readonly records: number;
  /** The first problems found (at most `problemsMax`), in the order found. */
  readonly problems: readonly AuditProblem[];
}

export interface AuditVerifyOptions {
  /** The signing key's public half (PEM); checkpoints signed by another key are problems. */
  readonly publicKeyPem: string;
  readonly pageSize?: number;
  readonly problemsMax?: number;
  readonly onProgress?: (events: number) => void;
}

export async function verifyAudit(store: Store, options: AuditVerifyOptions): Promise<AuditVerifyReport> {
  const pageSize = options.pageSize ?? 10_000;
  const problemsMax = options.problemsMax ?? 20;
  const problems: AuditProblem[] = [];
  const problem = (p: AuditProblem) => {
    if (problems.length < problemsMax) problems.push(p);
  };
  const keyId = publicKeyIdOf(options.publicKeyPem);
  const tiles = await store.auditTiles(0);
  const checkpoints = (await store.auditCheckpoints({ limit: Number.MAX_SAFE_INTEGER })).sort(
    (a, b) => a.size - b.size,
  );
  let nextCheckpoint = 0;
  // The tree's right edge in two parts: the complete tiles (a frontier whose leaves are tile roots) and the events
  // of the tile being filled. Each node is hashed once, and a full tile's frontier holds just its root.
  const tiled = new Frontier();
  let tile = new Frontier();
  const digests = new Map<number, { digest: string; seq: number }>();
  let tail: { seq: number; hash: string } | undefined;
  let events = 0;

  const checkCheckpointsAt = (size: number) => {
    for (let c = checkpoints[nextCheckpoint]; c !== undefined && c.size === size; c = checkpoints[nextCheckpoint]) {
      nextCheckpoint++;
      const root = joinSubtrees([...tiled.hashes, ...tile.hashes]).toString('hex');
      if (c.root !== root)
        problem({
          kind: 'checkpoint',
          id: c.size,
          message: `checkpoint of size ${c.size}: root ${c.root} is not the log's root ${root}`,
        });
      else if (c.keyId !== keyId || !verifySignature(options.publicKeyPem, checkpointText(c), c.signature))
        problem({
          kind: 'checkpoint',
          id: c.size,
          message: `checkpoint of size ${c.size}: the signature does not verify with key ${keyId}`,
        });
    }
  };

  checkCheckpointsAt(0);
  for (;;) {
    const page = await store.auditEvents(tail?.seq ?? 0, pageSize);
    if (page.length === 0) break;
    const broken = findChainBreak(tail, page);
    if (broken !== undefined) {
      problem({
        kind: 'event',
        id: broken.seq,
        message: `event ${broken.seq} (${broken.kind}) does not match its hash or does not follow event ${broken.seq - 1}`,
      });
      // What follows a broken link cannot be trusted, and every later root would differ: stop here.
      break;
    }
    for (const event of page) {
      tile.append(eventLeaf(event.hash));
      events++;
      if (tile.size === tileSize) {
        const index = events / tileSize - 1;
        const root = tile.root();
        const stored = tiles[index];
        if (stored !== undefined && !Buffer.from(stored).equals(root))
          problem({
            kind: 'tile',
            id: index,
            message: `tile ${index} (events ${index * tileSize + 1}-${events}) does not match its events`,
          });
        tiled.append(root);
        tile = new Frontier();
      }
      collectDigest(event.payload, event.seq, digests);
      checkCheckpointsAt(events);
    }
    tail = page.at(-1);
    options.onProgress?.(events);
  }
  const completeTiles = Math.floor(events / tileSize);
  if (problems.length === 0 && tiles.length > completeTiles)
    problem({
      kind: 'tile',
      id: completeTiles,
      message: `tile ${completeTiles} is stored but the log has only ${events} events`,
    });
  for (const c of checkpoints.slice(nextCheckpoint)) {
    if (problems.length > 0) break;
    problem({
      kind: 'checkpoint',
      id: c.size,
      message: `checkpoint of size ${c.size} is beyond the log's ${events} events: events were removed`,
    });
  }

  let records = 0;
  for await (const page of store.scanSubjectRecords(1000)) {
    for (const { records: list } of page) {
      for (const record of list) {
        records++;
        const expected = digests.get(record.id);
        if (expected === undefined)
          problem({ kind: 'record', id: record.id, message: `record ${record.id} has no audit event` });
        else if (expected.digest !== recordDigest(record))
          problem({
            kind: 'record',
            id: record.id,
            message: `record ${record.id} differs from what event ${expected.seq} recorded`,
          });
        digests.delete(record.id);
      }
    }
  }
  for (const [id, { seq }] of digests)
    problem({ kind: 'record', id, message: `record ${id}, stored by event ${seq}, is missing` });

  return { ok: problems.length === 0, events, tiles: tiles.length, checkpoints: checkpoints.length, records, problems };
}

function collectDigest(
  payload: Readonly<Record<string, unknown>>,
  seq: number,
  into: Map<number, { digest: string; seq: number }>,
) {
  if (typeof payload.recordDigest === 'string' && typeof payload.recordId === 'number')
    into.set(payload.recordId, { digest: payload.recordDigest, seq });
  // records.accepted (records.ts): [id, digest] for every record a transaction accepted from one agency.
  if (Array.isArray(payload.records)) {
    for (const entry of payload.records as unknown[]) {
      if (Array.isArray(entry) && typeof entry[0] === 'number' && typeof entry[1] === 'string')
        into.set(entry[0], { digest: entry[1], seq });
    }
  }
  if (typeof payload.repairRecordDigest === 'string' && typeof payload.repairRecordId === 'number')
    into.set(payload.repairRecordId, { digest: payload.repairRecordDigest, seq });
}
