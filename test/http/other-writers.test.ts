/**
 * A running server and writes it did not make: `credence import` and `credence publish` run beside it, as an
 * operator runs them, commit through their own connection. The server learns of them from the change outbox, as a
 * replica does from the stream; before, its index and catalogs stayed as it had loaded them.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { demoCatalogInputs } from '../support/demo-catalogs.ts';
import { eventually } from '../support/eventually.ts';
import { testKeyMaterial } from '../support/keys.ts';
import { fixedNow, fixedNowMs, ids, startHarness, type Harness } from './support.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** The outbox is read every second: well within this, also on a loaded machine. */
const withinMs = 20_000;

describe('writes from another process', () => {
  let h: Harness;
  let folder: string;
  let keyFile: string;
  before(async () => {
    h = await startHarness();
    folder = dirname(h.path);
    keyFile = join(folder, 'credence.keys');
    writeFileSync(keyFile, JSON.stringify(testKeyMaterial), { mode: 0o600 });
  });
  after(() => h.stop());

  /** The command line in a child process (not waited on synchronously: the server here keeps running). */
  const credence = async (...args: string[]) =>
    promisify(execFile)(
      process.execPath,
      ['src/cli/main.ts', ...args, '--db', h.path, '--keys', keyFile, '--now', fixedNow],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
  const outcome = (subject: string) => {
    const decided = h.service.index.decide(subject, 'travel.flight', fixedNowMs);
    assert.ok(decided.ok);
    return decided.value.outcome;
  };

  test('a listing `credence import` records reaches the server’s decisions', async () => {
    assert.equal(outcome(ids.clean), 'allow');
    const file = join(folder, 'court.ndjson');
    const court = {
      agency: 'city-court',
      agencyRef: 'CC-OTHER-1',
      subject: ids.clean,
      code: 'court.defaulter.refuses',
      effectiveAt: '2026-11-01T00:00:00Z',
      evidence: '(2026) 京01执900号',
    };
    writeFileSync(file, `${JSON.stringify(court)}\n`);
    const imported = await credence('import', file, '--json');
    assert.equal((JSON.parse(imported.stdout) as { accepted: number }).accepted, 1, imported.stdout);
    await eventually('the server denies the newly listed person', withinMs, async () => outcome(ids.clean) === 'deny');
    assert.equal(outcome(ids.clean2), 'allow', 'nobody else is touched');
  });

  test('a catalog version `credence publish` publishes reaches the server’s catalogs', async () => {
    const input = structuredClone(
      demoCatalogInputs().find((c) => (c as { scheme?: { id?: string } }).scheme?.id === 'civic-honours'),
    ) as Record<string, unknown> | undefined;
    assert.ok(input);
    input.effectiveFrom = '2027-01-01T00:00:00Z';
    const file = join(folder, 'civic-honours.json');
    writeFileSync(file, JSON.stringify(input));
    const versions = () => h.service.context.catalogs.versionsOf('civic-honours').map((v) => v.version);
    assert.deepEqual(versions(), [1]);
    await credence('publish', file);
    await eventually('the server holds version 2', withinMs, async () => versions().join() === '1,2');
    // The reload kept every subject's standing: the listing above still denies.
    assert.equal(outcome(ids.clean), 'deny');
    assert.equal(outcome(ids.defaulter), 'deny');
  });
});
