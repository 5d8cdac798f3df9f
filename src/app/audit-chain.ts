/**
 * The audit log's hash chain: each event's hash covers its content and the previous event's hash, so changing,
 * removing or reordering any stored event breaks every hash after it. (Signed Merkle checkpoints over the same
 * events come with the trust work; see docs/architecture.md.)
 */
import { createHash } from 'node:crypto';
import type { AuditEvent, AuditEventInput } from '../store/ports.ts';

export const genesisHash = '0'.repeat(64);

/** JSON with object keys sorted, so the same event always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function hashEvent(prevHash: string, seq: number, event: AuditEventInput): string {
  const body = canonicalJson({
    seq,
    atMs: event.atMs,
    kind: event.kind,
    actor: event.actor,
    subject: event.subject,
    payload: event.payload,
  });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

/** Chains new events after the current tail. */
export function chainEvents(
  tail: { seq: number; hash: string } | undefined,
  events: readonly AuditEventInput[],
): AuditEvent[] {
  let seq = tail?.seq ?? 0;
  let prevHash = tail?.hash ?? genesisHash;
  return events.map((event) => {
    seq += 1;
    const hash = hashEvent(prevHash, seq, event);
    const chained: AuditEvent = { ...event, seq, prevHash, hash };
    prevHash = hash;
    return chained;
  });
}

/** The first event whose link or hash is wrong, if any. */
export function findChainBreak(
  previous: { seq: number; hash: string } | undefined,
  events: readonly AuditEvent[],
): AuditEvent | undefined {
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
