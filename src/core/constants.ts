/**
 * Every bound in Credence, in one place (STYLE.md). Names put the qualifier last: `recordsPerBatchMax`.
 * Times inside the core are integer milliseconds since the Unix epoch, UTC.
 */

export const dayMs = 86_400_000;

/** Catalogs. */
export const rulesPerCatalogMax = 500;
export const measuresPerCatalogMax = 200;
export const listsPerCatalogMax = 50;
export const effectsPerRuleMax = 4;
export const validityDaysMax = 3650;
export const listingTermDaysMax = 3650;
export const publicationDaysMax = 1095;
export const objectionWindowDaysMax = 90;
export const pointsMagnitudeMax = 10_000;
export const repeatMultiplierMax = 16;
export const titleLengthMax = 200;
export const legalBasisLengthMax = 500;
export const identifierLengthMax = 64;

/** Records. */
export const agencyRefLengthMax = 128;
export const evidenceLengthMax = 512;
export const caseRefLengthMax = 128;
export const amountMax = 1e12;
export const recordsPerBatchMax = 10_000;
/**
 * `credence import --batch`: records per transaction of a file import, at most. Larger transactions write each page
 * they share once (a city's bulk load at 100,000 a transaction ran 1.8 times as fast as at 10,000), but hold the
 * register's write lock longer (about 8 s at 100,000), which a service writing to the same file meanwhile waits for.
 */
export const importBatchMax = 200_000;
/**
 * A `records.accepted` audit event lists at most this many records (about 21 bytes each); a larger transaction
 * writes several. Keeps every event small enough to read, page and send whole (a city's 100,000-record transactions
 * made events of 8 MB).
 */
export const recordsPerAuditEventMax = 1_000;

/** Reading. */
export const listMembersPageMax = 1_000;

/** The HTTP service. */
export const httpBodyBytesMax = 16 * 1024 * 1024;
export const decisionsPerBatchMax = 10_000;
export const pageSizeDefault = 100;
export const pageSizeMax = 1_000;
export const auditEventsPageMax = 1_000;
/**
 * A page of audit events ends early once its payloads reach this many bytes (always holding at least one event), so
 * that reading the log holds a bounded amount whatever the events hold.
 */
export const auditEventsPageBytesMax = 8 * 1024 * 1024;
export const subjectTextLengthMax = 64;
export const reasonLengthMax = 1_000;

/** The decision log: decisions are written in batches. */
export const decisionLogFlushIntervalMs = 50;
export const decisionLogBatchMax = 5_000;
export const decisionLogQueueMax = 200_000;
/** Decisions per transaction of the decision log: about 6 ms of writing, after which requests are answered again. */
export const decisionLogTransactionMax = 2_000;

/** How often the service re-reads tokens, so a revocation from the command line takes effect. */
export const tokenRefreshIntervalMs = 5_000;
/** The change publisher's round when no commit asked for one (changes made by other processes: the command line). */
export const changePublishIntervalMs = 1_000;
/** An unknown token id re-reads the tokens at once, but not more often than this (a new token works at once). */
export const tokenMissRefreshMs = 100;

/** Notice delivery beyond the inbox: how often the dispatcher runs, and how long a webhook may take. */
export const noticeDispatchIntervalMs = 1_000;
export const webhookTimeoutMs = 10_000;

/** How often the service tells subjects what the passing of time did (listings ending at term, grades changing). */
export const expiryNoticeIntervalMs = 60_000;

/** How often the service signs a checkpoint of the audit log (when it has grown), besides at stop and on demand. */
export const auditCheckpointIntervalMs = 60_000;

/**
 * References Credence gives the records it makes itself (an overturned objection's retraction, an approved repair)
 * start with this; an agency's own references may not, so the two never collide.
 */
export const systemReferencePrefix = 'credence:';

/**
 * Requests per token and route per minute, by kind: decisions (single or batch) and writes (every POST, PUT, DELETE). Past
 * them a token gets 429 rate_limited with Retry-After. A booking system's token asks thousands of times a second;
 * an agency's writes come in batches of up to recordsPerBatchMax.
 */
/**
 * Requests per minute: per token on the decision routes and every write route; per address on the public list
 * pages and searches (a person downloading a list needs a few; guessing the hidden digits of a masked
 * identifier would need millions).
 */
export const rateLimitsPerMinute = { decisions: 1_200_000, writes: 6_000, publicPages: 120 } as const;

/** A web session (a token opened by a password login) ends by itself after this long. */
export const sessionTtlMs = 8 * 60 * 60 * 1000;
/** Password lengths for accounts (NIST SP 800-63B: at least 8; we ask 12, and allow pass phrases). */
export const passwordLengthMin = 12;
export const passwordLengthMax = 256;

/** The public statistics' members per list over time: one count per month (UTC), this many months back. */
export const statisticsMonthsCount = 12;
/**
 * A public list page filtered by rule code reads at most this many members before it answers (with a next token
 * when it stopped early), so that a rare code on a long list costs a bounded read per request.
 */
export const publicListFilterScanMax = 10_000;

/** A subject's standing history (GET /v1/subjects/{subject}/history): the default stretch, and the longest asked. */
export const standingHistoryDaysDefault = 730;
export const standingHistoryDaysMax = 3650;
/** A password the service makes for a new account (POST /v1/accounts without one): random bytes, base64url. */
export const generatedPasswordBytes = 18;
/**
 * The agency console's bulk upload sends a file's records in batches of this many (at most recordsPerBatchMax), so
 * that its progress bar moves and a failed request loses little.
 */
export const recordsPerUploadBatchMax = 1_000;

/** The policy simulator: subjects per page of its scans (as rebuild's), and the changed subjects a report names. */
export const simulationPageSize = 2_000;
export const simulationSampleDefault = 50;
export const simulationSampleMax = 1_000;
