/**
 * Use cases: submit a batch of records, retract one. Idempotent on (agency, agencyRef): a repeat with the same
 * content returns the original record; the same reference with other content is a conflict and changes nothing.
 * Every accepted record commits with its subject's new derived state and its audit event in one transaction, and
 * touches only the subjects it concerns.
 */
import { recordsPerAuditEventMax } from '../core/constants.ts';
import { deriveSubject } from '../core/derive.ts';
import { noticesFor } from '../core/notices.ts';
import { parseSubjectId, type SubjectId } from '../core/identifiers.ts';
import {
  agencyReference,
  sameRecordContent,
  validateRecordInput,
  type RecordDraft,
  type RecordFact,
  type RecordInput,
} from '../core/record.ts';
import type { Problem } from '../core/result.ts';
import type { AuditEventInput, StoreTransaction } from '../store/ports.ts';
import { appendAudit, recordDigest, recordsListing } from './audit-chain.ts';
import { notifySubjectsChanged, type AppContext } from './context.ts';
import { expiriesToldUntil } from './expiries.ts';

export type ItemResult =
  | { readonly status: 'accepted'; readonly recordId: number }
  | { readonly status: 'duplicate'; readonly recordId: number }
  | { readonly status: 'rejected'; readonly problem: Problem };

export interface BatchResult {
  readonly results: readonly ItemResult[];
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: number;
}

export interface SubmitOptions {
  readonly nowMs: number;
  /** The authenticated agency: items naming no agency get it; items naming another are refused. */
  readonly agency?: string;
}

/** Recomputes and stores the derived state of these subjects from all their records (as this transaction sees them). */
/**
 * Recomputes and stores the derived state of these subjects from all their records (as this transaction sees
 * them), and puts in the outbox, in the same transaction, a notice for every effect that changed: no effect
 * without its notice. `causes` names, per subject, the write's record (the one a grade change is told after).
 */
export async function rederive(
  context: AppContext,
  tx: StoreTransaction,
  subjects: readonly SubjectId[],
  causes: ReadonlyMap<string, RecordFact>,
  nowMs: number,
): Promise<number> {
  const keys = subjects.map((s) => s.key);
  const [records, before, disputed] = [
    await tx.recordsOf(keys),
    await tx.derivationsOf(keys),
    await tx.disputedRecordsOf(keys),
  ];
  const after = subjects.map((s) =>
    deriveSubject(context.catalogs, s.key, s.kind, records.get(s.key) ?? [], disputed.get(s.key)),
  );
  await tx.putDerivations(after, await expiriesToldUntil(tx, nowMs));
  const notices = after.flatMap((d) => {
    const cause = causes.get(d.subject);
    return cause === undefined
      ? []
      : noticesFor(context.catalogs, before.get(d.subject), d, records.get(d.subject) ?? [], cause, nowMs);
  });
  if (notices.length > 0) await tx.insertNotices(notices, nowMs);
  return notices.length;
}

/**
 * What the audit log keeps of accepted records: one `records.accepted` event per agency per transaction (or per
 * recordsPerAuditEventMax records of one), listing the records' ids and digests (audit-chain.ts recordsListing), so
 * that changing, removing or adding a record is evident (audit-verify.ts) without an event row per record: at a
 * city's hundred million records the row per record was the largest table of all (519 bytes a record). Records are
 * read by subject from their own table; the events name none.
 */
function acceptedEvents(stored: readonly RecordFact[], nowMs: number): AuditEventInput[] {
  const events: AuditEventInput[] = [];
  for (const [agency, records] of Map.groupBy(stored, (r) => r.agency)) {
    for (let i = 0; i < records.length; i += recordsPerAuditEventMax)
      events.push({
        atMs: nowMs,
        kind: 'records.accepted',
        actor: agency,
        payload: { ...recordsListing(records.slice(i, i + recordsPerAuditEventMax)) },
      });
  }
  return events;
}

function count(results: readonly ItemResult[]): BatchResult {
  let accepted = 0;
  let duplicates = 0;
  for (const r of results) {
    if (r.status === 'accepted') accepted++;
    else if (r.status === 'duplicate') duplicates++;
  }
  return { results, accepted, duplicates, rejected: results.length - accepted - duplicates };
}

export async function submitRecords(
  context: AppContext,
  inputs: readonly RecordInput[],
  options: SubmitOptions,
): Promise<BatchResult> {
  const results: (ItemResult | undefined)[] = new Array(inputs.length);
  const valid: { index: number; draft: RecordDraft; subject: SubjectId }[] = [];
  for (const [index, input] of inputs.entries()) {
    if (options.agency !== undefined && input.agency !== undefined && input.agency !== options.agency) {
      results[index] = {
        status: 'rejected',
        problem: {
          code: 'agency_mismatch',
          message: `records of agency ${String(input.agency)} cannot be submitted as ${options.agency}`,
          field: 'agency',
        },
      };
      continue;
    }
    const withAgency = options.agency === undefined ? input : { ...input, agency: options.agency };
    const checked = validateRecordInput(withAgency, context.catalogs, options.nowMs);
    if (!checked.ok) results[index] = { status: 'rejected', problem: checked.problem };
    else valid.push({ index, draft: checked.value.draft, subject: checked.value.subject });
  }

  // Records about a linked Chinese passport belong to the resident it is linked to.
  const passports = valid.filter((v) => v.subject.scheme === 'passport').map((v) => v.subject.key);
  if (passports.length > 0) {
    const owners = await context.store.subjectsOfPassports(passports);
    for (const item of valid) {
      const owner = owners.get(item.subject.key);
      const resident = owner === undefined ? undefined : parseSubjectId(owner);
      if (resident?.ok) {
        item.subject = resident.value;
        item.draft = { ...item.draft, subject: resident.value.key };
      }
    }
  }
  let changed: SubjectId[] = [];
  if (valid.length > 0) {
    await context.store.transaction(async (tx) => {
      const existing = new Map<string, RecordFact>();
      const byAgency = Map.groupBy(valid, (v) => v.draft.agency);
      for (const [agency, items] of byAgency) {
        const found = await tx.recordsByRef(
          agency,
          items.map((i) => i.draft.agencyRef),
        );
        for (const [ref, record] of found) existing.set(`${agency}\u0000${ref}`, record);
      }
      const pending = new Map<string, { draft: RecordDraft; index: number }>();
      const fresh: typeof valid = [];
      const repeatsOfPending: { index: number; key: string }[] = [];
      for (const item of valid) {
        const key = `${item.draft.agency}\u0000${item.draft.agencyRef}`;
        const storedEarlier = existing.get(key);
        const earlier = storedEarlier ?? pending.get(key)?.draft;
        if (earlier === undefined) {
          pending.set(key, { draft: item.draft, index: item.index });
          fresh.push(item);
        } else if (!sameRecordContent(earlier, item.draft)) {
          results[item.index] = {
            status: 'rejected',
            problem: {
              code: 'reference_conflict',
              message: `agency ${item.draft.agency} already used reference ${item.draft.agencyRef} for a different record`,
              field: 'agencyRef',
            },
          };
        } else if (storedEarlier !== undefined) {
          results[item.index] = { status: 'duplicate', recordId: storedEarlier.id };
        } else {
          repeatsOfPending.push({ index: item.index, key });
        }
      }
      if (fresh.length === 0) return;

      await tx.putSubjects(fresh.map((f) => f.subject));
      const stored = await tx.insertRecords(fresh.map((f) => ({ draft: f.draft, recordedAtMs: options.nowMs })));
      const idsByKey = new Map<string, number>();
      for (const [i, record] of stored.entries()) {
        const item = fresh[i];
        if (item === undefined) continue;
        results[item.index] = { status: 'accepted', recordId: record.id };
        idsByKey.set(`${record.agency}\u0000${record.agencyRef}`, record.id);
      }
      for (const { index, key } of repeatsOfPending)
        results[index] = { status: 'duplicate', recordId: idsByKey.get(key) ?? 0 };

      const subjects = [...new Map(fresh.map((f) => [f.subject.key, f.subject])).values()];
      // The last record of the batch about each subject is the cause a grade change is told after.
      await rederive(context, tx, subjects, new Map(stored.map((r) => [r.subject, r])), options.nowMs);
      changed = subjects;
      await appendAudit(tx, context.keys, acceptedEvents(stored, options.nowMs));
    });
  }
  await notifySubjectsChanged(context, changed);
  return count(results.map((r) => r ?? { status: 'rejected', problem: { code: 'internal', message: 'no result' } }));
}

export type RetractResult =
  | { readonly status: 'retracted'; readonly recordId: number; readonly retracts: number }
  | { readonly status: 'duplicate'; readonly recordId: number; readonly retracts: number }
  | { readonly status: 'rejected'; readonly problem: Problem };

/**
 * An agency withdraws one of its own records (a mistake, or an objection overturned). The retraction is a new
 * record with its own reference; the original stays in history, and the subject's state is recomputed without it.
 */
export async function retractRecord(
  context: AppContext,
  request: {
    readonly agency: string;
    readonly agencyRef: string;
    readonly retractsRef: string;
    readonly reason: string;
    /** The rule codes the caller may act on (a scoped token); absent or empty means all its agency reports. */
    readonly scope?: readonly string[];
  },
  options: { readonly nowMs: number },
): Promise<RetractResult> {
  if (request.reason.trim() === '')
    return { status: 'rejected', problem: { code: 'missing_field', message: 'reason is required', field: 'reason' } };
  const reference = agencyReference(request.agencyRef);
  if (!reference.ok) return { status: 'rejected', problem: reference.problem };
  let changed: SubjectId[] = [];
  const result = await context.store.transaction(async (tx): Promise<RetractResult> => {
    const found = await tx.recordsByRef(request.agency, [request.retractsRef, request.agencyRef]);
    const refuse = (code: string, message: string, field: string): RetractResult => ({
      status: 'rejected',
      problem: { code, message, field },
    });
    const original = found.get(request.retractsRef);
    if (original === undefined) {
      return refuse('record_not_found', `agency ${request.agency} has no record ${request.retractsRef}`, 'retractsRef');
    }
    if (request.scope !== undefined && request.scope.length > 0 && !request.scope.includes(original.code)) {
      return refuse(
        'outside_remit',
        `this token may act only on rules ${request.scope.join(', ')}, not ${original.code}`,
        'retractsRef',
      );
    }
    if (original.retracts !== undefined) {
      return refuse(
        'cannot_retract_retraction',
        `record ${request.retractsRef} is a retraction; a retraction is final`,
        'retractsRef',
      );
    }
    const earlier = found.get(request.agencyRef);
    if (earlier !== undefined) {
      if (earlier.retracts === original.id) return { status: 'duplicate', recordId: earlier.id, retracts: original.id };
      return refuse(
        'reference_conflict',
        `agency ${request.agency} already used reference ${request.agencyRef}`,
        'agencyRef',
      );
    }
    const history = (await tx.recordsOf([original.subject])).get(original.subject) ?? [];
    const previous = history.find((r) => r.retracts === original.id);
    if (previous !== undefined) {
      return refuse(
        'already_retracted',
        `record ${request.retractsRef} was already retracted by ${previous.agencyRef}`,
        'retractsRef',
      );
    }
    const { subject, stored } = await retractWithin(
      context,
      tx,
      original,
      request.agencyRef,
      request.reason.trim(),
      options.nowMs,
      request.agency,
    );
    changed = [subject];
    return { status: 'retracted', recordId: stored.id, retracts: original.id };
  });
  await notifySubjectsChanged(context, changed);
  return result;
}

/**
 * Inside a transaction: stores a retraction of `original` (same agency, its own reference), re-derives the
 * subject with notices, and audits it. Used by agencies retracting their mistakes and by overturned objections.
 */
export async function retractWithin(
  context: AppContext,
  tx: StoreTransaction,
  original: RecordFact,
  agencyRef: string,
  reason: string,
  nowMs: number,
  actor: string,
): Promise<{ subject: SubjectId; stored: RecordFact }> {
  const subject = (await tx.subjectsOf([original.subject])).get(original.subject);
  if (subject === undefined) throw new Error(`record ${original.id} names an unregistered subject`);
  const draft: RecordDraft = { ...pick(original), agencyRef, evidence: reason };
  const [stored] = await tx.insertRecords([{ draft, recordedAtMs: nowMs, retracts: original.id }]);
  if (stored === undefined) throw new Error('insert returned nothing');
  await rederive(context, tx, [subject], new Map([[subject.key, stored]]), nowMs);
  const event: AuditEventInput = {
    atMs: nowMs,
    kind: 'record.retracted',
    actor,
    subject: original.subject,
    payload: { recordId: stored.id, retracts: original.id, agencyRef, recordDigest: recordDigest(stored) },
  };
  await appendAudit(tx, context.keys, [event]);
  return { subject, stored };
}

function pick(record: RecordFact): RecordDraft {
  return {
    agency: record.agency,
    agencyRef: record.agencyRef,
    subject: record.subject,
    code: record.code,
    effectiveAtMs: record.effectiveAtMs,
    evidence: record.evidence,
  };
}
