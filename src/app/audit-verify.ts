/**
 * `credence audit verify`: recomputes the audit log from what is stored and checks it against itself, the records
 * and the signed checkpoints, in one pass over the events:
 * - each event's hash from its content and its predecessor's hash (the chain);
 * - each stored tile root from the events it covers;
 * - each checkpoint's root at its size, and its Ed25519 signature against the public key given;
 * - each record against the digest in the event that stored it, and no event naming a record that is gone.
 * It reports the problems in log order, the first one first, and how much it checked.
 */
import type { RecordFact } from '../core/record.ts';
import type { Store } from '../store/ports.ts';
import { digestOfDigests, findChainBreak, recordDigest, recordsListed } from './audit-chain.ts';
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
  const recordsChecked = new RecordCheck(store, problem);
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
    const page = await store.storedAuditEvents(tail?.seq ?? 0, pageSize);
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
      if (mayListRecords(event.payloadText)) recordsChecked.listedBy(JSON.parse(event.payloadText), event.seq);
      checkCheckpointsAt(events);
    }
    await recordsChecked.readThrough(recordsChecked.maxListed);
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

  await recordsChecked.readThrough(Number.MAX_SAFE_INTEGER);
  recordsChecked.unlistedAreProblems();
  const records = recordsChecked.records;

  return { ok: problems.length === 0, events, tiles: tiles.length, checkpoints: checkpoints.length, records, problems };
}

/**
 * Whether a payload may name records (RecordCheck.listedBy's keys): only those are parsed, the rest are hashed as
 * stored and nothing more (a decision log's millions of events name none).
 */
function mayListRecords(payloadText: string): boolean {
  return payloadText.includes('"record') || payloadText.includes('"repairRecord');
}

/**
 * Every record against the digest an event listed for it, reading the log and the records table side by side in
 * id order, so that memory holds only what one has seen and the other not yet (a city's hundred million digests
 * would not fit). A transaction stores its records and the events listing them together and record ids grow with
 * transactions, so after a page of events the records up to the highest id listed are read and compared; a record
 * read before its event (an event later in the same transaction, on the next page) waits for it, and one no event
 * ever lists is reported at the end. An event that lists tags and a digest of all its records' digests
 * (audit-chain.ts recordsListing) is checked record by record on the tags, then whole on that digest once each of
 * its records has been read.
 */
class RecordCheck {
  readonly #store: Store;
  readonly #problem: (p: AuditProblem) => void;
  /** Listed by an event, not read yet. */
  readonly #expected = new Map<number, Expected>();
  /** Read, not listed by any event yet. */
  readonly #unlisted = new Map<number, RecordFact>();
  #readThrough = 0;
  maxListed = 0;
  records = 0;

  constructor(store: Store, problem: (p: AuditProblem) => void) {
    this.#store = store;
    this.#problem = problem;
  }

  /** The records an event lists: records.accepted's (audit-chain.ts recordsListed), a retraction's or a repair's. */
  listedBy(payload: Readonly<Record<string, unknown>>, seq: number): void {
    if (typeof payload.recordDigest === 'string' && typeof payload.recordId === 'number')
      this.#listed(payload.recordId, { seq, digest: payload.recordDigest });
    if (typeof payload.repairRecordDigest === 'string' && typeof payload.repairRecordId === 'number')
      this.#listed(payload.repairRecordId, { seq, digest: payload.repairRecordDigest });
    const listed = recordsListed(payload);
    const whole =
      typeof payload.recordsDigest === 'string'
        ? new WholeListing(seq, payload.recordsDigest, listed.length)
        : undefined;
    listed.forEach((entry, index) =>
      this.#listed(entry.id, 'digest' in entry ? { seq, digest: entry.digest } : { seq, tag: entry.tag, whole, index }),
    );
  }

  #listed(id: number, expected: Expected): void {
    if (id > this.maxListed) this.maxListed = id;
    if (id > this.#readThrough) {
      this.#expected.set(id, expected);
      return;
    }
    const record = this.#unlisted.get(id);
    if (record === undefined) this.#missing(id, expected);
    else {
      this.#unlisted.delete(id);
      this.#compare(record, expected);
    }
  }

  /** Reads the records with ids up to `throughId` and compares each with its listed digest, if listed yet. */
  async readThrough(throughId: number): Promise<void> {
    if (throughId <= this.#readThrough) return;
    const pageSize = 2_000;
    for (let after = this.#readThrough; ;) {
      const page = await this.#store.recordsInIdRange(after, throughId, pageSize);
      for (const record of page) {
        this.records++;
        const expected = this.#expected.get(record.id);
        if (expected === undefined) this.#unlisted.set(record.id, record);
        else {
          this.#expected.delete(record.id);
          this.#compare(record, expected);
        }
      }
      if (page.length < pageSize) break;
      after = page.at(-1)?.id ?? throughId;
    }
    this.#readThrough = throughId;
    // Listed, within what was read, and not there: removed.
    for (const [id, expected] of this.#expected) {
      if (id <= throughId) {
        this.#expected.delete(id);
        this.#missing(id, expected);
      }
    }
  }

  /** At the end: a record no event listed. */
  unlistedAreProblems(): void {
    for (const id of [...this.#unlisted.keys()].sort((a, b) => a - b))
      this.#problem({ kind: 'record', id, message: `record ${id} has no audit event` });
  }

  #compare(record: RecordFact, expected: Expected): void {
    const digest = recordDigest(record);
    const same = 'digest' in expected ? digest === expected.digest : digest.startsWith(expected.tag);
    if (!same)
      this.#problem({
        kind: 'record',
        id: record.id,
        message: `record ${record.id} differs from what event ${expected.seq} recorded`,
      });
    if ('whole' in expected) this.#settled(expected, same ? digest : undefined);
  }

  #missing(id: number, expected: Expected): void {
    this.#problem({ kind: 'record', id, message: `record ${id}, stored by event ${expected.seq}, is missing` });
    if ('whole' in expected) this.#settled(expected, undefined);
  }

  /** One record of a whole listing read (its digest) or found wanting (undefined, already reported). */
  #settled({ whole, index }: TaggedExpectation, digest: string | undefined): void {
    if (whole === undefined) return;
    const problem = whole.settle(index, digest);
    if (problem !== undefined) this.#problem(problem);
  }
}

type TaggedExpectation = {
  readonly seq: number;
  readonly tag: string;
  readonly whole?: WholeListing;
  readonly index: number;
};
/** What an event listed for a record: its whole digest, or its tag within a whole listing. */
type Expected = { readonly seq: number; readonly digest: string } | TaggedExpectation;

/**
 * An event's `recordsDigest` against its records' digests, once each has been read: a record changed so that its tag
 * still matches (8 bytes: within reach of a determined forger) no longer matches the digest of all of them.
 */
class WholeListing {
  readonly #seq: number;
  readonly #recorded: string;
  readonly #digests: (Buffer | undefined)[];
  #waiting: number;
  #wanting = false;

  constructor(seq: number, recorded: string, size: number) {
    this.#seq = seq;
    this.#recorded = recorded;
    this.#digests = new Array<Buffer | undefined>(size);
    this.#waiting = size;
  }

  settle(index: number, digest: string | undefined): AuditProblem | undefined {
    if (digest === undefined) this.#wanting = true;
    else this.#digests[index] = Buffer.from(digest, 'hex');
    this.#waiting--;
    // A listing with a record already reported differs anyway: the first problem is the one to read.
    if (this.#waiting > 0 || this.#wanting) return undefined;
    if (digestOfDigests(this.#digests as Buffer[]) === this.#recorded) return undefined;
    return {
      kind: 'event',
      id: this.#seq,
      message: `the records event ${this.#seq} lists differ from its digest of them`,
    };
  }
}
