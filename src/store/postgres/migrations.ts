/**
 * The PostgreSQL schema, as an ordered list of migrations (applied once each, in a transaction, recorded in
 * schema_migrations; existing ones are never edited). It holds what the SQLite schema holds after all of its
 * migrations, with PostgreSQL's types: instants as BIGINT milliseconds, ids from sequences, JSON kept as TEXT so
 * that what was hashed into the audit log reads back byte for byte. Text compares byte by byte (COLLATE "C"), as in
 * SQLite. Unlike SQLite's (migration 0014 there), subject-owned rows keep the subject's lookup token rather than a
 * subject number: on Citus the token is the distribution column, and scans and pages come in token order.
 *
 * Tables that belong to a subject (subjects, identities, relations, records, derivations, listings, notices,
 * objections, repairs, passports) lead their keys and indexes with the subject's lookup token: every read and write
 * of a use case touches one subject's rows, and on Citus they distribute by it (docs/architecture.md). Catalogs,
 * agencies, calendars, tokens, accounts, meta and the audit log are reference or global data.
 */

export const pgMigrations: readonly { readonly name: string; readonly sql: string }[] = [
  {
    name: '0001-initial',
    sql: `
      CREATE TABLE agencies (
        id TEXT COLLATE "C" PRIMARY KEY,
        kind TEXT COLLATE "C" NOT NULL,
        name_zh TEXT COLLATE "C" NOT NULL,
        name_en TEXT COLLATE "C" NOT NULL
      );

      CREATE TABLE catalog_versions (
        scheme_id TEXT COLLATE "C" NOT NULL,
        version INTEGER NOT NULL,
        published_at_ms BIGINT NOT NULL,
        effective_from_ms BIGINT NOT NULL CHECK (effective_from_ms >= published_at_ms),
        body TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (scheme_id, version)
      );

      CREATE TABLE catalog_drafts (
        scheme_id TEXT COLLATE "C" PRIMARY KEY,
        body TEXT COLLATE "C" NOT NULL,
        updated_at_ms BIGINT NOT NULL,
        updated_by TEXT COLLATE "C" NOT NULL
      );

      CREATE TABLE calendars (
        jurisdiction TEXT COLLATE "C" PRIMARY KEY,
        body TEXT COLLATE "C" NOT NULL
      );

      CREATE TABLE meta (
        key TEXT COLLATE "C" PRIMARY KEY,
        value TEXT COLLATE "C" NOT NULL
      );

      -- The identifier behind each lookup token, sealed (AES-256-GCM); keys live outside the database.
      CREATE TABLE identities (
        token TEXT COLLATE "C" PRIMARY KEY,
        sealed TEXT COLLATE "C" NOT NULL
      );

      CREATE TABLE subjects (
        key TEXT COLLATE "C" PRIMARY KEY,
        scheme TEXT COLLATE "C" NOT NULL,
        kind TEXT COLLATE "C" NOT NULL,
        region TEXT COLLATE "C"
      );

      CREATE TABLE relations (
        organisation TEXT COLLATE "C" NOT NULL,
        person TEXT COLLATE "C" NOT NULL,
        role TEXT COLLATE "C" NOT NULL,
        from_ms BIGINT NOT NULL,
        until_ms BIGINT,
        PRIMARY KEY (person, organisation, role, from_ms)
      );
      CREATE INDEX relations_by_organisation ON relations (organisation);

      CREATE TABLE records (
        id BIGSERIAL PRIMARY KEY,
        agency TEXT COLLATE "C" NOT NULL,
        agency_ref TEXT COLLATE "C" NOT NULL,
        subject TEXT COLLATE "C" NOT NULL,
        code TEXT COLLATE "C" NOT NULL,
        effective_at_ms BIGINT NOT NULL,
        recorded_at_ms BIGINT NOT NULL,
        evidence TEXT COLLATE "C" NOT NULL,
        amount DOUBLE PRECISION,
        case_ref TEXT COLLATE "C",
        retracts BIGINT REFERENCES records (id),
        ends BIGINT REFERENCES records (id),
        CONSTRAINT records_agency_ref UNIQUE (agency, agency_ref)
      );
      CREATE INDEX records_by_subject ON records (subject, id);
      CREATE INDEX records_by_agency ON records (agency, id);

      CREATE TABLE derivations (
        subject TEXT COLLATE "C" PRIMARY KEY,
        kind TEXT COLLATE "C" NOT NULL,
        body TEXT COLLATE "C" NOT NULL
      );

      CREATE TABLE listings (
        subject TEXT COLLATE "C" NOT NULL,
        list TEXT COLLATE "C" NOT NULL,
        scheme TEXT COLLATE "C" NOT NULL,
        version INTEGER NOT NULL,
        record_id BIGINT NOT NULL,
        code TEXT COLLATE "C" NOT NULL,
        trigger TEXT COLLATE "C" NOT NULL,
        start_ms BIGINT NOT NULL,
        end_ms BIGINT NOT NULL CHECK (end_ms >= start_ms)
      );
      CREATE INDEX listings_by_list ON listings (list, subject);
      CREATE INDEX listings_by_subject ON listings (subject);

      CREATE TABLE notices (
        id BIGSERIAL PRIMARY KEY,
        subject TEXT COLLATE "C" NOT NULL,
        kind TEXT COLLATE "C" NOT NULL,
        adverse BOOLEAN NOT NULL,
        record_id BIGINT NOT NULL REFERENCES records (id),
        created_at_ms BIGINT NOT NULL,
        body TEXT COLLATE "C" NOT NULL
      );
      CREATE INDEX notices_by_subject ON notices (subject, id);

      CREATE TABLE delivery_cursors (
        channel TEXT COLLATE "C" PRIMARY KEY,
        last_notice_id BIGINT NOT NULL
      );

      CREATE TABLE notice_deliveries (
        notice_id BIGINT NOT NULL REFERENCES notices (id),
        channel TEXT COLLATE "C" NOT NULL,
        status TEXT COLLATE "C" NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
        attempts INTEGER NOT NULL,
        next_attempt_at_ms BIGINT NOT NULL,
        last_error TEXT COLLATE "C",
        delivered_at_ms BIGINT,
        PRIMARY KEY (channel, notice_id)
      );
      CREATE INDEX deliveries_due ON notice_deliveries (channel, status, next_attempt_at_ms);

      CREATE TABLE objections (
        id BIGSERIAL PRIMARY KEY,
        subject TEXT COLLATE "C" NOT NULL,
        record_id BIGINT NOT NULL REFERENCES records (id),
        filed_at_ms BIGINT NOT NULL,
        filed_by TEXT COLLATE "C" NOT NULL,
        grounds TEXT COLLATE "C" NOT NULL,
        window_closes_at_ms BIGINT NOT NULL,
        review_due_at_ms BIGINT NOT NULL,
        status TEXT COLLATE "C" NOT NULL CHECK (status IN ('open', 'upheld', 'overturned')),
        decided_at_ms BIGINT,
        decided_by TEXT COLLATE "C",
        decision_reasons TEXT COLLATE "C",
        retraction_record_id BIGINT REFERENCES records (id)
      );
      CREATE INDEX objections_by_status ON objections (status, review_due_at_ms);
      CREATE INDEX objections_by_subject ON objections (subject, id);
      CREATE UNIQUE INDEX one_open_objection_per_record ON objections (record_id) WHERE status = 'open';

      CREATE TABLE repairs (
        id BIGSERIAL PRIMARY KEY,
        subject TEXT COLLATE "C" NOT NULL,
        record_id BIGINT NOT NULL REFERENCES records (id),
        list TEXT COLLATE "C",
        applied_at_ms BIGINT NOT NULL,
        conditions TEXT COLLATE "C" NOT NULL,
        statement TEXT COLLATE "C" NOT NULL,
        review_due_at_ms BIGINT NOT NULL,
        status TEXT COLLATE "C" NOT NULL CHECK (status IN ('open', 'approved', 'refused')),
        decided_at_ms BIGINT,
        decided_by TEXT COLLATE "C",
        decision_reasons TEXT COLLATE "C",
        repair_record_id BIGINT REFERENCES records (id)
      );
      CREATE INDEX repairs_by_status ON repairs (status, review_due_at_ms);
      CREATE INDEX repairs_by_subject ON repairs (subject, id);
      CREATE UNIQUE INDEX one_open_repair_per_record ON repairs (record_id) WHERE status = 'open';

      CREATE TABLE passports (
        passport TEXT COLLATE "C" PRIMARY KEY,
        subject TEXT COLLATE "C" NOT NULL,
        linked_at_ms BIGINT NOT NULL
      );
      CREATE INDEX passports_by_subject ON passports (subject);

      CREATE TABLE audit_events (
        seq BIGINT PRIMARY KEY,
        at_ms BIGINT NOT NULL,
        kind TEXT COLLATE "C" NOT NULL,
        actor TEXT COLLATE "C" NOT NULL,
        subject TEXT COLLATE "C",
        payload TEXT COLLATE "C" NOT NULL,
        prev_hash TEXT COLLATE "C" NOT NULL,
        hash TEXT COLLATE "C" NOT NULL
      );
      CREATE INDEX audit_events_by_subject ON audit_events (subject, seq) WHERE subject IS NOT NULL;

      CREATE TABLE audit_tiles (
        idx BIGINT PRIMARY KEY,
        hash BYTEA NOT NULL CHECK (length(hash) = 32)
      );

      CREATE TABLE audit_checkpoints (
        size BIGINT PRIMARY KEY,
        root TEXT COLLATE "C" NOT NULL,
        at_ms BIGINT NOT NULL,
        key_id TEXT COLLATE "C" NOT NULL,
        signature TEXT COLLATE "C" NOT NULL
      );

      CREATE TABLE tokens (
        id TEXT COLLATE "C" PRIMARY KEY,
        role TEXT COLLATE "C" NOT NULL,
        name TEXT COLLATE "C" NOT NULL,
        scope TEXT COLLATE "C" NOT NULL,
        secret_hash TEXT COLLATE "C" NOT NULL,
        created_at_ms BIGINT NOT NULL,
        revoked_at_ms BIGINT,
        expires_at_ms BIGINT
      );

      CREATE TABLE accounts (
        login TEXT COLLATE "C" PRIMARY KEY,
        role TEXT COLLATE "C" NOT NULL,
        name TEXT COLLATE "C" NOT NULL,
        scope TEXT COLLATE "C" NOT NULL,
        password_hash TEXT COLLATE "C" NOT NULL,
        created_at_ms BIGINT NOT NULL,
        disabled_at_ms BIGINT
      );

      -- The change outbox: one row per committed transaction that changed what decisions answer (derived state,
      -- catalogs, passport links), written in that transaction; the change publisher sends each to the stream
      -- once and then drops it (app/change-stream.ts).
      CREATE TABLE changes (
        id BIGSERIAL PRIMARY KEY,
        body TEXT COLLATE "C" NOT NULL
      );
    `,
  },
  {
    name: '0002-derivations-due',
    sql: `
      -- When each derivation is next due for the expiry run (app/expiries.ts): its first end not yet told, or NULL
      -- when nothing in it ends later; the run reads the due ones through the index, not every derivation. Rows
      -- stored before this are due at 0: the first run reads each once.
      ALTER TABLE derivations ADD COLUMN due_ms BIGINT DEFAULT 0;
      CREATE INDEX derivations_due ON derivations (due_ms, subject) WHERE due_ms IS NOT NULL;
      -- And the last end of all (NULL: none, or not known for rows stored before this): the index load skips the
      -- derivations with nothing in force without reading their bodies.
      ALTER TABLE derivations ADD COLUMN last_end_ms BIGINT;
    `,
  },
];
