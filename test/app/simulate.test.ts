/**
 * The simulator over a real SQLite store: it writes nothing (the database files' bytes and the audit log are the
 * same after), counts subjects without records too, honours the window, refuses bad drafts with publishing's
 * problems, and opens one subject both ways.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { submitRecords } from '../../src/app/records.ts';
import { simulateDraft, simulateSubject } from '../../src/app/simulate.ts';
import { parseCatalogDraft, type CatalogDraft } from '../../src/core/catalog.ts';
import { parseSubjectId } from '../../src/core/identifiers.ts';
import { demoCatalogInputs } from '../support/demo-catalogs.ts';
import { openTestContext, type TestContext } from '../support/app-context.ts';

const nowMs = Date.parse('2026-11-22T00:00:00Z');
/** Lands on exactly 850 points in Rongcheng: -100 - 40 - 10. */
const atBoundary = '11010519491231002X';
const warned = '360426199101010071';
const company = '91110108551385082Q';
/** A resident with nothing recorded, in another district. */
const withoutRecords = '420106197505054447';

const rongchengInput = () => {
  const found = demoCatalogInputs().find((c) => (c as CatalogDraft).scheme.id === 'rongcheng-residents');
  assert.ok(found);
  return structuredClone(found) as CatalogDraft;
};

function withBand(grade: string, minPoints: number): CatalogDraft {
  const draft = rongchengInput();
  const band = draft.scheme.points?.grades.find((g) => g.grade === grade);
  assert.ok(band);
  band.minPoints = minPoints;
  return draft;
}

/** A digest of every file of the database (the main file, its WAL and shared memory), by name. */
function filesDigest(path: string): Record<string, string> {
  const folder = dirname(path);
  return Object.fromEntries(
    readdirSync(folder)
      .sort()
      .map((name) => [
        name,
        createHash('sha256')
          .update(readFileSync(join(folder, name)))
          .digest('hex'),
      ]),
  );
}

describe('simulateDraft over the store', () => {
  let t: TestContext;
  before(async () => {
    t = await openTestContext();
    const record = (agency: string, ref: string, subject: string, code: string, day: string, amount?: number) => ({
      agency,
      agencyRef: ref,
      subject,
      code,
      effectiveAt: `${day}T08:00:00Z`,
      evidence: `evidence ${ref}`,
      ...(amount === undefined ? {} : { amount }),
    });
    const result = await submitRecords(
      t.context,
      [
        record('public-security', 'PS-1', atBoundary, 'public.violence_officials', '2026-06-01'),
        record('traffic-police', 'TP-1', atBoundary, 'traffic.fine', '2026-06-02', 20_000),
        record('animal-control', 'AC-1', atBoundary, 'dog.improper_keeping', '2026-06-03'),
        record('traffic-police', 'TP-2', warned, 'traffic.warning', '2026-06-01'),
        record('market-regulator', 'MR-1', company, 'market.licence_revoked', '2026-05-01'),
      ],
      { nowMs },
    );
    assert.equal(result.accepted, 5, JSON.stringify(result.results));
    const clean = parseSubjectId(withoutRecords);
    assert.ok(clean.ok);
    await t.context.store.transaction((tx) => tx.putSubjects([clean.value]));
  });
  after(() => t.close());

  test('a draft identical to the published catalog reports no change', async () => {
    const report = await simulateDraft(t.context, rongchengInput(), { toMs: nowMs });
    assert.ok(report.ok, report.ok ? '' : report.problem.message);
    const r = report.value;
    assert.equal(r.records, 5);
    assert.equal(r.subjectsWithRecords, 3);
    assert.equal(r.counts.subjects, 4, 'the subject without records is compared too');
    assert.equal(r.counts.changed, 0);
    assert.deepEqual(r.counts.changes, []);
    assert.deepEqual(r.replacesVersions, [1]);
    assert.equal(r.draftVersion, 2);
    const histogram = r.counts.histograms.find((h) => h.scheme === 'rongcheng-residents');
    assert.deepEqual(
      histogram?.grades.filter((g) => g.before > 0),
      [
        { grade: 'A', before: 2, after: 2 },
        { grade: 'B', before: 1, after: 1 },
      ],
    );
    // The version in force already has the score's cross-context bar; none of it is the draft's own.
    assert.ok(r.proportionality.findings.length > 0);
    assert.ok(r.proportionality.findings.every((f) => !f.introduced));
    assert.match(r.proportionality.yardstick.name, /Article 5\(1\)\(c\)/);
  });

  test('moving the B band by one point changes exactly the subject at 850', async () => {
    const report = await simulateDraft(t.context, withBand('B', 851), { toMs: nowMs });
    assert.ok(report.ok);
    const c = report.value.counts;
    assert.deepEqual(
      c.sample.map((s) => [s.subject, s.district, s.direction]),
      [[atBoundary, '110105', 'adverse']],
    );
    assert.equal(c.changes.find((x) => x.kind === 'grade')?.label, 'rongcheng-residents B -> C');
    assert.deepEqual(
      c.byDistrict.map((d) => [d.district, d.subjects, d.changed]),
      [
        ['110105', 1, 1],
        ['110108', 1, 0],
        ['360426', 1, 0],
        ['420106', 1, 0],
      ],
    );
    assert.deepEqual(
      c.byKind.map((k) => [k.kind, k.subjects, k.changed]),
      [
        ['organisation', 1, 0],
        ['person', 3, 1],
      ],
    );
  });

  test('a draft that moves the base changes subjects without records too, by district', async () => {
    const draft = rongchengInput();
    assert.ok(draft.scheme.points);
    draft.scheme.points.base = 1040; // A -> AA for anyone without deductions
    const report = await simulateDraft(t.context, draft, { toMs: nowMs });
    assert.ok(report.ok);
    const changed = report.value.counts.sample.map((s) => s.subject);
    assert.ok(changed.includes(withoutRecords));
    assert.equal(report.value.counts.byDistrict.find((d) => d.district === '420106')?.changed, 1);
  });

  test('writes nothing: the database files and the audit log are unchanged', async () => {
    const sizeBefore = await t.context.store.auditSize();
    const tailBefore = await t.context.store.auditEvents(Math.max(0, sizeBefore - 1), 1);
    const filesBefore = filesDigest(t.path);
    const progress: string[] = [];
    const report = await simulateDraft(t.context, withBand('B', 851), {
      toMs: nowMs,
      onProgress: (p) => progress.push(p.phase),
    });
    assert.ok(report.ok);
    const subject = await simulateSubject(t.context, withBand('B', 851), atBoundary, { toMs: nowMs });
    assert.ok(subject.ok);
    assert.deepEqual(filesDigest(t.path), filesBefore);
    assert.equal(await t.context.store.auditSize(), sizeBefore);
    assert.deepEqual(await t.context.store.auditEvents(Math.max(0, sizeBefore - 1), 1), tailBefore);
    assert.deepEqual([...new Set(progress)], ['records', 'subjects without records']);
  });

  test('the window: only records effective in [from, to) are replayed', async () => {
    const later = await simulateDraft(t.context, withBand('B', 851), {
      fromMs: Date.parse('2026-06-02T00:00:00Z'),
      toMs: nowMs,
    });
    assert.ok(later.ok);
    // Without the -100 the subject is at 950: B either way.
    assert.equal(later.value.records, 2);
    assert.equal(later.value.counts.changed, 0);
    const earlier = await simulateDraft(t.context, withBand('B', 851), {
      toMs: Date.parse('2026-06-03T00:00:00Z'),
    });
    assert.ok(earlier.ok);
    assert.equal(earlier.value.records, 4);
  });

  test('an inverted window is invalid_range; a bad draft is refused with the problem publishing gives', async () => {
    const inverted = await simulateDraft(t.context, rongchengInput(), { fromMs: nowMs, toMs: nowMs - 1 });
    assert.deepEqual(inverted.ok ? undefined : [inverted.problem.code, inverted.problem.field], [
      'invalid_range',
      'from',
    ]);

    const bad = rongchengInput() as unknown as { rules: { category: string }[] };
    const first = bad.rules[0];
    assert.ok(first);
    first.category = 'opinions';
    const refused = await simulateDraft(t.context, bad, { toMs: nowMs });
    const publishing = parseCatalogDraft(bad);
    assert.ok(!refused.ok && !publishing.ok);
    assert.deepEqual(refused.problem, publishing.problem);
    assert.equal(refused.problem.code, 'invalid_catalog');

    const notADraft = await simulateDraft(t.context, { scheme: {} }, { toMs: nowMs });
    assert.equal(notADraft.ok ? '' : notADraft.problem.code, 'invalid_catalog');
  });

  test('one subject both ways: the grade and the measure it brings, and a bad identifier', async () => {
    const simulated = await simulateSubject(t.context, withBand('B', 851), atBoundary, { toMs: nowMs });
    assert.ok(simulated.ok);
    const { comparison } = simulated.value;
    const grade = (side: 'before' | 'after') =>
      comparison[side].standing.schemes.find((s) => s.scheme === 'rongcheng-residents')?.points?.grade;
    assert.deepEqual([grade('before'), grade('after')], ['B', 'C']);
    assert.deepEqual(
      comparison.after.standing.measures.map((m) => m.measure),
      ['no-community-awards'],
    );
    assert.equal(simulated.value.records.length, 3);
    const invalid = await simulateSubject(t.context, rongchengInput(), '110105194912310021', { toMs: nowMs });
    assert.deepEqual(invalid.ok ? undefined : [invalid.problem.code, invalid.problem.field], [
      'invalid_resident_id',
      'subject',
    ]);
  });
});
