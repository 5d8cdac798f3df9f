/**
 * The audit log is tamper-evident: `verifyAudit` recomputes the chain, the tiles, the signed checkpoints and every
 * record's digest. Each test changes one byte of the stored history in a copy of the database (a record, an event,
 * a checkpoint, a tile) or removes something, and shows it is found and named.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { appendAudit, recordDigest, recordsListing } from '../../src/app/audit-chain.ts';
import { AuditTree, eventLeaf } from '../../src/app/audit-tree.ts';
import { verifyAudit, type AuditVerifyReport } from '../../src/app/audit-verify.ts';
import { generateKeyMaterial, keyringFrom } from '../../src/app/keyring.ts';
import { verifyConsistency, verifyInclusion } from '../../src/app/merkle.ts';
import { submitRecords } from '../../src/app/records.ts';
import { createDemo } from '../../src/app/demo.ts';
import { openContext } from '../../src/app/context.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { readDemoFiles } from '../../src/cli/files.ts';
import { parseSubjectId, type SubjectId } from '../../src/core/identifiers.ts';
import { testKeys } from '../support/keys.ts';

const nowMs = Date.parse('2026-11-22T00:00:00Z');
let folder: string;
let original: string;
let sizes: { first: number; second: number };

before(async () => {
  folder = mkdtempSync(join(tmpdir(), 'credence-audit-'));
  original = join(folder, 'original.db');
  const store = openSqliteStore(original, { create: true, keys: testKeys });
  const context = await openContext(store, { keys: testKeys });
  await createDemo(context, { people: 400, seed: 'audit', ...readDemoFiles() });
  // A desk reads 600 subjects' data, one audited read each: the log spans more than one tile.
  const subjects: SubjectId[] = [];
  for await (const page of store.scanSubjects(600)) {
    subjects.push(...page);
    if (subjects.length >= 600) break;
  }
  await store.transaction((tx) =>
    appendAudit(
      tx,
      testKeys,
      subjects.map((s, i) => ({
        atMs: nowMs - 1000 + i,
        kind: 'data.read',
        actor: 'desk',
        subject: s.key,
        payload: {},
      })),
    ),
  );
  const tree = new AuditTree(store);
  const first = await tree.checkpoint(testKeys, nowMs);
  const more = await submitRecords(
    context,
    [
      {
        agencyRef: 'AV-1',
        subject: '440304198506151237',
        code: 'traffic.fine',
        effectiveAt: '2026-10-01T08:00:00Z',
        evidence: 'ticket AV-1',
        amount: 300,
      },
    ],
    { nowMs, agency: 'traffic-police' },
  );
  assert.equal(more.accepted, 1, JSON.stringify(more.results));
  const second = await tree.checkpoint(testKeys, nowMs + 1000);
  sizes = { first: first.size, second: second.size };
  await store.close();
});

after(() => rmSync(folder, { recursive: true, force: true }));

let copies = 0;
/** A copy of the database with `tamper` applied through raw SQL, verified. */
async function verifyCopy(tamper?: (db: DatabaseSync) => void): Promise<AuditVerifyReport> {
  const path = join(folder, `copy-${++copies}.db`);
  copyFileSync(original, path);
  if (tamper) {
    const db = new DatabaseSync(path);
    tamper(db);
    db.close();
  }
  const store = openSqliteStore(path, { keys: testKeys });
  try {
    return await verifyAudit(store, { publicKeyPem: testKeys.publicKeyPem, pageSize: 97 });
  } finally {
    await store.close();
  }
}

/** Flips one bit of one character of a text column (keeping it text). */
function flipText(db: DatabaseSync, table: string, column: string, where: string, at = 0): void {
  const row = db.prepare(`SELECT ${column} AS v FROM ${table} WHERE ${where}`).get() as { v: string } | undefined;
  assert.ok(row, `no row in ${table} where ${where}`);
  const chars = [...row.v];
  const i = Math.min(at, chars.length - 1);
  chars[i] = String.fromCharCode((chars[i]?.charCodeAt(0) ?? 65) ^ 1);
  db.prepare(`UPDATE ${table} SET ${column} = ? WHERE ${where}`).run(chars.join(''));
}

describe('audit verify', () => {
  test('an untouched log verifies: every event, tile, checkpoint and record', async () => {
    const report = await verifyCopy();
    assert.deepEqual(report.problems, []);
    assert.equal(report.ok, true);
    assert.equal(report.events, sizes.second);
    assert.equal(report.checkpoints, 2);
    assert.ok(report.tiles >= 1, `tiles: ${report.tiles}`);
    assert.ok(report.records > 300, `records: ${report.records}`);
  });

  test("one byte of a record's evidence changed is found, naming the record", async () => {
    const report = await verifyCopy((db) => flipText(db, 'records', 'evidence', 'id = 17', 3));
    assert.equal(report.ok, false);
    assert.deepEqual(
      report.problems.map((p) => [p.kind, p.id]),
      [['record', 17]],
    );
  });

  test("a record's points-bearing amount or instant changed is found", async () => {
    const amount = await verifyCopy((db) =>
      db.prepare('UPDATE records SET effective_at_ms = effective_at_ms + 1 WHERE id = 5').run(),
    );
    assert.deepEqual(
      amount.problems.map((p) => [p.kind, p.id]),
      [['record', 5]],
    );
  });

  test('a deleted record is found through the event that stored it', async () => {
    const report = await verifyCopy((db) => {
      db.exec('PRAGMA foreign_keys = OFF');
      db.prepare('DELETE FROM notices WHERE record_id = (SELECT MAX(id) FROM records)').run();
      db.prepare('DELETE FROM records WHERE id = (SELECT MAX(id) FROM records)').run();
    });
    assert.equal(report.ok, false);
    assert.equal(report.problems[0]?.kind, 'record');
    assert.match(report.problems[0]?.message ?? '', /is missing/);
  });

  test('a record added behind the log (no event lists it) is found, naming the record', async () => {
    let added = 0;
    const report = await verifyCopy((db) => {
      db.prepare(
        `INSERT INTO records (agency, agency_ref, subject, code, effective_at_ms, recorded_at_ms, evidence)
         SELECT agency, agency_ref || '-added', subject, code, effective_at_ms, recorded_at_ms, evidence FROM records WHERE id = 5`,
      ).run();
      added = Number(db.prepare('SELECT MAX(id) AS id FROM records').get()?.id);
    });
    assert.deepEqual(
      report.problems.map((p) => [p.kind, p.id, p.message]),
      [['record', added, `record ${added} has no audit event`]],
    );
  });

  test("one byte of an event's payload changed is found, naming that event first", async () => {
    // A character inside the first digest of a records.accepted event (the payload stays valid JSON).
    let seq = 0;
    const report = await verifyCopy((db) => {
      seq = Number(db.prepare("SELECT MIN(seq) AS s FROM audit_events WHERE kind = 'records.accepted'").get()?.s);
      flipText(db, 'audit_events', 'payload', `seq = ${seq}`, 20);
    });
    assert.equal(report.ok, false);
    assert.deepEqual(report.problems[0] && [report.problems[0].kind, report.problems[0].id], ['event', seq]);
  });

  test("an event's payload rewritten as other text of the same JSON is found: the hash covers the text as stored", async () => {
    let seq = 0;
    const report = await verifyCopy((db) => {
      seq = Number(db.prepare("SELECT MIN(seq) AS s FROM audit_events WHERE kind = 'records.accepted'").get()?.s);
      db.prepare(
        'UPDATE audit_events SET payload = replace(payload, \'{"recordIds":\', \'{ "recordIds": \') WHERE seq = ?',
      ).run(seq);
      const text = String(db.prepare('SELECT payload FROM audit_events WHERE seq = ?').get(seq)?.payload);
      assert.ok(text.startsWith('{ "recordIds": '), text.slice(0, 20));
    });
    assert.deepEqual(report.problems[0] && [report.problems[0].kind, report.problems[0].id], ['event', seq]);
  });

  test("one byte of an event's actor, or a rewritten hash chain, is found", async () => {
    const actor = await verifyCopy((db) => flipText(db, 'audit_events', 'actor', 'seq = 7'));
    assert.deepEqual(actor.problems[0] && [actor.problems[0].kind, actor.problems[0].id], ['event', 7]);
    const hash = await verifyCopy((db) => flipText(db, 'audit_events', 'hash', 'seq = 300', 63));
    assert.deepEqual(hash.problems[0] && [hash.problems[0].kind, hash.problems[0].id], ['event', 300]);
  });

  test('events removed from the end are found by the checkpoint that covered them', async () => {
    const report = await verifyCopy((db) => db.prepare('DELETE FROM audit_events WHERE seq > ?').run(sizes.first - 3));
    assert.equal(report.ok, false);
    assert.ok(
      report.problems.some((p) => p.kind === 'checkpoint' && p.id === sizes.first),
      JSON.stringify(report.problems),
    );
  });

  test("one byte of a checkpoint's root or signature changed is found, naming the checkpoint", async () => {
    const root = await verifyCopy((db) => flipText(db, 'audit_checkpoints', 'root', `size = ${sizes.first}`, 10));
    assert.deepEqual(
      root.problems.map((p) => [p.kind, p.id]),
      [['checkpoint', sizes.first]],
    );
    const signature = await verifyCopy((db) =>
      flipText(db, 'audit_checkpoints', 'signature', `size = ${sizes.second}`, 5),
    );
    assert.deepEqual(
      signature.problems.map((p) => [p.kind, p.id]),
      [['checkpoint', sizes.second]],
    );
    const instant = await verifyCopy((db) =>
      db.prepare('UPDATE audit_checkpoints SET at_ms = at_ms + 1 WHERE size = ?').run(sizes.first),
    );
    assert.deepEqual(
      instant.problems.map((p) => [p.kind, p.id]),
      [['checkpoint', sizes.first]],
    );
  });

  test('a checkpoint signed by another key is refused', async () => {
    const report = await verifyCopy();
    assert.equal(report.ok, true);
    const store = openSqliteStore(original, { keys: testKeys });
    try {
      const other = keyringFrom(generateKeyMaterial());
      const foreign = await verifyAudit(store, { publicKeyPem: other.publicKeyPem });
      assert.deepEqual(
        foreign.problems.map((p) => p.kind),
        ['checkpoint', 'checkpoint'],
      );
    } finally {
      await store.close();
    }
  });

  test('one byte of a stored tile changed is found, naming the tile', async () => {
    const report = await verifyCopy((db) => {
      const row = db.prepare('SELECT hash FROM audit_tiles WHERE idx = 0').get() as { hash: Uint8Array };
      const bytes = Buffer.from(row.hash);
      bytes[5] = (bytes[5] ?? 0) ^ 0x80;
      db.prepare('UPDATE audit_tiles SET hash = ? WHERE idx = 0').run(bytes);
    });
    assert.deepEqual(
      report.problems.map((p) => [p.kind, p.id]),
      [['tile', 0]],
    );
  });
});

describe('audit proofs', () => {
  test('inclusion proofs of events verify against the signed roots, and fail for another event', async () => {
    const store = openSqliteStore(original, { keys: testKeys });
    try {
      const tree = new AuditTree(store);
      const [latest, earlier] = await store.auditCheckpoints({ limit: 2 });
      assert.ok(latest && earlier);
      const hashes = await store.auditHashes(0, latest.size);
      for (const checkpoint of [earlier, latest]) {
        const root = Buffer.from(checkpoint.root, 'hex');
        for (const seq of [1, 2, 255, 256, 257, 511, 512, checkpoint.size - 1, checkpoint.size]) {
          if (seq > checkpoint.size) continue;
          const proof = await tree.inclusionProof(seq, checkpoint.size);
          const leaf = eventLeaf(hashes[seq - 1] ?? '');
          assert.ok(verifyInclusion(seq - 1, checkpoint.size, leaf, proof, root), `event ${seq} in ${checkpoint.size}`);
          const wrong = eventLeaf(hashes[seq % checkpoint.size] ?? '');
          assert.equal(verifyInclusion(seq - 1, checkpoint.size, wrong, proof, root), false);
        }
      }
      const proof = await tree.consistencyProof(earlier.size, latest.size);
      assert.ok(
        verifyConsistency(
          earlier.size,
          latest.size,
          Buffer.from(earlier.root, 'hex'),
          Buffer.from(latest.root, 'hex'),
          proof,
        ),
      );
      await assert.rejects(tree.inclusionProof(latest.size + 5, latest.size + 5), { code: 'audit_range' });
      await assert.rejects(tree.consistencyProof(latest.size, earlier.size), { code: 'audit_range' });
    } finally {
      await store.close();
    }
  });
});

test('records listed by a later event of their transaction, on a later page, verify', async () => {
  const store = openSqliteStore(':memory:', { create: true, keys: testKeys });
  try {
    const context = await openContext(store, { keys: testKeys });
    await createDemo(context, { people: 20, seed: 'pages', ...readDemoFiles() });
    // One batch alternating two agencies: traffic police's event lists the odd ones, the court's the even ones.
    const court = (n: number) => ({
      agency: 'city-court',
      agencyRef: `PG-C-${n}`,
      subject: '440304198506151237',
      code: 'court.defaulter.refuses',
      effectiveAt: '2026-10-01T08:00:00Z',
      evidence: `judgment ${n}`,
      caseRef: '(2026)京01执1号',
    });
    const traffic = (n: number) => ({
      agency: 'traffic-police',
      agencyRef: `PG-T-${n}`,
      subject: '440304198506151237',
      code: 'traffic.warning',
      effectiveAt: '2026-10-01T08:00:00Z',
      evidence: `ticket ${n}`,
    });
    const batch = [1, 2, 3, 4, 5, 6].map((n) => (n % 2 === 0 ? court(n) : traffic(n)));
    const submitted = await submitRecords(context, batch, { nowMs });
    assert.equal(submitted.accepted, 6, JSON.stringify(submitted.results));
    // Pages of one event: the court's records are read (after the police's event) before their event is.
    const report = await verifyAudit(store, { publicKeyPem: testKeys.publicKeyPem, pageSize: 1 });
    assert.deepEqual(report.problems, []);
    assert.equal(report.ok, true);
  } finally {
    await store.close();
  }
});

describe('audit verify: the records an event lists, in either form', () => {
  /**
   * Four records listed by three hand-made events on an unbroken chain: one in the earlier form ([id, digest] pairs),
   * one as records.accepted lists them now, and one whose tags match its records but whose digest of them does not
   * (as a record forged to keep its 8-byte tag would show).
   */
  async function verifyListed(tamper?: (db: DatabaseSync) => void) {
    const path = join(folder, `listed-${++copies}.db`);
    const store = openSqliteStore(path, { create: true, keys: testKeys });
    const parsed = parseSubjectId('440304198506151237');
    assert.ok(parsed.ok);
    let seqs: number[] = [];
    const ids = await store.transaction(async (tx) => {
      await tx.putSubjects([parsed.value]);
      const records = await tx.insertRecords(
        [1, 2, 3, 4].map((n) => ({
          draft: {
            agency: 'traffic-police',
            agencyRef: `L-${n}`,
            subject: parsed.value.key,
            code: 'traffic.fine',
            effectiveAtMs: nowMs - n,
            evidence: `ticket L-${n}`,
            amount: 100 * n,
          },
          recordedAtMs: nowMs,
        })),
      );
      const [r1, r2, r3, r4] = records;
      assert.ok(r1 && r2 && r3 && r4);
      const event = (payload: Record<string, unknown>) => ({
        atMs: nowMs,
        kind: 'records.accepted',
        actor: 'traffic-police',
        payload,
      });
      const last = (await tx.auditTail())?.seq ?? 0;
      seqs = [last + 1, last + 2, last + 3];
      await appendAudit(tx, testKeys, [
        event({ records: [[r1.id, recordDigest(r1)]] }),
        event({ ...recordsListing([r2, r3]) }),
        event({ ...recordsListing([r4]), recordsDigest: '0'.repeat(64) }),
      ]);
      return records.map((r) => r.id);
    });
    await store.close();
    if (tamper) {
      const db = new DatabaseSync(path);
      tamper(db);
      db.close();
    }
    const reopened = openSqliteStore(path, { keys: testKeys });
    try {
      const report = await verifyAudit(reopened, { publicKeyPem: testKeys.publicKeyPem });
      return { ids, seqs, report, problems: report.problems.map((p) => [p.kind, p.id, p.message]) };
    } finally {
      await reopened.close();
    }
  }

  test('reads both forms and finds the event whose records do not match its digest of them', async () => {
    const { seqs, report, problems } = await verifyListed();
    assert.equal(report.records, 4);
    assert.deepEqual(problems, [
      ['event', seqs[2], `the records event ${seqs[2]} lists differ from its digest of them`],
    ]);
  });

  test('a record changed is named, under an event of either form, and its event is not reported twice', async () => {
    const { ids, seqs, problems } = await verifyListed((db) =>
      db.prepare("UPDATE records SET evidence = evidence || '.' WHERE agency_ref IN ('L-1', 'L-3')").run(),
    );
    assert.deepEqual(problems, [
      ['record', ids[0], `record ${ids[0]} differs from what event ${seqs[0]} recorded`],
      ['record', ids[2], `record ${ids[2]} differs from what event ${seqs[1]} recorded`],
      ['event', seqs[2], `the records event ${seqs[2]} lists differ from its digest of them`],
    ]);
  });

  test('a record removed from a listing is named as missing, under an event of either form', async () => {
    const { ids, seqs, problems } = await verifyListed((db) =>
      db.prepare("DELETE FROM records WHERE agency_ref IN ('L-1', 'L-2')").run(),
    );
    // What is missing is known once the records up to the highest listed have been read, after those compared.
    assert.deepEqual(problems, [
      ['event', seqs[2], `the records event ${seqs[2]} lists differ from its digest of them`],
      ['record', ids[0], `record ${ids[0]}, stored by event ${seqs[0]}, is missing`],
      ['record', ids[1], `record ${ids[1]}, stored by event ${seqs[1]}, is missing`],
    ]);
  });
});
