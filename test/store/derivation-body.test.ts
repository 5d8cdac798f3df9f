/** Derivations are stored as positional tuples: every derivation of a demo city reads back as it was written. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDemo } from '../../src/app/demo.ts';
import { openContext } from '../../src/app/context.ts';
import type { Derivation } from '../../src/core/derive.ts';
import { derivationBody, derivationOfBody, storedBodyHolds } from '../../src/store/derivation-body.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { demoAgencies, demoCatalogInputs } from '../support/demo-catalogs.ts';
import { testKeys } from '../support/keys.ts';

async function demoDerivations(): Promise<Derivation[]> {
  const store = openSqliteStore(':memory:', { create: true, keys: testKeys });
  try {
    const context = await openContext(store, { keys: testKeys });
    await createDemo(context, {
      people: 1_500,
      seed: 'bodies',
      catalogs: demoCatalogInputs(),
      agencies: demoAgencies(),
    });
    const all: Derivation[] = [];
    for await (const page of store.scanDerivations(1_000)) all.push(...page);
    return all;
  } finally {
    await store.close();
  }
}

test('every derivation of a demo city reads back equal, in under half the bytes of objects', async () => {
  const derivations = await demoDerivations();
  assert.ok(derivations.length > 400, `${derivations.length} derivations`);
  const seen = { entries: 0, grades: 0, listings: 0, resetBy: 0, endedBy: 0, caseRef: 0 };
  let [tuples, objects] = [0, 0];
  for (const d of derivations) {
    const body = derivationBody(d);
    assert.deepEqual(derivationOfBody(body, d.subject, d.kind), d, d.subject);
    tuples += body.length;
    objects += JSON.stringify({ ...d, subject: '' }).length;
    seen.entries += d.entries.length;
    seen.grades += d.grades.length;
    seen.listings += d.listings.length;
    seen.resetBy += d.entries.filter((e) => e.resetBy !== undefined).length;
    seen.endedBy += d.listings.filter((l) => l.endedBy !== undefined).length;
    seen.caseRef += d.listings.filter((l) => l.caseRef !== undefined).length;
  }
  for (const [what, n] of Object.entries(seen)) assert.ok(n > 0, `the city has derivations with ${what}`);
  assert.ok(tuples < objects / 2, `${tuples} bytes as tuples, ${objects} as objects`);
});

test('reads a derivation stored as an object (before tuples) as it was', () => {
  const d: Derivation = {
    subject: 'person:110101194611134629',
    kind: 'person',
    entries: [
      {
        scheme: 'rongcheng-residents',
        version: 1,
        recordId: 7,
        code: 'traffic.warning',
        points: -5,
        pointsRule: -5,
        multiplier: 1,
        capped: false,
        fromMs: 1,
        untilMs: 2,
      },
    ],
    grades: [],
    listings: [],
  };
  assert.deepEqual(derivationOfBody(JSON.stringify({ ...d, subject: '' }), d.subject, 'person'), d);
  assert.deepEqual(derivationOfBody(derivationBody(d), d.subject, 'person'), d);

  // A rebuild's comparison: the same derivation in either layout, another one in neither, nor under another kind.
  const older = JSON.stringify({ ...d, subject: '' });
  assert.equal(storedBodyHolds(d, 'person', derivationBody(d)), true);
  assert.equal(storedBodyHolds(d, 'person', older), true);
  const other: Derivation = { ...d, entries: d.entries.map((e) => ({ ...e, untilMs: 3 })) };
  assert.equal(storedBodyHolds(other, 'person', derivationBody(d)), false);
  assert.equal(storedBodyHolds(other, 'person', older), false);
  assert.equal(storedBodyHolds(d, 'organisation', derivationBody(d)), false);
});

test('refuses a body of a layout it does not know, rather than misread it', () => {
  assert.throws(() => derivationOfBody('[2,[],[],[]]', 'person:x', 'person'), /layout 2 is not known/);
});
