/**
 * The audit log's hash chain: each event's hash covers its content and the previous event's hash, so changing,
 * removing or reordering any stored event breaks every hash after it. The same hashes are the leaves of the
 * Merkle tree whose signed checkpoints let outsiders check the log (audit-tree.ts).
 */
import { createHash, hash as hashOnce } from 'node:crypto';
import type { RecordFact } from '../core/record.ts';
import type { AuditEvent, AuditEventInput, StoredAuditEvent, StoreTransaction } from '../store/ports.ts';

export const genesisHash = '0'.repeat(64);

/**
 * An event's hash covers the previous hash and the event's fields, the payload as its JSON text. The store keeps
 * that text as written (SQLite TEXT; a PostgreSQL adapter must use json or text, never jsonb, which reorders
 * keys), and JSON.stringify(JSON.parse(text)) gives the same text back, so a verifier re-derives every hash from
 * what is stored. Cheaper than sorting keys, which mattered: the decision log hashes every decision.
 */
export function hashEvent(
  prevHash: string,
  seq: number,
  event: AuditEventInput | Omit<StoredAuditEvent, 'seq' | 'prevHash' | 'hash'>,
): string {
  // A stored event is hashed from its payload's text as stored: nothing parsed or written again, and a text changed
  // in any byte (even to the same JSON) no longer matches.
  const payload = 'payloadText' in event ? event.payloadText : JSON.stringify(event.payload);
  // One string and one crypto.hash call: the same bytes as hashing the fields and the payload in two updates, at
  // about 60% of the cost (no Hash object per event; the decision log hashes every decision).
  return hashOnce(
    'sha256',
    `${prevHash}\n${seq}\n${event.atMs}\n${event.kind}\n${event.actor}\n${event.subject ?? ''}\n${payload}`,
    'hex',
  );
}

/**
 * Chains new events after the current tail. Their `subject` is an identifier here; the chained event holds its
 * lookup token instead (the log is read by staff and outsiders, and its hashes cover what is stored).
 */
export function chainEvents(
  tail: { seq: number; hash: string } | undefined,
  events: readonly AuditEventInput[],
  protector: { lookup(text: string): string },
): AuditEvent[] {
  let seq = tail?.seq ?? 0;
  let prevHash = tail?.hash ?? genesisHash;
  const tokens = tokenCacheOf(protector);
  return events.map((input) => {
    const event =
      input.subject === undefined ? input : { ...input, subject: tokenOf(tokens, protector, input.subject) };
    seq += 1;
    const hash = hashEvent(prevHash, seq, event);
    const chained: AuditEvent = { ...event, seq, prevHash, hash };
    prevHash = hash;
    return chained;
  });
}

/**
 * Recent subjects' lookup tokens, per protector (the token depends on its key). A token is an HMAC, about a quarter of
 * chaining an event (bench/audit.ts), and the decision log names the same subjects again and again; the bound keeps memory flat
 * (the cache starts over when full, as the store's identity caches do).
 */
const tokenCaches = new WeakMap<object, Map<string, string>>();
const tokensCachedMax = 100_000;

function tokenCacheOf(protector: object): Map<string, string> {
  let cache = tokenCaches.get(protector);
  if (cache === undefined) {
    cache = new Map();
    tokenCaches.set(protector, cache);
  }
  return cache;
}

function tokenOf(cache: Map<string, string>, protector: { lookup(text: string): string }, subject: string): string {
  let token = cache.get(subject);
  if (token === undefined) {
    token = protector.lookup(subject);
    if (cache.size >= tokensCachedMax) cache.clear();
    cache.set(subject, token);
  }
  return token;
}

/** Chains events after the log's tail and appends them, in the caller's transaction: how every use case audits. */
export async function appendAudit(
  tx: StoreTransaction,
  protector: { lookup(text: string): string },
  events: readonly AuditEventInput[],
): Promise<void> {
  await tx.appendAuditEvents(chainEvents(await tx.auditTail(), events, protector));
}

/** The first event whose link or hash is wrong, if any. */
export function findChainBreak<Event extends AuditEvent | StoredAuditEvent>(
  previous: { seq: number; hash: string } | undefined,
  events: readonly Event[],
): Event | undefined {
  let seq = previous?.seq ?? 0;
  let prevHash = previous?.hash ?? genesisHash;
  for (const event of events) {
    if (event.seq !== seq + 1 || event.prevHash !== prevHash || hashEvent(prevHash, event.seq, event) !== event.hash)
      return event;
    seq = event.seq;
    prevHash = event.hash;
  }
  return undefined;
}

/**
 * A stored record's digest, carried by the audit event that stored it (`recordDigest`, or `repairRecordDigest` on
 * an approved repair), so changing a record after the fact no longer matches its event.
 */
export function recordDigest(record: RecordFact): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        record.id,
        record.agency,
        record.agencyRef,
        record.subject,
        record.code,
        record.effectiveAtMs,
        record.recordedAtMs,
        record.evidence,
        record.amount ?? null,
        record.caseRef ?? null,
        record.retracts ?? null,
        record.ends ?? null,
      ]),
    )
    .digest('hex');
}

/**
 * What a `records.accepted` event says of the records it lists: their ids, the first 8 bytes of each one's digest
 * (`recordTags`, base64url, 8 bytes a record in order) and the SHA-256 of all their whole digests one after the other
 * (`recordsDigest`, hex). The whole digests bind the records to the chain with SHA-256's full strength; the tags say
 * which record of up to recordsPerAuditEventMax differs. Listing each whole digest in hex cost 77 bytes a record, the
 * largest share of the log at a city's hundred million records; this costs about 21 (docs/performance.md, "Fewer
 * bytes a record"). Events stored before list `records: [[id, digest], ...]`; both are read (recordsListed).
 */
export interface RecordsListing {
  readonly recordIds: readonly number[];
  readonly recordTags: string;
  readonly recordsDigest: string;
}

export const recordTagBytes = 8;

export function recordsListing(records: readonly RecordFact[]): RecordsListing {
  const digests = records.map((r) => Buffer.from(recordDigest(r), 'hex'));
  return {
    recordIds: records.map((r) => r.id),
    recordTags: Buffer.concat(digests.map((d) => d.subarray(0, recordTagBytes))).toString('base64url'),
    recordsDigest: digestOfDigests(digests),
  };
}

/** `recordsDigest`: SHA-256 over the records' digests (32 bytes each), in the order listed. */
export function digestOfDigests(digests: readonly Buffer[]): string {
  return hashOnce('sha256', Buffer.concat(digests), 'hex');
}

/** A record as an event lists it: `digest` whole (hex), or only its `tag` (hex) when the event keeps a digest of all. */
export type ListedRecord = { readonly id: number } & ({ readonly digest: string } | { readonly tag: string });

/**
 * The records an event's payload lists, in order: a `records.accepted` of either form (RecordsListing, or the
 * earlier `[id, digest]` pairs), or none. Well-formed parts only: what a verifier cannot read it reports elsewhere.
 */
export function recordsListed(payload: Readonly<Record<string, unknown>>): ListedRecord[] {
  const { records, recordIds, recordTags } = payload;
  if (Array.isArray(records))
    return (records as unknown[]).flatMap((entry) =>
      Array.isArray(entry) && typeof entry[0] === 'number' && typeof entry[1] === 'string'
        ? [{ id: entry[0], digest: entry[1] }]
        : [],
    );
  if (!Array.isArray(recordIds) || typeof recordTags !== 'string') return [];
  const tags = Buffer.from(recordTags, 'base64url');
  return (recordIds as unknown[]).flatMap((id, i) =>
    typeof id === 'number'
      ? [{ id, tag: tags.subarray(i * recordTagBytes, (i + 1) * recordTagBytes).toString('hex') }]
      : [],
  );
}
