/**
 * The simulation CSV: the header the CLI and the web page both write, one row per table entry in the report's
 * order, and cells quoted only where CSV needs it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { simulationCsv, simulationCsvColumns, type SimulationTables } from './simulation-csv.ts';

const empty: SimulationTables = { changes: [], histograms: [], byDistrict: [], byKind: [], unrelatedApplied: [] };

describe('simulation CSV', () => {
  test('an empty report is the header alone', () => {
    assert.equal(simulationCsv(empty), 'table,key,detail,before,after,subjects,changed,adverse,favourable');
    assert.equal(simulationCsvColumns.length, 9);
  });

  test('each table in order, with the columns it fills', () => {
    const csv = simulationCsv({
      changes: [{ label: 'tax-credit A -> B', kind: 'grade', subjects: 12 }],
      histograms: [{ scheme: 'tax-credit', grades: [{ grade: 'A', before: 20, after: 8 }] }],
      byDistrict: [{ district: '110105', subjects: 40, changed: 12, adverse: 11, favourable: 1 }],
      byKind: [{ kind: 'organisation', subjects: 40, changed: 12, adverse: 11, favourable: 1 }],
      unrelatedApplied: [
        { scheme: 'conduct-bans', measure: 'flight-ban', categories: ['public_safety', 'traffic_safety'], subjects: 3 },
      ],
    });
    assert.deepEqual(csv.split('\n').slice(1), [
      'change,tax-credit A -> B,grade,,,12,,,',
      'grade,tax-credit,A,20,8,,,,',
      'district,110105,,,,40,12,11,1',
      'kind,organisation,,,,40,12,11,1',
      'unrelated_applied,conduct-bans/flight-ban,public_safety traffic_safety,,,3,,,',
    ]);
  });

  test('a cell with a comma, a quote or a line break is quoted, its quotes doubled', () => {
    const csv = simulationCsv({
      ...empty,
      changes: [
        { label: 'measure gained: a,b', kind: 'measure', subjects: 1 },
        { label: 'say "no"', kind: 'action', subjects: 2 },
        { label: 'two\nlines', kind: 'listing', subjects: 3 },
      ],
    });
    assert.deepEqual(csv.split('\n').slice(1, 3), [
      'change,"measure gained: a,b",measure,,,1,,,',
      'change,"say ""no""",action,,,2,,,',
    ]);
    assert.ok(csv.endsWith('change,"two\nlines",listing,,,3,,,'));
  });
});
