/**
 * End-to-end tests of the `credence` command line: each test runs `node src/cli/main.ts ...` as a child process on
 * its own database in a temporary folder, and reads or tampers with that database through node:sqlite. A small demo
 * city built once in `before` is shared, read-only in spirit, by the tests that only look (checks add audit events
 * to it, which nothing here depends on). Every run passes --now so results do not depend on the clock.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { DatabaseSync, type SQLOutputValue } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { keyringFrom, parseKeyMaterial } from '../src/app/keyring.ts';

const root = `${import.meta.dirname}/..`;
const now = '2026-11-22T00:00:00Z';
const demoPeople = '300';

/** A resident ID whose check character is X, and the same 17 digits with a wrong check character. */
const residentValid = '11010519491231002X';
const residentWrongCheck = '110105194912310021';
/** A Unified Social Credit Code whose check character should be 3, given with X. */
const usccValid = '91350100M000100Y43';
const usccWrongCheck = '91350100M000100Y4X';
const residentPattern = /^\d{17}[\dX]$/;

let tempRoot = '';
let sharedDb = '';

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI with --now fixed (unless the arguments give their own) and returns its status and output. */
function credence(args: readonly string[]): Run {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const withNow = args.includes('--now') ? args : [...args, '--now', now];
  const result = spawnSync(process.execPath, ['src/cli/main.ts', ...withNow], { cwd: root, encoding: 'utf8', env });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the CLI and asserts it succeeded. */
function credenceOk(args: readonly string[]): Run {
  const run = credence(args);
  assert.equal(run.status, 0, `credence ${args.join(' ')} failed:\n${run.stderr}`);
  return run;
}

function json<T>(run: Run): T {
  return JSON.parse(run.stdout) as T;
}

/** Bad input: status 2, nothing on stdout, exactly one line on stderr starting `credence: `, no stack trace. */
function assertUsageError(run: Run, message: RegExp): void {
  assert.equal(run.status, 2, `expected status 2, got ${run.status}; stderr:\n${run.stderr}`);
  assert.equal(run.stdout, '');
  assert.ok(run.stderr.endsWith('\n'), `stderr should end with a newline: ${JSON.stringify(run.stderr)}`);
  const lines = run.stderr.slice(0, -1).split('\n');
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${run.stderr}`);
  assert.match(run.stderr, /^credence: \S/);
  assert.doesNotMatch(run.stderr, /^\s+at |Error:|node:internal/m);
  assert.match(run.stderr, message);
}

function tempDir(name: string): string {
  return mkdtempSync(`${tempRoot}/${name}-`);
}

function demo(db: string, seed: string, people = demoPeople, keys?: string): Run {
  return credenceOk([
    'demo',
    '--people',
    people,
    '--seed',
    seed,
    '--db',
    db,
    '--json',
    ...(keys === undefined ? [] : ['--keys', keys]),
  ]);
}

function withDb<T>(path: string, work: (db: DatabaseSync) => T, readOnly = true): T {
  const db = new DatabaseSync(path, { readOnly });
  try {
    return work(db);
  } finally {
    db.close();
  }
}

/** The identifier behind a lookup token, read as an operator would: with the demo's key file. */
function identityOf(db: string, token: string): string {
  const material = parseKeyMaterial(readFileSync(`${db}.keys`, 'utf8'));
  assert.ok(material.ok, 'the demo wrote its key file beside the database');
  const sealed = withDb(db, (d) => d.prepare('SELECT sealed FROM identities WHERE token = ?').get(token))?.sealed;
  assert.equal(typeof sealed, 'string', 'every token in use has its sealed identity');
  return keyringFrom(material.value).open(String(sealed));
}

function count(path: string, sql: string, ...params: string[]): number {
  return withDb(path, (db) => Number(db.prepare(sql).get(...params)?.n));
}

/** Every table's rows, ordered by primary key (by every column where a table has none). */
function dump(path: string): Record<string, Record<string, SQLOutputValue>[]> {
  return withDb(path, (db) => {
    const out: Record<string, Record<string, SQLOutputValue>[]> = {};
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all()
      .map((r) => String(r.name));
    for (const table of tables) {
      const columns = db.prepare('SELECT name, pk FROM pragma_table_info(?) ORDER BY pk, cid').all(table);
      const keys = columns.filter((c) => Number(c.pk) > 0).map((c) => String(c.name));
      const order = (keys.length > 0 ? keys : columns.map((c) => String(c.name))).map((c) => `"${c}"`).join(', ');
      // A sealed identity differs on every write (a fresh nonce), and a password hash (a fresh salt; the demo's
      // passwords are new each time): the rows they are in do not.
      out[table] = db
        .prepare(`SELECT * FROM "${table}" ORDER BY ${order}`)
        .all()
        .map(({ sealed, password_hash: passwordHash, ...row }) =>
          table === 'identities' || table === 'accounts'
            ? row
            : {
                ...row,
                ...(sealed === undefined ? {} : { sealed }),
                ...(passwordHash === undefined ? {} : { password_hash: passwordHash }),
              },
        );
    }
    return out;
  });
}

interface Member {
  readonly subject: string;
  readonly list: string;
  readonly code: string;
  readonly recordId: number;
}

function defaultersUnmasked(db: string, keys?: string): Member[] {
  return json<Member[]>(
    credenceOk([
      'lists',
      'court-defaulters',
      '--unmasked',
      '--json',
      '--limit',
      '1000',
      '--db',
      db,
      ...(keys === undefined ? [] : ['--keys', keys]),
    ]),
  );
}

before(() => {
  tempRoot = mkdtempSync(`${tmpdir()}/credence-cli-test-`);
  sharedDb = `${tempDir('shared')}/credence.db`;
  demo(sharedDb, 's1');
});

after(() => {
  if (tempRoot !== '') rmSync(tempRoot, { recursive: true, force: true });
});

describe('bad input: status 2, one line on stderr, no stack trace', () => {
  it('rejects an unknown command', () => {
    assertUsageError(credence(['frobnicate']), /unknown command frobnicate/);
  });

  it('rejects an unknown option', () => {
    assertUsageError(credence(['check', '--bogus', residentValid, 'travel.flight', '--db', sharedDb]), /--bogus/);
    assertUsageError(credence(['lists', '--colour', 'red', '--db', sharedDb]), /--colour/);
  });

  it('rejects a resident ID with a wrong check character, naming the check character', () => {
    assertUsageError(
      credence(['check', residentWrongCheck, 'travel.flight', '--db', sharedDb]),
      /check character is 1 .*X/,
    );
    assertUsageError(credence(['explain', residentWrongCheck, '--db', sharedDb]), /check character/);
    // The same 17 digits with the right check character are accepted.
    credenceOk(['check', residentValid, 'travel.flight', '--db', sharedDb]);
  });

  it('rejects an invalid Unified Social Credit Code', () => {
    assertUsageError(credence(['check', usccWrongCheck, 'procurement.bid', '--db', sharedDb]), /check character/);
    credenceOk(['check', usccValid, 'procurement.bid', '--db', sharedDb]);
  });

  it('rejects a bad passport', () => {
    assertUsageError(credence(['check', 'passport:XXX:E12345678', 'travel.flight', '--db', sharedDb]), /XXX/);
    assertUsageError(credence(['check', 'passport:USA:!!', 'travel.flight', '--db', sharedDb]), /passport/);
  });

  it('rejects an unknown action', () => {
    assertUsageError(
      credence(['check', residentValid, 'travel.teleport', '--db', sharedDb]),
      /unknown action travel\.teleport/,
    );
  });

  it('rejects an unknown list, naming the known ones', () => {
    assertUsageError(
      credence(['lists', 'no-such-list', '--db', sharedDb]),
      /unknown list no-such-list.*court-defaulters/,
    );
  });

  it('rejects a malformed --at or --now', () => {
    assertUsageError(
      credence(['check', residentValid, 'travel.flight', '--at', 'yesterday', '--db', sharedDb]),
      /--at/,
    );
    assertUsageError(
      credence(['check', residentValid, 'travel.flight', '--db', sharedDb, '--now', '2026-13-01']),
      /--now/,
    );
    assertUsageError(credence(['lists', '--db', sharedDb, '--now', 'soon']), /--now/);
  });

  // An instant that matches the ISO pattern but names no real day must be refused, not rolled over to March.
  it('rejects an --at or --now on a day that does not exist', () => {
    assertUsageError(credence(['explain', residentValid, '--at', '2026-02-30T00:00:00Z', '--db', sharedDb]), /--at/);
    assertUsageError(credence(['lists', '--db', sharedDb, '--now', '2026-04-31T00:00:00Z']), /--now/);
  });

  it('rejects --limit 0', () => {
    assertUsageError(credence(['lists', 'court-defaulters', '--limit', '0', '--db', sharedDb]), /--limit/);
  });

  it('says how to create a missing database, for check, explain, lists and rebuild, and creates nothing', () => {
    const db = `${tempDir('missing')}/none.db`;
    for (const args of [
      ['check', residentValid, 'travel.flight'],
      ['explain', residentValid],
      ['lists'],
      ['lists', 'court-defaulters'],
      ['rebuild'],
      ['rebuild', '--verify'],
    ]) {
      const run = credence([...args, '--db', db]);
      assertUsageError(run, /does not exist/);
      assert.ok(run.stderr.includes(`credence demo --db ${db}`), `${args[0]}: ${run.stderr}`);
      assert.equal(existsSync(db), false, `${args.join(' ')} created ${db}`);
    }
  });

  it('rejects the import of a missing file or of a file with an unknown extension', () => {
    const dir = tempDir('import-bad');
    assertUsageError(credence(['import', `${dir}/absent.ndjson`, '--db', sharedDb]), /cannot read .*absent\.ndjson/);
    writeFileSync(`${dir}/records.txt`, '{}\n');
    assertUsageError(credence(['import', `${dir}/records.txt`, '--db', sharedDb]), /\.ndjson.*\.csv/);
    assert.equal(existsSync(`${dir}/records.txt.rejected.ndjson`), false);
  });

  it('rejects the publication of a malformed YAML file', () => {
    const dir = tempDir('publish-bad');
    writeFileSync(`${dir}/catalog.yaml`, 'scheme:\n  id: [unclosed\nrules: {\n');
    assertUsageError(credence(['publish', `${dir}/catalog.yaml`, '--db', sharedDb]), /not valid YAML/);
  });

  it('refuses a catalog with a rule in category religion and publishes nothing', () => {
    const db = `${tempDir('religion')}/credence.db`;
    demo(db, 'religion', '20');
    const versionsBefore = count(db, 'SELECT count(*) AS n FROM catalog_versions');
    const eventsBefore = count(db, 'SELECT count(*) AS n FROM audit_events');
    const original = readFileSync(`${root}/catalogs/demo/jinan-dog-owners.yaml`, 'utf8');
    // A valid next version of the dog-owner catalog, effective after --now: only the category makes it wrong.
    const nextVersion = original.replace(/^effectiveFrom: .*$/m, "effectiveFrom: '2026-12-01T00:00:00Z'");
    assert.notEqual(nextVersion, original);
    const religious = nextVersion.replace('category: animal_control', 'category: religion');
    assert.notEqual(religious, nextVersion);
    const dir = tempDir('religion-files');
    writeFileSync(`${dir}/religious.yaml`, religious);
    writeFileSync(`${dir}/valid.yaml`, nextVersion);

    assertUsageError(credence(['publish', `${dir}/religious.yaml`, '--db', db]), /category/);
    assert.equal(count(db, 'SELECT count(*) AS n FROM catalog_versions'), versionsBefore);
    assert.equal(count(db, 'SELECT count(*) AS n FROM audit_events'), eventsBefore);

    // Control: the same file with a category from the taxonomy is published as version 2.
    const published = json<{ scheme: string; version: number }>(
      credenceOk(['publish', `${dir}/valid.yaml`, '--db', db, '--json']),
    );
    assert.deepEqual([published.scheme, published.version], ['jinan-dog-owners', 2]);
    assert.equal(count(db, 'SELECT count(*) AS n FROM catalog_versions'), versionsBefore + 1);
  });
});

describe('demo', () => {
  it('is deterministic for a seed, and a different seed gives a different city', () => {
    const dir = tempDir('determinism');
    // With the same keys, the same seed gives the same database (identities aside, sealed with fresh nonces).
    const keys = `${dir}/credence.keys`;
    credenceOk(['keys', 'generate', '--out', keys]);
    const first = demo(`${dir}/first.db`, 's1', demoPeople, keys);
    const second = demo(`${dir}/second.db`, 's1', demoPeople, keys);
    const other = demo(`${dir}/other.db`, 's2', demoPeople, keys);

    const firstSummary = json<Record<string, unknown>>(first);
    assert.ok(Number(firstSummary.records) > 0);
    assert.deepEqual(json<unknown>(second), firstSummary);
    const firstDump = dump(`${dir}/first.db`);
    assert.ok((firstDump.records?.length ?? 0) > 0 && (firstDump.derivations?.length ?? 0) > 0);
    assert.deepEqual(dump(`${dir}/second.db`), firstDump);

    assert.notDeepEqual(json<unknown>(other), firstSummary);
    const otherDump = dump(`${dir}/other.db`);
    assert.notDeepEqual(otherDump.subjects, firstDump.subjects);
    assert.notDeepEqual(otherDump.records, firstDump.records);
  });

  // Bad options must be rejected before the existing database is deleted and replaced.
  it('rejects a malformed --now without replacing the existing database', () => {
    const db = `${tempDir('demo-now')}/credence.db`;
    copyFileSync(sharedDb, db);
    const records = count(db, 'SELECT count(*) AS n FROM records');
    assertUsageError(credence(['demo', '--people', '5', '--db', db, '--now', 'garbage']), /--now/);
    assert.equal(count(db, 'SELECT count(*) AS n FROM records'), records);
  });

  it('rejects --people 0 without deleting the existing database', () => {
    const db = `${tempDir('demo-people')}/credence.db`;
    copyFileSync(sharedDb, db);
    const size = statSync(db).size;
    assertUsageError(credence(['demo', '--people', '0', '--db', db]), /--people/);
    assert.equal(existsSync(db), true, 'the database was deleted');
    assert.equal(statSync(db).size, size);
  });
});

describe('check, lists and explain on the demo city', () => {
  it('denies a flight to a court defaulter, with the measure, listing and legal basis', () => {
    const member = defaultersUnmasked(sharedDb).find((m) => residentPattern.test(m.subject));
    assert.ok(member, 'the demo city has a court defaulter with a resident ID');

    const text = credenceOk(['check', member.subject, 'travel.flight', '--db', sharedDb]);
    assert.match(text.stdout, /^DENY: travel\.flight/);
    assert.match(text.stdout, /high-consumption-restrictions/);
    assert.match(text.stdout, /listed on court-defaulters/);
    assert.match(text.stdout, /legal basis: \S+/);
    assert.match(text.stdout, /decision id: \S+/);

    interface Decision {
      decisionId: string;
      subject: string;
      outcome: string;
      reasons: { measure: string; legalBasis: string; because: { list?: string; recordId?: number } }[];
    }
    const decided = json<Decision>(credenceOk(['check', member.subject, 'travel.flight', '--db', sharedDb, '--json']));
    assert.equal(typeof decided.decisionId, 'string');
    assert.ok(decided.decisionId.length > 0);
    assert.equal(decided.subject, member.subject);
    assert.equal(decided.outcome, 'deny');
    const reason = decided.reasons.find((r) => r.because.list === 'court-defaulters');
    assert.ok(reason, 'a reason names the court-defaulters list');
    assert.equal(reason.measure, 'high-consumption-restrictions');
    assert.equal(reason.because.recordId, member.recordId);
    assert.ok(reason.legalBasis.trim().length > 0);
    // Every decision is in the audit log under its id.
    assert.equal(
      count(
        sharedDb,
        "SELECT count(*) AS n FROM audit_events WHERE kind = 'decision.made' AND payload LIKE ?",
        `%${decided.decisionId}%`,
      ),
      1,
    );
  });

  it('allows a flight to a person with no records, with no reasons', () => {
    const subject = withDb(sharedDb, (db) =>
      db
        .prepare(
          "SELECT key FROM subjects WHERE kind = 'person' AND id NOT IN (SELECT subject FROM records) ORDER BY key LIMIT 1",
        )
        .get(),
    )?.key;
    assert.equal(typeof subject, 'string', 'the demo city has a person without records');
    assert.doesNotMatch(String(subject), residentPattern, 'the database holds a lookup token, not the identifier');
    const resident = identityOf(sharedDb, String(subject));
    assert.match(resident, residentPattern);
    const decided = json<{ outcome: string; reasons: unknown[] }>(
      credenceOk(['check', resident, 'travel.flight', '--db', sharedDb, '--json']),
    );
    assert.equal(decided.outcome, 'allow');
    assert.deepEqual(decided.reasons, []);
    const text = credenceOk(['check', resident, 'travel.flight', '--db', sharedDb]);
    assert.match(text.stdout, /^ALLOW: travel\.flight/);
    assert.match(text.stdout, /reasons: none/);
  });

  it('masks person identifiers on the published list unless --unmasked', () => {
    const members = defaultersUnmasked(sharedDb);
    const residents = members.map((m) => m.subject).filter((s) => residentPattern.test(s));
    assert.ok(residents.length > 0);

    for (const args of [[], ['--json']]) {
      const masked = credenceOk(['lists', 'court-defaulters', '--limit', '1000', '--db', sharedDb, ...args]).stdout;
      for (const subject of residents) assert.ok(!masked.includes(subject), `${subject} appears unmasked`);
      assert.doesNotMatch(masked, /\b\d{17}[\dX]\b/);
    }
    const maskedMembers = json<Member[]>(
      credenceOk(['lists', 'court-defaulters', '--limit', '1000', '--db', sharedDb, '--json']),
    );
    assert.equal(maskedMembers.length, members.length);
    assert.ok(maskedMembers.some((m) => m.subject.includes('*')));

    const unmasked = credenceOk(['lists', 'court-defaulters', '--unmasked', '--limit', '1000', '--db', sharedDb]);
    for (const subject of residents) assert.ok(unmasked.stdout.includes(subject), `${subject} missing with --unmasked`);
  });

  it('explains a defaulter: the Rongcheng grade D set directly, and the listing', () => {
    const member = defaultersUnmasked(sharedDb).find(
      (m) =>
        residentPattern.test(m.subject) &&
        (m.code === 'court.defaulter.refuses' || m.code === 'court.defaulter.obstruction'),
    );
    assert.ok(member, 'the demo city has a resident listed for refusing or obstructing');
    const text = credenceOk(['explain', member.subject, '--db', sharedDb]).stdout;
    assert.match(
      text,
      new RegExp(
        `rongcheng-residents v\\d+\\]: -?\\d+ points, grade D \\(set directly by record ${member.recordId}\\b`,
      ),
    );
    assert.match(text, new RegExp(`listed on court-defaulters since .*record ${member.recordId}, ${member.code}`));
    assert.match(text, /high-consumption-restrictions/);
  });
});

interface ImportReport {
  lines: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  rejectedFile?: string;
}

function rejectedLines(file: string): { line: number; code: string }[] {
  return readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((text) => {
      const { line, code } = JSON.parse(text) as { line: number; code: string };
      return { line, code };
    });
}

describe('import', () => {
  const good = {
    agency: 'traffic-police',
    subject: residentValid,
    code: 'traffic.warning',
    effectiveAt: '2026-06-01T00:00:00Z',
  };

  it('imports NDJSON: good lines accepted, bad lines rejected with reasons beside the input, idempotent', () => {
    const dir = tempDir('ndjson');
    const db = `${dir}/credence.db`;
    demo(db, 'import', '50');
    const first = { ...good, agencyRef: 'e2e-1', evidence: 'ticket 1' };
    const lines = [
      JSON.stringify(first),
      JSON.stringify({ ...good, agencyRef: 'e2e-2', effectiveAt: '2026-07-01T00:00:00Z', evidence: 'ticket 2' }),
      '{"agency": "traffic-police", not json',
      JSON.stringify({ ...good, agencyRef: 'e2e-3', subject: residentWrongCheck, evidence: 'ticket 3' }),
      JSON.stringify({ ...good, agencyRef: 'e2e-4', code: 'court.defaulter.refuses', evidence: 'ticket 4' }),
      JSON.stringify({ ...good, agencyRef: 'e2e-5', effectiveAt: '2026-12-01T00:00:00Z', evidence: 'ticket 5' }),
      JSON.stringify(first),
    ];
    const file = `${dir}/records.ndjson`;
    writeFileSync(file, `${lines.join('\n')}\n`);
    const expectedRejected = [
      { line: 3, code: 'malformed_line' },
      { line: 4, code: 'invalid_resident_id' },
      { line: 5, code: 'outside_remit' },
      { line: 6, code: 'effective_in_future' },
    ];

    const run = credenceOk(['import', file, '--db', db]);
    assert.match(run.stdout, /^lines: 7$/m);
    assert.match(run.stdout, /^accepted: 2$/m);
    assert.match(run.stdout, /^duplicate: 1$/m);
    assert.match(run.stdout, /^rejected: 4$/m);
    assert.ok(run.stdout.includes(`${file}.rejected.ndjson`));
    assert.deepEqual(rejectedLines(`${file}.rejected.ndjson`), expectedRejected);
    const imported = "SELECT count(*) AS n FROM records WHERE agency = 'traffic-police' AND agency_ref LIKE 'e2e-%'";
    assert.equal(count(db, imported), 2);

    const again = json<ImportReport>(credenceOk(['import', file, '--db', db, '--json']));
    assert.deepEqual(again, {
      lines: 7,
      accepted: 0,
      duplicates: 3,
      rejected: 4,
      rejectedFile: `${file}.rejected.ndjson`,
    });
    assert.deepEqual(rejectedLines(`${file}.rejected.ndjson`), expectedRejected);
    assert.equal(count(db, imported), 2);

    const conflicting = `${dir}/conflict.ndjson`;
    writeFileSync(conflicting, `${JSON.stringify({ ...first, evidence: 'ticket 1, amended' })}\n`);
    const conflict = json<ImportReport>(credenceOk(['import', conflicting, '--db', db, '--json']));
    assert.deepEqual([conflict.accepted, conflict.duplicates, conflict.rejected], [0, 0, 1]);
    assert.deepEqual(rejectedLines(`${conflicting}.rejected.ndjson`), [{ line: 1, code: 'reference_conflict' }]);
    assert.equal(count(db, "SELECT count(*) AS n FROM records WHERE evidence = 'ticket 1, amended'"), 0);
    credenceOk(['rebuild', '--verify', '--db', db]);
  });

  it('imports in transactions of --batch records, and refuses a batch size out of range, importing nothing', () => {
    const dir = tempDir('batch');
    const db = `${dir}/credence.db`;
    demo(db, 'import', '50');
    const file = `${dir}/records.ndjson`;
    const days = ['01', '02', '03', '04', '05'];
    writeFileSync(
      file,
      days
        .map((day) =>
          JSON.stringify({
            ...good,
            agencyRef: `batch-${day}`,
            effectiveAt: `2026-06-${day}T00:00:00Z`,
            evidence: day,
          }),
        )
        .join('\n'),
    );
    const imported = "SELECT count(*) AS n FROM records WHERE agency_ref LIKE 'batch-%'";
    // One records.accepted event per agency per transaction: how many transactions the import committed.
    const transactions = "SELECT count(*) AS n FROM audit_events WHERE kind = 'records.accepted'";
    const before = count(db, transactions);
    for (const bad of ['0', '200001', 'many', '2.5']) {
      assertUsageError(
        credence(['import', file, '--db', db, '--batch', bad]),
        /--batch must be a whole number from 1 to 200000/,
      );
    }
    assert.equal(count(db, imported), 0);

    const report = json<ImportReport>(credenceOk(['import', file, '--db', db, '--batch', '2', '--json']));
    assert.deepEqual([report.lines, report.accepted, report.rejected], [5, 5, 0]);
    assert.equal(count(db, imported), 5);
    assert.equal(count(db, transactions) - before, 3, 'five records in transactions of two: three');
    credenceOk(['rebuild', '--verify', '--db', db]);
  });

  it('imports CSV: a fine with its amount, a short row and a bad subject rejected, idempotent', () => {
    const dir = tempDir('csv');
    const db = `${dir}/credence.db`;
    demo(db, 'import', '50');
    const rows = [
      'agency,agencyRef,subject,code,effectiveAt,evidence,amount,caseRef',
      `traffic-police,csv-1,${residentValid},traffic.warning,2026-06-01T00:00:00Z,photo 1,,`,
      `traffic-police,csv-2,${residentValid},traffic.fine,2026-06-02T00:00:00Z,photo 2,800,case-9`,
      `traffic-police,csv-3,${residentValid},traffic.warning`,
      `traffic-police,csv-4,${residentWrongCheck},traffic.warning,2026-06-01T00:00:00Z,photo 4,,`,
      `traffic-police,csv-1,${residentValid},traffic.warning,2026-06-01T00:00:00Z,photo 1,,`,
    ];
    const file = `${dir}/records.csv`;
    writeFileSync(file, `${rows.join('\n')}\n`);
    const expectedRejected = [
      { line: 4, code: 'malformed_line' },
      { line: 5, code: 'invalid_resident_id' },
    ];

    const run = credenceOk(['import', file, '--db', db]);
    assert.match(run.stdout, /^lines: 5$/m);
    assert.match(run.stdout, /^accepted: 2$/m);
    assert.match(run.stdout, /^duplicate: 1$/m);
    assert.match(run.stdout, /^rejected: 2$/m);
    assert.deepEqual(rejectedLines(`${file}.rejected.ndjson`), expectedRejected);
    const fine = withDb(db, (d) =>
      d.prepare("SELECT code, amount, case_ref FROM records WHERE agency_ref = 'csv-2'").get(),
    );
    assert.deepEqual({ ...fine }, { code: 'traffic.fine', amount: 800, case_ref: 'case-9' });

    const again = json<ImportReport>(credenceOk(['import', file, '--db', db, '--json']));
    assert.deepEqual([again.lines, again.accepted, again.duplicates, again.rejected], [5, 0, 3, 2]);
    assert.deepEqual(rejectedLines(`${file}.rejected.ndjson`), expectedRejected);

    const conflicting = `${dir}/conflict.csv`;
    writeFileSync(
      conflicting,
      `${rows[0]}\ntraffic-police,csv-2,${residentValid},traffic.fine,2026-06-02T00:00:00Z,photo 2,900,case-9\n`,
    );
    const conflict = json<ImportReport>(credenceOk(['import', conflicting, '--db', db, '--json']));
    assert.deepEqual([conflict.accepted, conflict.duplicates, conflict.rejected], [0, 0, 1]);
    assert.deepEqual(rejectedLines(`${conflicting}.rejected.ndjson`), [{ line: 2, code: 'reference_conflict' }]);
    assert.equal(count(db, "SELECT count(*) AS n FROM records WHERE agency_ref LIKE 'csv-%'"), 2);
  });
});

describe('keys and the audit log', () => {
  it('refuses a database whose keys are not given, or are not its own', () => {
    const dir = tempDir('keys');
    const keys = `${dir}/own.keys`;
    credenceOk(['keys', 'generate', '--out', keys]);
    assertUsageError(credence(['keys', 'generate', '--out', keys]), /never overwritten/);
    const db = `${dir}/credence.db`;
    demo(db, 'keys', '50', keys);
    assertUsageError(credence(['summary', '--db', db]), /no keys for .*--keys FILE or set CREDENCE_KEY_FILE/);
    assertUsageError(credence(['summary', '--db', db, '--keys', `${dir}/missing.keys`]), /does not exist/);
    writeFileSync(`${dir}/bad.keys`, '{"format":"credence-keys/1"}');
    assertUsageError(
      credence(['summary', '--db', db, '--keys', `${dir}/bad.keys`]),
      /keys_invalid|not a credence-keys/,
    );
    credenceOk(['summary', '--db', db, '--keys', keys]);
    const other = `${dir}/other.keys`;
    credenceOk(['keys', 'generate', '--out', other]);
    const listed = defaultersUnmasked(db, keys).find((m) => residentPattern.test(m.subject));
    assert.ok(listed, 'the small demo has a resident on the defaulter list');
    const check = (withKeys: string) =>
      json<{ outcome: string }>(
        credenceOk(['check', listed.subject, 'travel.flight', '--db', db, '--keys', withKeys, '--json']),
      ).outcome;
    assert.equal(check(keys), 'deny');
    // Other keys would find nobody and allow everyone: the database refuses them.
    assertUsageError(
      credence(['check', listed.subject, 'travel.flight', '--db', db, '--keys', other]),
      /not the ones this database was made with/,
    );
  });

  it('audit verify passes on an untouched log and exits 1 naming the first changed event', () => {
    const db = `${tempDir('audit')}/credence.db`;
    copyFileSync(sharedDb, db);
    copyFileSync(`${sharedDb}.keys`, `${db}.keys`);
    credenceOk(['audit', 'checkpoint', '--db', db]);
    const verified = credenceOk(['audit', 'verify', '--db', db]);
    assert.match(verified.stdout, /audit log verified/);
    withDb(db, (d) => d.prepare("UPDATE audit_events SET actor = actor || 'x' WHERE seq = 5").run(), false);
    const tampered = credence(['audit', 'verify', '--db', db]);
    assert.equal(tampered.status, 1, tampered.stderr);
    assert.match(tampered.stdout, /event 5: event 5 \(/);
    assert.match(tampered.stderr, /^credence: audit verify: first problem: event 5 /);
  });
});

describe('accounts', () => {
  it('the demo makes one account per role, kept readable by its owner only; accounts create prints a password', () => {
    const file = `${sharedDb}.accounts`;
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const accounts = JSON.parse(readFileSync(file, 'utf8')) as { login: string; role: string; password: string }[];
    assert.deepEqual(
      accounts.map((a) => a.role),
      ['admin', 'reviewer', 'agency', 'service-point', 'subject'],
    );
    assert.ok(accounts.every((a) => /^[0-9a-f]{4}(-[0-9a-f]{4}){7}$/.test(a.password)));
    const db = `${tempDir('accounts')}/credence.db`;
    copyFileSync(sharedDb, db);
    copyFileSync(`${sharedDb}.keys`, `${db}.keys`);
    const made = credenceOk([
      'accounts',
      'create',
      '--login',
      'desk-2',
      '--role',
      'reviewer',
      '--name',
      'desk-2',
      '--db',
      db,
    ]);
    assert.match(made.stdout, /^[0-9a-f]{4}(-[0-9a-f]{4}){7}\n$/);
    assertUsageError(
      credence(['accounts', 'create', '--login', 'desk-2', '--role', 'reviewer', '--name', 'desk-2', '--db', db]),
      /login is taken/,
    );
  });
});

describe('access log', () => {
  it('reads through the command line are in the subject’s access log', () => {
    const db = `${tempDir('access')}/credence.db`;
    copyFileSync(sharedDb, db);
    copyFileSync(`${sharedDb}.keys`, `${db}.keys`);
    const listed = defaultersUnmasked(db).find((m) => residentPattern.test(m.subject));
    assert.ok(listed);
    // Other tests read the shared city too: these reads are told apart by their own instant.
    const at = '2026-11-23T09:30:00.000Z';
    credenceOk(['explain', listed.subject, '--db', db, '--now', at]);
    credenceOk(['notices', listed.subject, '--db', db, '--now', at]);
    const log = json<{ atMs: number; actor: string; what: string }[]>(
      credenceOk(['access-log', listed.subject, '--db', db, '--json']),
    );
    const byOperator = log
      .filter((e) => e.actor === 'operator (command line)' && e.atMs === Date.parse(at))
      .map((e) => e.what);
    assert.deepEqual(byOperator.sort(), ['read credence explain', 'read credence notices']);
  });
});

describe('rebuild', () => {
  it('verifies, detects a tampered derivation naming its subject, and repairs it', () => {
    const db = `${tempDir('rebuild')}/credence.db`;
    demo(db, 'rebuild');
    const verified = credenceOk(['rebuild', '--verify', '--db', db]);
    assert.match(verified.stdout, /^differences: 0$/m);

    const original = withDb(db, (d) =>
      d
        .prepare(
          'SELECT s.key AS subject, d.subject AS n, d.body FROM derivations d JOIN subjects s ON s.id = d.subject ORDER BY d.subject',
        )
        .all()
        .map((r) => ({ subject: String(r.subject), n: Number(r.n), body: String(r.body) }))
        // The last such subject: with --threads 2 its part is replayed by the worker thread.
        .findLast((r) => (JSON.parse(r.body) as [number, unknown[]])[1].length > 0),
    );
    assert.ok(original, 'some subject has point entries');
    // The stored layout (src/store/derivation-body.ts): [1, entries, grades, listings]; an entry's points at 4.
    const body = JSON.parse(original.body) as [number, number[][]];
    const entry = body[1][0];
    assert.ok(entry);
    entry[4] = (entry[4] ?? 0) + 7;
    withDb(
      db,
      (d) => d.prepare('UPDATE derivations SET body = ? WHERE subject = ?').run(JSON.stringify(body), original.n),
      false,
    );

    const tampered = credence(['rebuild', '--verify', '--threads', '2', '--db', db]);
    assert.equal(tampered.status, 1, tampered.stderr);
    assert.match(tampered.stdout, /^differences: 1$/m);
    assert.ok(tampered.stdout.includes(identityOf(db, original.subject)), tampered.stdout);
    assert.match(tampered.stderr, /^credence: rebuild --verify: 1 /);
    assert.equal(tampered.stderr.trimEnd().split('\n').length, 1);

    const one = credence(['rebuild', '--verify', '--threads', '1', '--db', db]);
    assert.equal(one.stdout, tampered.stdout, 'one thread finds the same');

    const repaired = credenceOk(['rebuild', '--threads', '2', '--db', db]);
    assert.match(repaired.stdout, /derived state rewritten/);
    assert.match(credenceOk(['rebuild', '--verify', '--db', db]).stdout, /^differences: 0$/m);
    const refused = credence(['rebuild', '--threads', '0', '--db', db]);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /--threads must be a whole number from 1 to 64, not 0/);
    const restored = withDb(db, (d) => d.prepare('SELECT body FROM derivations WHERE subject = ?').get(original.n));
    assert.equal(restored?.body, original.body);
  });
});
