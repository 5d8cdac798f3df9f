/**
 * Working days on a jurisdiction's calendar: weekends and listed public holidays are not working days, and
 * listed make-up days (weekend days worked in exchange for a longer holiday, 调休) are. Deadlines counted in
 * working days end at the end of the last working day, local time; the day something is filed does not count.
 */
import { dayMs } from './constants.ts';

export interface WorkingCalendar {
  readonly jurisdiction: string;
  /** Local time's offset from UTC in minutes (+480 for China Standard Time). */
  readonly utcOffsetMinutes: number;
  /** Local dates YYYY-MM-DD that are public holidays. */
  readonly holidays: ReadonlySet<string>;
  /** Local dates YYYY-MM-DD on a weekend that are working days. */
  readonly workingWeekendDays: ReadonlySet<string>;
}

function localDate(calendar: WorkingCalendar, ms: number): { date: string; dayStartMs: number; weekday: number } {
  const offsetMs = calendar.utcOffsetMinutes * 60_000;
  const local = ms + offsetMs;
  const dayStartLocal = Math.floor(local / dayMs) * dayMs;
  const iso = new Date(dayStartLocal).toISOString();
  return { date: iso.slice(0, 10), dayStartMs: dayStartLocal - offsetMs, weekday: new Date(dayStartLocal).getUTCDay() };
}

export function isWorkingDay(calendar: WorkingCalendar, ms: number): boolean {
  const { date, weekday } = localDate(calendar, ms);
  if (calendar.holidays.has(date)) return false;
  if (weekday === 0 || weekday === 6) return calendar.workingWeekendDays.has(date);
  return true;
}

/**
 * The deadline `days` working days after the instant `fromMs`: the instant the last of those working days ends
 * (the next local midnight). Something due by the deadline may be done at any instant before it.
 */
export function addWorkingDays(calendar: WorkingCalendar, fromMs: number, days: number): number {
  let { dayStartMs } = localDate(calendar, fromMs);
  let counted = 0;
  // A bounded walk: even a calendar of nothing but holidays cannot loop for ever.
  for (let step = 0; counted < days && step < days * 10 + 400; step++) {
    dayStartMs += dayMs;
    if (isWorkingDay(calendar, dayStartMs)) counted++;
  }
  return dayStartMs + dayMs;
}

export function calendarOf(input: {
  readonly jurisdiction: string;
  readonly utcOffsetMinutes: number;
  readonly holidays?: readonly string[];
  readonly workingWeekendDays?: readonly string[];
}): WorkingCalendar {
  return {
    jurisdiction: input.jurisdiction,
    utcOffsetMinutes: input.utcOffsetMinutes,
    holidays: new Set(input.holidays ?? []),
    workingWeekendDays: new Set(input.workingWeekendDays ?? []),
  };
}
