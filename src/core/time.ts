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
  const ms = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(ms)) return fail('invalid_instant', `${field} "${text}" is not a real date and time`, field);
  return ok(ms);
}
