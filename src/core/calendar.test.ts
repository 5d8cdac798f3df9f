import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addWorkingDays, calendarOf, isWorkingDay } from './calendar.ts';
import { isoFromMs } from './time.ts';

// China Standard Time; 2026-10-01..07 National Day holidays, 2026-10-10 (a Saturday) worked in exchange.
const calendar = calendarOf({
  jurisdiction: '110000',
  utcOffsetMinutes: 480,
  holidays: ['2026-10-01', '2026-10-02', '2026-10-05', '2026-10-06', '2026-10-07'],
  workingWeekendDays: ['2026-10-10'],
});
const at = (local: string) => Date.parse(`${local}+08:00`);

test('weekends and listed holidays are not working days; a listed weekend day is', () => {
  assert.equal(isWorkingDay(calendar, at('2026-11-20T12:00:00')), true); // Friday
  assert.equal(isWorkingDay(calendar, at('2026-11-21T12:00:00')), false); // Saturday
  assert.equal(isWorkingDay(calendar, at('2026-11-22T23:59:59')), false); // Sunday, last second (local)
  assert.equal(isWorkingDay(calendar, at('2026-10-01T09:00:00')), false); // holiday on a Thursday
  assert.equal(isWorkingDay(calendar, at('2026-10-10T09:00:00')), true); // worked Saturday
  // Local days, not UTC days: 2026-11-23 00:30 in Beijing is still Sunday in UTC.
  assert.equal(isWorkingDay(calendar, at('2026-11-23T00:30:00')), true);
});

test('a deadline in working days skips weekends and holidays and ends at local midnight', () => {
  const cases: [string, number, string][] = [
    // Filed on a Friday: 1 working day is Monday, ending at Tuesday 00:00 local (Monday 16:00 UTC).
    ['2026-11-20T10:00:00', 1, '2026-11-23T16:00:00.000Z'],
    // 10 working days from a Monday: two weeks later on Monday, ending Monday 24:00 local.
    ['2026-11-16T10:00:00', 10, '2026-11-30T16:00:00.000Z'],
    // Across the National Day holidays and the worked Saturday: 30 Sep + 3 working days = 8, 9, 10 Oct.
    ['2026-09-30T17:00:00', 3, '2026-10-10T16:00:00.000Z'],
    // Filed late in the evening: the filing day never counts.
    ['2026-11-20T23:59:00', 1, '2026-11-23T16:00:00.000Z'],
  ];
  for (const [filed, days, deadline] of cases) {
    assert.equal(isoFromMs(addWorkingDays(calendar, at(filed), days)), deadline, `${filed} + ${days}`);
  }
});
