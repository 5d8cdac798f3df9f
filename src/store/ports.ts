/**
 * The store port: what the use cases need from a system of record, and nothing more. Adapters (sqlite/, later
 * postgres/) implement it; the store contract suite (test/support/store-contract.ts) holds every adapter to it.
 *
 * Subjects cross the port as identifiers (subject keys); at rest an adapter keeps only their keyed hashes, and
 * each identifier sealed once (store/identities.ts), so a copy of the database names nobody.
 *
 * Writes happen inside `transaction`: everything written in one call commits together or not at all. Reads that
 * decide a write (idempotency, a subject's records) are made through the transaction so they see what it sees.
 * Methods take and return batches where a use case works in batches, so that an import is a few large statements,
 * not a round trip per row.
 */
import type { CatalogVersion } from '../core/catalog.ts';
import type { Derivation } from '../core/derive.ts';
import type { NoticeFacts, NoticeWords } from '../core/notices.ts';
import type { SubjectId, SubjectKind } from '../core/identifiers.ts';
import type { RecordDraft, RecordFact } from '../core/record.ts';
import type { Relation } from '../core/standing.ts';

/**
 * What a store needs to keep personal identifiers from anyone who reads its files: a keyed hash to find rows by
 * an identifier, and authenticated encryption to read the identifier back (app/keyring.ts implements it).
 */
export interface IdentifierProtector {
  lookup(text: string): string;
  seal(text: string): string;
  open(sealed: string): string;
}

export interface Agency {
  readonly id: string;
  readonly kind: string;
  readonly name: { readonly 'zh-CN': string; readonly en: string };
}

export interface AuditEventInput {
  readonly atMs: number;
  /** e.g. `records.accepted`, `catalog.published`, `decision.made`, `rebuild.completed`. */
  readonly kind: string;
  /** Who did it: an agency id, `admin`, `system`, a service point. */
  readonly actor: string;
  /** The subject's lookup token (keyed hash), never the identifier: the log is read by staff and outsiders. */
  readonly subject?: string;
  readonly payload: Readonly<Record<string, unknown>>;
}

export interface AuditEvent extends AuditEventInput {
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
}

/** An audit event as stored: its payload as the JSON text its hash covers, not parsed (for verifying the log). */
export interface StoredAuditEvent extends Omit<AuditEvent, 'payload'> {
  readonly payloadText: string;
}

/** A signed statement of the audit tree's size and root hash at an instant (RFC 6962 style). */
export interface AuditCheckpoint {
  readonly size: number;
  /** The Merkle tree hash of the first `size` events, hex. */
  readonly root: string;
  readonly atMs: number;
  /** Which signing key: the first 16 hex digits of the SHA-256 of its public key (DER). */
  readonly keyId: string;
  /** Ed25519 over the checkpoint's text (app/audit-tree.ts checkpointText), base64. */
  readonly signature: string;
}

export interface ListMember {
  readonly subject: string;
  readonly list: string;
  readonly version: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly recordId: number;
  readonly code: string;
}

export interface StoreSummary {
  readonly subjectsByKind: Readonly<Record<string, number>>;
  readonly recordsByCode: Readonly<Record<string, number>>;
  readonly records: number;
  readonly auditEvents: number;
}

/** `subject`: a person or organisation reading their own data (the portal's token), named by lookup token. */
export type TokenRole = 'agency' | 'service-point' | 'reviewer' | 'admin' | 'subject';

/** A bearer token as stored: the secret only as a hash. */
export interface TokenRecord {
  readonly id: string;
  readonly role: TokenRole;
  /** The agency id for an agency, the subject's lookup token for a subject, otherwise a label. */
  readonly name: string;
  /** Rule codes (agency) or action codes (service point) the token is limited to; empty means the role's all. */
  readonly scope: readonly string[];
  readonly secretHash: string;
  readonly createdAtMs: number;
  readonly revokedAtMs?: number;
  /** A session's token (opened by a login) ends by itself at this instant. */
  readonly expiresAtMs?: number;
}

/** A password login: it opens sessions that act as `role`, `name` and `scope`, as a token of those would. */
export interface AccountRecord {
  /** A staff login name, or a subject's lookup token. */
  readonly login: string;
  readonly role: TokenRole;
  readonly name: string;
  readonly scope: readonly string[];
  /** scrypt, with its parameters and salt (app/accounts.ts). */
  readonly passwordHash: string;
  readonly createdAtMs: number;
  readonly disabledAtMs?: number;
}

export interface CatalogDraftRecord {
  readonly schemeId: string;
  readonly body: unknown;
  readonly updatedAtMs: number;
  readonly updatedBy: string;
}

/**
 * A notice in the outbox (delivered to the subject's inbox by being stored), as the store keeps it: its facts.
 * Its words come from core/notices.ts renderNotice under the published catalogs (a Notice).
 */
export interface StoredNotice extends NoticeFacts {
  readonly id: number;
  readonly createdAtMs: number;
}

/** A stored notice with its words: what the subject is told. */
export type Notice = StoredNotice & NoticeWords;

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

/** One notice's delivery on one channel (the portal inbox needs none: a stored notice is in it). */
export interface NoticeDelivery {
  readonly noticeId: number;
  readonly channel: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAtMs: number;
  readonly lastError?: string;
  readonly deliveredAtMs?: number;
}

export interface CalendarRecord {
  readonly jurisdiction: string;
  readonly utcOffsetMinutes: number;
  readonly holidays: readonly string[];
  readonly workingWeekendDays: readonly string[];
}

export type ObjectionStatus = 'open' | 'upheld' | 'overturned';

/** A subject's challenge to a record (and so to everything the record brought about). */
export interface Objection {
  readonly id: number;
  readonly subject: string;
  readonly recordId: number;
  readonly filedAtMs: number;
  /** The subject, or the organisation's representative who filed for it. */
  readonly filedBy: string;
  readonly grounds: string;
  readonly windowClosesAtMs: number;
  readonly reviewDueAtMs: number;
  readonly status: ObjectionStatus;
  readonly decidedAtMs?: number;
  readonly decidedBy?: string;
  readonly decisionReasons?: string;
  readonly retractionRecordId?: number;
}

export type RepairStatus = 'open' | 'approved' | 'refused';

/** A subject's application to end a listing or a direct grade early, having met the declared conditions. */
export interface Repair {
  readonly id: number;
  readonly subject: string;
  readonly recordId: number;
  /** The list, for a listing; absent for a direct grade. */
  readonly list?: string;
  readonly appliedAtMs: number;
  readonly conditions: readonly string[];
  readonly statement: string;
  readonly reviewDueAtMs: number;
  readonly status: RepairStatus;
  readonly decidedAtMs?: number;
  readonly decidedBy?: string;
  readonly decisionReasons?: string;
  readonly repairRecordId?: number;
}

/**
 * What one committed transaction changed for decisions (derived state, relations, catalogs, passport links), from
 * the store's change outbox: written by the adapter in the same transaction, so no change is missed or invented.
 * Subjects are named by lookup token, never by identifier: the outbox and the stream it feeds are copies too.
 */
export interface Change {
  readonly id: number;
  readonly subjects: readonly string[];
  readonly passports: readonly { readonly passport: string; readonly subject: string }[];
  readonly catalogs: boolean;
}

export interface TransactionOptions {
  readonly durability?: 'disk' | 'process';
}

/** Reads and writes inside one transaction. */
export interface StoreTransaction {
  recordsByRef(agency: string, agencyRefs: readonly string[]): Promise<Map<string, RecordFact>>;
  recordsOf(subjects: readonly string[]): Promise<Map<string, RecordFact[]>>;
  subjectsOf(keys: readonly string[]): Promise<Map<string, SubjectId>>;
  auditTail(): Promise<{ readonly seq: number; readonly hash: string } | undefined>;
  derivationsOf(subjects: readonly string[]): Promise<Map<string, Derivation>>;
  /** Adds notices to the outbox and returns them with their ids. */
  insertNotices(notices: readonly NoticeFacts[], createdAtMs: number): Promise<StoredNotice[]>;
  /** Opens a pending delivery for every notice after the channel's cursor (up to `limit`); returns how many. */
  enqueueDeliveries(channel: string, limit: number, nowMs: number): Promise<number>;
  putDelivery(delivery: NoticeDelivery): Promise<void>;

  insertCatalogVersion(version: CatalogVersion): Promise<void>;
  putAgencies(agencies: readonly Agency[]): Promise<void>;
  putSubjects(subjects: readonly SubjectId[]): Promise<void>;
  /** Keeps an identifier (sealed) under its lookup token, so that identifierOf finds it: a subject's account. */
  rememberIdentity(identifier: string): Promise<void>;
  putRelations(relations: readonly Relation[]): Promise<void>;
  /** Stores records in order and returns them with their ids. */
  insertRecords(
    records: readonly {
      readonly draft: RecordDraft;
      readonly recordedAtMs: number;
      readonly retracts?: number;
      readonly ends?: number;
    }[],
  ): Promise<RecordFact[]>;
  /**
   * Replaces each subject's derived state (and its listings) with the given derivation. Each one is due for the
   * expiry run (`scanDerivationsDue`) at its first end after `toldUntilMs`, the instant the expiry run has told
   * up to (core/derive.ts firstEndAfter); without it, at its first end of all.
   */
  putDerivations(derivations: readonly Derivation[], toldUntilMs?: number): Promise<void>;
  /**
   * The expiry run has told these derivations' ends up to `toldUntilMs`: each is next due at its first end after
   * it, or never again while it is not rewritten.
   */
  putDerivationsTold(derivations: readonly Derivation[], toldUntilMs: number): Promise<void>;
  appendAuditEvents(events: readonly AuditEvent[]): Promise<void>;
  /** Stores the roots of complete tiles (runs of 256 events) from tile `fromIndex` on; existing ones are kept. */
  putAuditTiles(fromIndex: number, hashes: readonly Uint8Array[]): Promise<void>;
  putAuditCheckpoint(checkpoint: AuditCheckpoint): Promise<void>;
  putToken(token: TokenRecord): Promise<void>;
  /** Adds an account; false if the login is taken. */
  insertAccount(account: AccountRecord): Promise<boolean>;
  putCalendars(calendars: readonly CalendarRecord[]): Promise<void>;
  /** Links passports to the resident ID subject they belong to. */
  linkPassports(
    links: readonly { readonly passport: string; readonly subject: string; readonly linkedAtMs: number }[],
  ): Promise<void>;
  /** For each of these identifiers that is a linked passport, the subject it belongs to. */
  subjectsOfPassports(keys: readonly string[]): Promise<Map<string, string>>;
  meta(key: string): Promise<string | undefined>;
  putMeta(key: string, value: string): Promise<void>;
  insertRepair(repair: Omit<Repair, 'id'>): Promise<Repair>;
  updateRepair(repair: Repair): Promise<void>;
  repair(id: number): Promise<Repair | undefined>;
  openRepairOf(recordId: number): Promise<Repair | undefined>;
  /** Stores a new objection (its id is assigned) and returns it. */
  insertObjection(objection: Omit<Objection, 'id'>): Promise<Objection>;
  updateObjection(objection: Objection): Promise<void>;
  objection(id: number): Promise<Objection | undefined>;
  openObjectionOf(recordId: number): Promise<Objection | undefined>;
  /** Per subject, the records under an open objection (an input of the fold). */
  disputedRecordsOf(subjects: readonly string[]): Promise<Map<string, Set<number>>>;
  noticesOfRecord(subject: string, recordId: number): Promise<StoredNotice[]>;
  /** Marks a token revoked; false if there is no such token or it was revoked already. */
  revokeToken(id: string, atMs: number): Promise<boolean>;
  putCatalogDraft(draft: CatalogDraftRecord): Promise<void>;
  deleteCatalogDraft(schemeId: string): Promise<void>;
  /** Drops the outbox's changes up to this id (they have been published). */
  dropChanges(throughId: number): Promise<void>;
}

/** How a stored derivation differs from a replayed one (Store.derivationsDiffering). */
export type DerivationDifference = 'missing' | 'different';

/**
 * One of `of` disjoint parts of a scan's subjects (`index` from 0), which together are all of them: for work that
 * several threads share, each reading its part through its own connection.
 */
export interface ScanPart {
  readonly index: number;
  readonly of: number;
}

export interface DerivationScan {
  readonly kinds?: readonly SubjectKind[];
  readonly inForceAfterMs?: number;
}

export interface Store {
  /**
   * Runs `work` in one transaction; a throw rolls everything back. Transactions never interleave. With
   * `durability: 'process'` the commit survives a crash of the process but may be lost with the machine's power
   * (no fsync at commit): for the decision log, whose queue is lost in a crash anyway.
   */
  transaction<T>(work: (tx: StoreTransaction) => Promise<T>, options?: TransactionOptions): Promise<T>;

  catalogVersions(): Promise<CatalogVersion[]>;
  agencies(): Promise<Agency[]>;
  subject(key: string): Promise<SubjectId | undefined>;
  /** The identifier behind a lookup token, if the store keeps it (a subject's session names its subject so). */
  identifierOf(token: string): Promise<string | undefined>;
  /** The stored identifiers behind these lookup tokens (those the store keeps), by token. */
  identifiersOf(tokens: readonly string[]): Promise<Map<string, string>>;
  recordsOf(subject: string): Promise<RecordFact[]>;
  derivation(subject: string): Promise<Derivation | undefined>;
  /** Relations naming this person, and those of these organisations. */
  relationsOfPerson(person: string): Promise<Relation[]>;
  relationsOfOrganisation(organisation: string): Promise<Relation[]>;
  /** An agency's own records, newest first, before the given id (for paging). */
  recordsOfAgency(agency: string, limit: number, beforeId?: number): Promise<RecordFact[]>;
  /** Records with ids in (afterId, throughId], oldest first, at most `limit`: a scan of the register in id order. */
  recordsInIdRange(afterId: number, throughId: number, limit: number): Promise<RecordFact[]>;
  tokens(): Promise<TokenRecord[]>;
  account(login: string): Promise<AccountRecord | undefined>;
  /** Every account, oldest first (then by login): for the administrator's list. */
  accounts(): Promise<AccountRecord[]>;
  calendar(jurisdiction: string): Promise<CalendarRecord | undefined>;
  objection(id: number): Promise<Objection | undefined>;
  /** Objections by status (all if none), oldest review deadline first; `dueBeforeMs` keeps the overdue ones. */
  objections(query: {
    readonly status?: ObjectionStatus;
    readonly dueBeforeMs?: number;
    readonly limit: number;
  }): Promise<Objection[]>;
  objectionsOf(subject: string): Promise<Objection[]>;
  disputedRecordsOf(subjects: readonly string[]): Promise<Map<string, Set<number>>>;
  subjectsOfPassports(keys: readonly string[]): Promise<Map<string, string>>;
  /** Every linked passport, for the decision index. */
  passportLinks(): Promise<{ readonly passport: string; readonly subject: string }[]>;
  repairs(query: {
    readonly status?: RepairStatus;
    readonly dueBeforeMs?: number;
    readonly limit: number;
  }): Promise<Repair[]>;
  /** A subject's repair applications, oldest first (the portal follows them). */
  repairsOf(subject: string): Promise<Repair[]>;
  /** Pending deliveries on a channel that are due, oldest first, with their notices. */
  dueDeliveries(
    channel: string,
    nowMs: number,
    limit: number,
  ): Promise<{ delivery: NoticeDelivery; notice: StoredNotice }[]>;
  deliveries(channel: string, status: DeliveryStatus, limit: number): Promise<NoticeDelivery[]>;
  /** A subject's notices, newest first, before the given id (for paging). */
  noticesOf(subject: string, limit: number, beforeId?: number): Promise<StoredNotice[]>;
  catalogDraft(schemeId: string): Promise<CatalogDraftRecord | undefined>;
  derivations(subjects: readonly string[]): Promise<Map<string, Derivation>>;
  /** Active members of a list at an instant, in the store's subject order, after the given subject (for paging). */
  /** With `startedAfterMs`, only listings that started after it (a publication period still running). */
  listMembers(
    list: string,
    atMs: number,
    limit: number,
    afterSubject?: string,
    startedAfterMs?: number,
  ): Promise<ListMember[]>;
  /** Records in force (not retractions, not retracted) per rule code and month (YYYY-MM, UTC) of effectiveAt. */
  recordsPerRuleMonth(): Promise<{ readonly code: string; readonly month: string; readonly records: number }[]>;
  countListMembers(atMs: number): Promise<Map<string, number>>;
  /**
   * For each instant: how many subjects had a listing on the list active at `atMs` that started after
   * `startedAfterMs` (a publication period still running then); a subject with several such listings counts once.
   */
  countListMembersAt(
    list: string,
    instants: readonly { readonly atMs: number; readonly startedAfterMs: number }[],
  ): Promise<number[]>;
  summary(): Promise<StoreSummary>;
  /**
   * Every subject with its kind, in pages, in the store's subject order: for summaries and index loading. The order
   * is the adapter's own (PostgreSQL: lookup tokens; SQLite: subject numbers, i.e. registration), the same in every
   * scan and list page, and tells nothing of the identifiers.
   */
  scanSubjects(pageSize: number): AsyncIterable<SubjectId[]>;
  /**
   * Every subject that has records, with all of them, in the store's subject order, in pages: for rebuild; with
   * `part`, only the subjects of that part.
   */
  scanSubjectRecords(
    pageSize: number,
    part?: ScanPart,
  ): AsyncIterable<{ readonly subject: SubjectId; readonly records: RecordFact[] }[]>;
  /**
   * Every stored derivation, in the store's subject order, in pages; with `kinds`, only those of subjects of these
   * kinds, and with `inForceAfterMs` only those with something in force after it, whose last end (core/derive.ts
   * lastEndOf) is later (the rest are skipped by the store, neither read back nor opened).
   */
  scanDerivations(pageSize: number, only?: DerivationScan): AsyncIterable<Derivation[]>;
  /**
   * Which of these derivations the stored ones differ from: 'missing' where the subject has none stored,
   * 'different' where its stored one is another. Compared as stored (a rebuild's check of a city: the stored form
   * is not parsed where it is the same).
   */
  derivationsDiffering(derivations: readonly Derivation[]): Promise<Map<string, DerivationDifference>>;
  /** Subjects with a stored derivation but no record, in the store's subject order, in pages: what no replay explains. */
  scanDerivedWithoutRecords(pageSize: number): AsyncIterable<string[]>;
  /**
   * The derivations due for the expiry run by `atMs` (something in them ended at or before it that the run has
   * not told, or they were rewritten since), in the store's subject order, in pages: an indexed read of those
   * alone, not a scan of a city's derivations.
   */
  scanDerivationsDue(atMs: number, pageSize: number): AsyncIterable<Derivation[]>;
  /** The change outbox after an id, oldest first. */
  changes(afterId: number, limit: number): Promise<Change[]>;
  /**
   * The highest change id in the outbox now, 0 when it is empty: every change committed later has a higher one
   * (ids are never reused, and writes are serialised). What a server loads after reading it reflects every change
   * up to it.
   */
  lastChangeId(): Promise<number>;
  /**
   * Whether this store handle committed the change (its process told its own observers of it then, so a server
   * reading the outbox need not apply it again). Asked once per change: the answer is forgotten after it.
   */
  committedHere(changeId: number): boolean;
  /**
   * The events after a sequence number, in order: at most `limit`, and fewer once their payloads reach `bytesMax`
   * (auditEventsPageBytesMax unless given; the page holds at least one event whatever its size).
   */
  auditEvents(afterSeq: number, limit: number, bytesMax?: number): Promise<AuditEvent[]>;
  /** The same page with each payload as its stored text: what `credence audit verify` hashes, unparsed. */
  storedAuditEvents(afterSeq: number, limit: number, bytesMax?: number): Promise<StoredAuditEvent[]>;
  /** The audit events that name a subject (by identifier), newest first: its access log and history. */
  auditEventsOf(subject: string, limit: number): Promise<AuditEvent[]>;
  /** The number of audit events (the tree's size; sequence numbers run from 1 to it). */
  auditSize(): Promise<number>;
  /** The hashes (hex) of the events with sequence numbers in (afterSeq, afterSeq + limit], in order. */
  auditHashes(afterSeq: number, limit: number): Promise<string[]>;
  /** The stored tile roots from tile `fromIndex` on, in order. */
  auditTiles(fromIndex: number): Promise<Uint8Array[]>;
  /** Checkpoints, newest first; with `size`, only the one of that size. */
  auditCheckpoints(query: { readonly size?: number; readonly limit: number }): Promise<AuditCheckpoint[]>;
  close(): Promise<void>;
}

/** Opening a database that does not exist, without asking to create it. */
export class DatabaseMissingError extends Error {
  readonly code = 'database_missing';
}

/** The same (agency, agencyRef) stored twice: the loser of a race on idempotency. */
export class DuplicateReferenceError extends Error {
  readonly code = 'duplicate_reference';
}

/** A database this version cannot open (e.g. one from before identifiers were protected). */
export class DatabaseFormatError extends Error {
  readonly code = 'database_format';
}

/** A database server that cannot be reached or refuses the login. */
export class DatabaseUnreachableError extends Error {
  readonly code = 'database_unreachable';
}

/** A database opened with keys other than those it was made with. */
export class KeysMismatchError extends Error {
  readonly code = 'keys_mismatch';
}
