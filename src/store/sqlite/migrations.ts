/**
 * The SQLite schema, as an ordered list of migrations. A migration is applied once, in its own transaction, and
 * recorded in schema_migrations; existing ones are never edited, only new ones appended.
 */

export const migrations: readonly { readonly name: string; readonly sql: string }[] = [
  {
    name: '0001-initial',
    sql: `
      CREATE TABLE agencies (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        name_zh TEXT NOT NULL,
        name_en TEXT NOT NULL
      ) STRICT;

      CREATE TABLE catalog_versions (
        scheme_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        published_at_ms INTEGER NOT NULL,
        effective_from_ms INTEGER NOT NULL CHECK (effective_from_ms >= published_at_ms),
        body TEXT NOT NULL,
        PRIMARY KEY (scheme_id, version)
      ) STRICT;

      CREATE TABLE subjects (
        key TEXT PRIMARY KEY,
        scheme TEXT NOT NULL,
        kind TEXT NOT NULL,
        region TEXT
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE relations (
        organisation TEXT NOT NULL,
        person TEXT NOT NULL,
        role TEXT NOT NULL,
        from_ms INTEGER NOT NULL,
        until_ms INTEGER,
        PRIMARY KEY (person, organisation, role, from_ms)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX relations_by_organisation ON relations (organisation);

      CREATE TABLE records (
        id INTEGER PRIMARY KEY,
        agency TEXT NOT NULL,
        agency_ref TEXT NOT NULL,
        subject TEXT NOT NULL,
        code TEXT NOT NULL,
        effective_at_ms INTEGER NOT NULL,
        recorded_at_ms INTEGER NOT NULL,
        evidence TEXT NOT NULL,
        amount REAL,
        case_ref TEXT,
        retracts INTEGER REFERENCES records (id),
        UNIQUE (agency, agency_ref)
      ) STRICT;
      CREATE INDEX records_by_subject ON records (subject, id);

      CREATE TABLE derivations (
        subject TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        body TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE listings (
        subject TEXT NOT NULL,
        list TEXT NOT NULL,
        scheme TEXT NOT NULL,
        version INTEGER NOT NULL,
        record_id INTEGER NOT NULL,
        code TEXT NOT NULL,
        trigger TEXT NOT NULL,
        start_ms INTEGER NOT NULL,
        end_ms INTEGER NOT NULL CHECK (end_ms >= start_ms)
      ) STRICT;
      CREATE INDEX listings_by_list ON listings (list, subject);
      CREATE INDEX listings_by_subject ON listings (subject);

      CREATE TABLE audit_events (
        seq INTEGER PRIMARY KEY,
        at_ms INTEGER NOT NULL,
        kind TEXT NOT NULL,
        actor TEXT NOT NULL,
        subject TEXT,
        payload TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    name: '0002-service',
    sql: `
      CREATE TABLE tokens (
        id TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        name TEXT NOT NULL,
        scope TEXT NOT NULL,
        secret_hash TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL,
        revoked_at_ms INTEGER
      ) STRICT;

      CREATE TABLE catalog_drafts (
        scheme_id TEXT PRIMARY KEY,
        body TEXT NOT NULL,
        updated_at_ms INTEGER NOT NULL,
        updated_by TEXT NOT NULL
      ) STRICT;

      CREATE INDEX records_by_agency ON records (agency, id);
    `,
  },
  {
    name: '0003-notices',
    sql: `
      CREATE TABLE notices (
        id INTEGER PRIMARY KEY,
        subject TEXT NOT NULL,
        kind TEXT NOT NULL,
        adverse INTEGER NOT NULL,
        record_id INTEGER NOT NULL REFERENCES records (id),
        created_at_ms INTEGER NOT NULL,
        body TEXT NOT NULL
      ) STRICT;
      CREATE INDEX notices_by_subject ON notices (subject, id);
    `,
  },
  {
    name: '0004-notice-deliveries',
    sql: `
      -- The outbox is the notices table; per channel, a cursor says up to which notice every one has a delivery
      -- row, and a delivery row tracks attempts until delivered or dead.
      CREATE TABLE delivery_cursors (
        channel TEXT PRIMARY KEY,
        last_notice_id INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE notice_deliveries (
        notice_id INTEGER NOT NULL REFERENCES notices (id),
        channel TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
        attempts INTEGER NOT NULL,
        next_attempt_at_ms INTEGER NOT NULL,
        last_error TEXT,
        delivered_at_ms INTEGER,
        PRIMARY KEY (channel, notice_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX deliveries_due ON notice_deliveries (channel, status, next_attempt_at_ms);
    `,
  },
  {
    name: '0005-objections',
    sql: `
      CREATE TABLE calendars (
        jurisdiction TEXT PRIMARY KEY,
        body TEXT NOT NULL
      ) STRICT;

      CREATE TABLE objections (
        id INTEGER PRIMARY KEY,
        subject TEXT NOT NULL,
        record_id INTEGER NOT NULL REFERENCES records (id),
        filed_at_ms INTEGER NOT NULL,
        filed_by TEXT NOT NULL,
        grounds TEXT NOT NULL,
        window_closes_at_ms INTEGER NOT NULL,
        review_due_at_ms INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('open', 'upheld', 'overturned')),
        decided_at_ms INTEGER,
        decided_by TEXT,
        decision_reasons TEXT,
        retraction_record_id INTEGER REFERENCES records (id)
      ) STRICT;
      CREATE INDEX objections_by_status ON objections (status, review_due_at_ms);
      CREATE INDEX objections_by_subject ON objections (subject, id);
      -- At most one open objection per record.
      CREATE UNIQUE INDEX one_open_objection_per_record ON objections (record_id) WHERE status = 'open';
    `,
  },
  {
    name: '0006-access-log',
    sql: `
      -- Who read a subject's data, and when: the audit events that name the subject.
      CREATE INDEX audit_events_by_subject ON audit_events (subject, seq) WHERE subject IS NOT NULL;
    `,
  },
  {
    name: '0007-repairs',
    sql: `
      -- An approved repair is a record that ends, at its instant, what another record brought.
      ALTER TABLE records ADD COLUMN ends INTEGER REFERENCES records (id);

      CREATE TABLE repairs (
        id INTEGER PRIMARY KEY,
        subject TEXT NOT NULL,
        record_id INTEGER NOT NULL REFERENCES records (id),
        list TEXT,
        applied_at_ms INTEGER NOT NULL,
        conditions TEXT NOT NULL,
        statement TEXT NOT NULL,
        review_due_at_ms INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('open', 'approved', 'refused')),
        decided_at_ms INTEGER,
        decided_by TEXT,
        decision_reasons TEXT,
        repair_record_id INTEGER REFERENCES records (id)
      ) STRICT;
      CREATE INDEX repairs_by_status ON repairs (status, review_due_at_ms);
      CREATE UNIQUE INDEX one_open_repair_per_record ON repairs (record_id) WHERE status = 'open';
    `,
  },
  {
    name: '0008-meta',
    sql: `
      -- Small named values the service keeps between runs (e.g. up to when expiries have been notified).
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    name: '0009-passports',
    sql: `
      -- A Chinese citizen's passport, linked to the resident ID that is the subject: checks by either find them.
      CREATE TABLE passports (
        passport TEXT PRIMARY KEY,
        subject TEXT NOT NULL,
        linked_at_ms INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX passports_by_subject ON passports (subject);
    `,
  },
  {
    name: '0010-audit-tree',
    sql: `
      -- The audit log as a Merkle tree (RFC 6962): the root of every complete, aligned run of 256 events (a tile),
      -- kept so proofs need O(log n) reads. Derived from audit_events and checked by credence audit verify.
      CREATE TABLE audit_tiles (
        idx INTEGER PRIMARY KEY,
        hash BLOB NOT NULL CHECK (length(hash) = 32)
      ) STRICT;

      -- Signed checkpoints: the tree's size and root at an instant, signed with the service's Ed25519 key.
      CREATE TABLE audit_checkpoints (
        size INTEGER PRIMARY KEY,
        root TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        key_id TEXT NOT NULL,
        signature TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    name: '0011-identities',
    sql: `
      -- Every column that names a person or organisation holds the identifier's lookup token (a keyed hash); the
      -- identifier itself is here once, sealed (AES-256-GCM) under its token. Keys live outside the database.
      CREATE TABLE identities (
        token TEXT PRIMARY KEY,
        sealed TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    name: '0012-accounts',
    sql: `
      -- People who log in with a password (the web app): staff by a login name, a subject by its lookup token. A
      -- login opens a session, which is a token that expires (tokens.expires_at_ms).
      CREATE TABLE accounts (
        login TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        name TEXT NOT NULL,
        scope TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL,
        disabled_at_ms INTEGER
      ) STRICT, WITHOUT ROWID;
      ALTER TABLE tokens ADD COLUMN expires_at_ms INTEGER;
    `,
  },
  {
    name: '0013-changes',
    sql: `
      -- The change outbox: one row per committed transaction that changed what decisions answer (derived state,
      -- relations, catalogs, passport links), written in that transaction; the change publisher sends each to the
      -- stream once and then drops it (app/change-stream.ts). AUTOINCREMENT: an id is never used twice, even
      -- after every row was dropped, so the stream's duplicate check never mistakes a new change for an old one.
      CREATE TABLE changes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        body TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    name: '0014-subject-numbers',
    sql: `
      -- The tables that grow with the records (records, notices, derivations, listings) name their subject by its
      -- number (subjects.id) instead of its 43-character lookup token: about 170 bytes a record less, rows and
      -- indexes together (docs/performance.md, "A city on this machine"). Every such subject is registered; the
      -- check below stops the migration, changing nothing, if one is not.
      CREATE TEMP TABLE unregistered_subjects (n INTEGER NOT NULL CHECK (n = 0));
      INSERT INTO unregistered_subjects
        SELECT COUNT(*) FROM (
          SELECT subject FROM records UNION SELECT subject FROM notices
          UNION SELECT subject FROM derivations UNION SELECT subject FROM listings
        ) WHERE subject NOT IN (SELECT key FROM subjects);
      DROP TABLE unregistered_subjects;

      CREATE TABLE subjects_numbered (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        scheme TEXT NOT NULL,
        kind TEXT NOT NULL,
        region TEXT
      ) STRICT;
      INSERT INTO subjects_numbered (key, scheme, kind, region) SELECT key, scheme, kind, region FROM subjects ORDER BY key;
      DROP TABLE subjects;
      ALTER TABLE subjects_numbered RENAME TO subjects;

      DROP INDEX records_by_subject;
      ALTER TABLE records ADD COLUMN subject_number INTEGER NOT NULL DEFAULT 0;
      UPDATE records SET subject_number = (SELECT id FROM subjects WHERE key = records.subject);
      ALTER TABLE records DROP COLUMN subject;
      ALTER TABLE records RENAME COLUMN subject_number TO subject;
      CREATE INDEX records_by_subject ON records (subject, id);

      DROP INDEX notices_by_subject;
      ALTER TABLE notices ADD COLUMN subject_number INTEGER NOT NULL DEFAULT 0;
      UPDATE notices SET subject_number = (SELECT id FROM subjects WHERE key = notices.subject);
      ALTER TABLE notices DROP COLUMN subject;
      ALTER TABLE notices RENAME COLUMN subject_number TO subject;
      CREATE INDEX notices_by_subject ON notices (subject, id);

      CREATE TABLE derivations_numbered (
        subject INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        body TEXT NOT NULL
      ) STRICT;
      INSERT INTO derivations_numbered (subject, kind, body)
        SELECT s.id, d.kind, d.body FROM derivations d JOIN subjects s ON s.key = d.subject;
      DROP TABLE derivations;
      ALTER TABLE derivations_numbered RENAME TO derivations;

      CREATE TABLE listings_numbered (
        subject INTEGER NOT NULL,
        list TEXT NOT NULL,
        scheme TEXT NOT NULL,
        version INTEGER NOT NULL,
        record_id INTEGER NOT NULL,
        code TEXT NOT NULL,
        trigger TEXT NOT NULL,
        start_ms INTEGER NOT NULL,
        end_ms INTEGER NOT NULL CHECK (end_ms >= start_ms)
      ) STRICT;
      INSERT INTO listings_numbered (subject, list, scheme, version, record_id, code, trigger, start_ms, end_ms)
        SELECT s.id, l.list, l.scheme, l.version, l.record_id, l.code, l.trigger, l.start_ms, l.end_ms
        FROM listings l JOIN subjects s ON s.key = l.subject ORDER BY l.rowid;
      DROP TABLE listings;
      ALTER TABLE listings_numbered RENAME TO listings;
      CREATE INDEX listings_by_list ON listings (list, subject);
      CREATE INDEX listings_by_subject ON listings (subject);
    `,
  },
  {
    name: '0015-derivations-due',
    sql: `
      -- When each derivation is next due for the expiry run (app/expiries.ts): its first end not yet told, or NULL
      -- when nothing in it ends later. The run reads the due ones through the index instead of every derivation
      -- (at a city's size a full read took 11 minutes and ran every minute). Rows stored before this are due at 0:
      -- the first run reads each once (ADD COLUMN with a default rewrites no row).
      ALTER TABLE derivations ADD COLUMN due_ms INTEGER DEFAULT 0;
      CREATE INDEX derivations_due ON derivations (due_ms, subject) WHERE due_ms IS NOT NULL;
      -- And the last end of all (NULL: none, or not known for rows stored before this): the index load skips the
      -- derivations with nothing in force, half of a city's, without reading their bodies.
      ALTER TABLE derivations ADD COLUMN last_end_ms INTEGER;
    `,
  },
];
