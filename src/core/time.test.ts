import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isoFromMs, parseInstant } from './time.ts';

test('parseInstant accepts ISO 8601 instants with a zone, and bare dates as midnight UTC', () => {
  const cases: [string, string][] = [
    ['2026-03-01T08:00:00Z', '2026-03-01T08:00:00.000Z'],
    ['2026-03-01T08:00:00+08:00', '2026-03-01T00:00:00.000Z'],
    ['2026-03-01T08:00Z', '2026-03-01T08:00:00.000Z'],
    ['2026-03-01T08:00:00.123Z', '2026-03-01T08:00:00.123Z'],
    ['2026-03-01', '2026-03-01T00:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
  ];
  for (const [text, iso] of cases) {
    const parsed = parseInstant(text);
    assert.ok(parsed.ok, text);
    assert.equal(isoFromMs(parsed.value), iso);
  }
});

test('parseInstant rejects text that is not an instant, and days that do not exist', () => {
  const cases = [
    ['yesterday', 'must be an ISO 8601 instant'],
    ['2026-03-01T08:00:00', 'must be an ISO 8601 instant'],
    ['2026-3-1', 'must be an ISO 8601 instant'],
    ['2026-02-30', 'is not a real date and time'],
    ['2026-02-29T00:00:00Z', 'is not a real date and time'],
    ['2026-04-31T00:00:00Z', 'is not a real date and time'],
    ['2026-13-01', 'is not a real date and time'],
    ['2026-00-10', 'is not a real date and time'],
    ['2026-03-01T24:00:00Z', 'is not a real date and time'],
    ['2026-03-01T08:60:00Z', 'is not a real date and time'],
  ] as const;
  for (const [text, message] of cases) {
    const parsed = parseInstant(text, 'effectiveAt');
    assert.equal(parsed.ok, false, text);
    assert.equal(!parsed.ok && parsed.problem.code, 'invalid_instant');
    assert.equal(!parsed.ok && parsed.problem.field, 'effectiveAt');
    assert.match(!parsed.ok ? parsed.problem.message : '', new RegExp(message), text);
  }
});
