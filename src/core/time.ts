/** Instants are integer milliseconds since the Unix epoch, UTC; ISO 8601 text at the edges. */
import { fail, ok, type Result } from './result.ts';

export function isoFromMs(ms: number): string {
  return new Date(ms).toISOString();
}

/** Strict ISO 8601 with a date, a time and a zone (Z or an offset); a bare date means midnight UTC. */
export function parseInstant(text: string, field = 'at'): Result<number> {
  const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
  if (!iso.test(text)) {
    return fail(
      'invalid_instant',
      `${field} must be an ISO 8601 instant such as 2026-03-01T08:00:00Z, not "${text}"`,
      field,
    );
  }
  // Date.parse rolls impossible days over (2026-02-30 becomes 2026-03-02); check the calendar first.
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const hour = Number(text.slice(11, 13) || 0);
  const minute = Number(text.slice(14, 16) || 0);
  const second = Number(text.slice(17, 19) || 0);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const daysInMonth = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  const ms = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  if (day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59 || Number.isNaN(ms)) {
    return fail('invalid_instant', `${field} "${text}" is not a real date and time`, field);
  }
  return ok(ms);
}
