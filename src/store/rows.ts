/**
 * Rows to port types, for every SQL adapter: the adapters share column names, so a row read by either becomes the
 * same record, subject or notice. Columns that name a subject hold lookup tokens; `ids` turns them back into
 * identifiers (the adapter makes sure they are known to it first).
 */
import type { CatalogVersion } from '../core/catalog.ts';
import type { Derivation } from '../core/derive.ts';
import type { NoticeFacts } from '../core/notices.ts';
import type { IdentifierScheme, SubjectId, SubjectKind } from '../core/identifiers.ts';
import type { RecordFact } from '../core/record.ts';
import type { Relation, Role } from '../core/standing.ts';
import { derivationOfBody } from './derivation-body.ts';
import { noticeOfBody } from './notice-body.ts';
import type { Opener } from './identities.ts';
import type {
  AccountRecord,
  Agency,
  ListMember,
  AuditCheckpoint,
  AuditEvent,
  StoredAuditEvent,
  CatalogDraftRecord,
  DeliveryStatus,
  StoredNotice,
  NoticeDelivery,
  Objection,
  ObjectionStatus,
  Repair,
  RepairStatus,
  TokenRecord,
  TokenRole,
} from './ports.ts';

export type Row = Record<string, unknown>;

export const num = (value: unknown): number => Number(value);
export const str = (value: unknown): string => String(value);

/** The columns of a record, in the order recordFromValues reads them. */
export const recordColumns =
  'id, agency, agency_ref, subject, code, effective_at_ms, recorded_at_ms, evidence, amount, case_ref, retracts, ends';

/** A record from its columns as an array (recordColumns' order), its subject's identifier given. */
export function recordFromValues(values: readonly unknown[], subject: string): RecordFact {
  const [id, agency, agencyRef, , code, effectiveAtMs, recordedAtMs, evidence, amount, caseRef, retracts, ends] =
    values;
  return {
    id: num(id),
    agency: str(agency),
    agencyRef: str(agencyRef),
    subject,
    code: str(code),
    effectiveAtMs: num(effectiveAtMs),
    recordedAtMs: num(recordedAtMs),
    evidence: str(evidence),
    ...(amount === null ? {} : { amount: num(amount) }),
    ...(caseRef === null ? {} : { caseRef: str(caseRef) }),
    ...(retracts === null ? {} : { retracts: num(retracts) }),
    ...(ends === null || ends === undefined ? {} : { ends: num(ends) }),
  };
}

const recordColumnNames = recordColumns.split(', ');

export function recordFromRow(row: Row, ids: Opener): RecordFact {
  const values = recordColumnNames.map((column) => row[column] ?? null);
  return recordFromValues(values, ids.clear(str(row.subject)));
}

export function subjectFromRow(row: Row, ids: Opener): SubjectId {
  return {
    key: ids.clear(str(row.key)),
    scheme: str(row.scheme) as IdentifierScheme,
    kind: str(row.kind) as SubjectKind,
    ...(row.region === null ? {} : { region: str(row.region) }),
  };
}

export function relationFromRow(row: Row, ids: Opener): Relation {
  return {
    organisation: ids.clear(str(row.organisation)),
    person: ids.clear(str(row.person)),
    role: str(row.role) as Role,
    fromMs: num(row.from_ms),
    ...(row.until_ms === null ? {} : { untilMs: num(row.until_ms) }),
  };
}

export function deliveryFromRow(row: Row): NoticeDelivery {
  return {
    noticeId: num(row.notice_id),
    channel: str(row.channel),
    status: str(row.status) as DeliveryStatus,
    attempts: num(row.attempts),
    nextAttemptAtMs: num(row.next_attempt_at_ms),
    ...(row.last_error === null ? {} : { lastError: str(row.last_error) }),
    ...(row.delivered_at_ms === null ? {} : { deliveredAtMs: num(row.delivered_at_ms) }),
  };
}

export function accountFromRow(row: Row): AccountRecord {
  return {
    login: str(row.login),
    role: str(row.role) as TokenRole,
    name: str(row.name),
    scope: JSON.parse(str(row.scope)) as string[],
    passwordHash: str(row.password_hash),
    createdAtMs: num(row.created_at_ms),
    ...(row.disabled_at_ms === null ? {} : { disabledAtMs: num(row.disabled_at_ms) }),
  };
}

/** The decision fields objections and repair applications share. */
export function decisionOf(row: Row): { decidedAtMs?: number; decidedBy?: string; decisionReasons?: string } {
  return {
    ...(row.decided_at_ms === null ? {} : { decidedAtMs: num(row.decided_at_ms) }),
    ...(row.decided_by === null ? {} : { decidedBy: str(row.decided_by) }),
    ...(row.decision_reasons === null ? {} : { decisionReasons: str(row.decision_reasons) }),
  };
}

export function repairFromRow(row: Row, ids: Opener): Repair {
  return {
    id: num(row.id),
    subject: ids.clear(str(row.subject)),
    recordId: num(row.record_id),
    ...(row.list === null ? {} : { list: str(row.list) }),
    appliedAtMs: num(row.applied_at_ms),
    conditions: JSON.parse(str(row.conditions)) as string[],
    statement: str(row.statement),
    reviewDueAtMs: num(row.review_due_at_ms),
    status: str(row.status) as RepairStatus,
    ...decisionOf(row),
    ...(row.repair_record_id === null ? {} : { repairRecordId: num(row.repair_record_id) }),
  };
}

export function objectionFromRow(row: Row, ids: Opener): Objection {
  return {
    id: num(row.id),
    subject: ids.clear(str(row.subject)),
    recordId: num(row.record_id),
    filedAtMs: num(row.filed_at_ms),
    filedBy: ids.clear(str(row.filed_by)),
    grounds: str(row.grounds),
    windowClosesAtMs: num(row.window_closes_at_ms),
    reviewDueAtMs: num(row.review_due_at_ms),
    status: str(row.status) as ObjectionStatus,
    ...decisionOf(row),
    ...(row.retraction_record_id === null ? {} : { retractionRecordId: num(row.retraction_record_id) }),
  };
}

/** An audit event with its payload as stored (the text its hash covers). */
export function storedAuditFromRow(row: Row): StoredAuditEvent {
  return {
    seq: num(row.seq),
    atMs: num(row.at_ms),
    kind: str(row.kind),
    actor: str(row.actor),
    ...(row.subject === null ? {} : { subject: str(row.subject) }),
    payloadText: str(row.payload),
    prevHash: str(row.prev_hash),
    hash: str(row.hash),
  };
}

export function parsedAuditEvent({ payloadText, ...event }: StoredAuditEvent): AuditEvent {
  return { ...event, payload: JSON.parse(payloadText) as Record<string, unknown> };
}

export function auditFromRow(row: Row): AuditEvent {
  return parsedAuditEvent(storedAuditFromRow(row));
}

export { noticeBody, type NoticeRecord } from './notice-body.ts';

/**
 * A notice row: its facts from the body (store/notice-body.ts) and the row's columns (the subject, which is
 * protected, the kind, whether it is adverse, the record). Notices stored before notices were rendered on read
 * also hold their words; renderNotice gives the same words again.
 */
export function noticeFromRow(row: Row, ids: Opener): StoredNotice {
  return {
    ...noticeOfBody(
      str(row.body),
      row.record_code === undefined || row.record_code === null
        ? undefined
        : {
            code: str(row.record_code),
            evidence: str(row.record_evidence),
            effectiveAtMs: num(row.record_effective_at_ms),
          },
    ),
    kind: str(row.kind) as NoticeFacts['kind'],
    adverse: row.adverse === true || row.adverse === 1 || row.adverse === 1n,
    recordId: num(row.record_id),
    subject: ids.clear(str(row.subject)),
    id: num(row.id),
    createdAtMs: num(row.created_at_ms),
  };
}

/** A derivation row: likewise, its body holds no identifier (store/derivation-body.ts). */
export function derivationFromRow(row: Row, ids: Opener): Derivation {
  return derivationOfBody(str(row.body), ids.clear(str(row.subject)), str(row.kind) as SubjectKind);
}

/**
 * A derivation row whose subject is opened only when first read: a scan that reads few of its subjects (the index
 * load keeps about one in eight, the expiry run tells a few) opens only those. For an opener that reads
 * synchronously (the SQLite adapter's).
 */
export function derivationOpenedWhenRead(row: Row, ids: Opener): Derivation {
  const token = str(row.subject);
  const derivation = derivationOfBody(str(row.body), '', str(row.kind) as SubjectKind);
  let subject: string | undefined;
  return Object.defineProperty(derivation, 'subject', { enumerable: true, get: () => (subject ??= ids.clear(token)) });
}

export function catalogVersionFromRow(row: Row): CatalogVersion {
  return {
    schemeId: str(row.scheme_id),
    version: num(row.version),
    publishedAtMs: num(row.published_at_ms),
    effectiveFromMs: num(row.effective_from_ms),
    catalog: JSON.parse(str(row.body)) as CatalogVersion['catalog'],
  };
}

export function agencyFromRow(row: Row): Agency {
  return { id: str(row.id), kind: str(row.kind), name: { 'zh-CN': str(row.name_zh), en: str(row.name_en) } };
}

export function tokenFromRow(row: Row): TokenRecord {
  return {
    id: str(row.id),
    role: str(row.role) as TokenRole,
    name: str(row.name),
    scope: JSON.parse(str(row.scope)) as string[],
    secretHash: str(row.secret_hash),
    createdAtMs: num(row.created_at_ms),
    ...(row.revoked_at_ms === null ? {} : { revokedAtMs: num(row.revoked_at_ms) }),
    ...(row.expires_at_ms === null || row.expires_at_ms === undefined ? {} : { expiresAtMs: num(row.expires_at_ms) }),
  };
}

export function catalogDraftFromRow(row: Row): CatalogDraftRecord {
  return {
    schemeId: str(row.scheme_id),
    body: JSON.parse(str(row.body)) as unknown,
    updatedAtMs: num(row.updated_at_ms),
    updatedBy: str(row.updated_by),
  };
}

export function checkpointFromRow(row: Row): AuditCheckpoint {
  return {
    size: num(row.size),
    root: str(row.root),
    atMs: num(row.at_ms),
    keyId: str(row.key_id),
    signature: str(row.signature),
  };
}

export function listMemberFromRow(row: Row, ids: Opener): ListMember {
  return {
    subject: ids.clear(str(row.subject)),
    list: str(row.list),
    version: num(row.version),
    startMs: num(row.start_ms),
    endMs: num(row.end_ms),
    recordId: num(row.record_id),
    code: str(row.code),
  };
}
