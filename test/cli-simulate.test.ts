/**
 * `credence simulate` end to end on a small demo city: the report as JSON and CSV, one subject both ways, and the
 * refusals (a bad draft, an inverted window, a missing file) as one line on stderr with status 2.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CatalogDraft } from '../src/core/catalog.ts';
import { demoCatalogInputs } from './support/demo-catalogs.ts';

const root = `${import.meta.dirname}/..`;
const now = '2026-11-22T00:00:00Z';
let dir = '';
let db = '';

function credence(args: readonly string[]) {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const result = spawnSync(process.execPath, ['src/cli/main.ts', ...args, '--now', now], {
    cwd: root,
    encoding: 'utf8',
    env,
  });
  if (result.error) throw result.error;
  return result;
}

function draftFile(name: string, edit: (draft: CatalogDraft) => void): string {
  const found = demoCatalogInputs().find((c) => (c as CatalogDraft).scheme.id === 'rongcheng-residents');
  const draft = structuredClone(found) as CatalogDraft;
  edit(draft);
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(draft));
  return path;
}

describe('credence simulate', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'credence-cli-simulate-'));
    db = join(dir, 'credence.db');
    const made = credence(['demo', '--people', '300', '--seed', 'simulate', '--db', db]);
    assert.equal(made.status, 0, made.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('an identical draft changes nothing; a base moved up changes subjects, in JSON and CSV', () => {
    const same = credence(['simulate', draftFile('same.json', () => {}), '--db', db, '--json']);
    assert.equal(same.status, 0, same.stderr);
    const report = JSON.parse(same.stdout) as { changed: number; subjects: number; window: { to: string } };
    assert.equal(report.changed, 0);
    assert.ok(report.subjects > 300);
    assert.equal(report.window.to, '2026-11-22T00:00:00.000Z');

    const raised = draftFile('raised.json', (d) => {
      if (d.scheme.points) d.scheme.points.base = 1040;
    });
    const moved = JSON.parse(credence(['simulate', raised, '--db', db, '--json', '--sample', '2']).stdout) as {
      changed: number;
      sample: { subject: string }[];
      changes: { label: string }[];
    };
    assert.ok(moved.changed > 0);
    assert.equal(moved.sample.length, 2);
    // Each subject the report names is a read in that subject's access log.
    for (const { subject } of moved.sample) {
      const log = credence(['access-log', subject, '--db', db, '--json']);
      assert.equal(log.status, 0, log.stderr);
      const entries = JSON.parse(log.stdout) as { what: string }[];
      assert.ok(
        entries.some((e) => e.what === 'read credence simulate'),
        JSON.stringify(entries),
      );
    }
    assert.ok(moved.changes.some((c) => c.label === 'rongcheng-residents A -> AA'));

    const csv = credence(['simulate', raised, '--db', db, '--csv']);
    assert.equal(csv.status, 0, csv.stderr);
    const lines = csv.stdout.trim().split('\n');
    assert.equal(lines[0], 'table,key,detail,before,after,subjects,changed,adverse,favourable');
    assert.ok(lines.some((l) => l.startsWith('grade,rongcheng-residents,AA,')));

    const subject = moved.sample[0]?.subject ?? '';
    const one = credence(['simulate', raised, '--db', db, '--subject', subject]);
    assert.equal(one.status, 0, one.stderr);
    assert.match(one.stdout, /=== Published catalogs ===[\s\S]*=== With the draft \(as v2\) ===/);
  });

  test('refusals: a bad draft, an inverted window, a missing file', () => {
    const expectUsage = (args: string[], message: RegExp) => {
      const run = credence(args);
      assert.equal(run.status, 2, run.stderr);
      assert.equal(run.stdout, '');
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.match(run.stderr, message);
    };
    const bad = draftFile('bad.json', (d) => {
      (d.rules[0] as { category: string }).category = 'opinions';
    });
    expectUsage(['simulate', bad, '--db', db], /^credence: rules\.0\.category: category must be one of/);
    const same = draftFile('same2.json', () => {});
    expectUsage(['simulate', same, '--db', db, '--from', '2026-06-01', '--to', '2026-01-01'], /from must be before to/);
    expectUsage(['simulate', join(dir, 'missing.yaml'), '--db', db], /cannot read/);
  });
});
