/**
 * Personal identifiers never reach a log line or an error message. Log lines carry route patterns, not URLs; this
 * is the safety net for free text (error messages, which may echo what a caller sent): anything that reads as a
 * resident ID, a Unified Social Credit Code or a passport becomes a mask. test/run.ts scans everything the servers
 * under test wrote with the same reading (identifiersIn).
 */
import { parseSubjectId } from '../core/identifiers.ts';

/**
 * A passport (its number has digits: `passport:CCC:NUMBER` in a message is the format, not a person), or 18
 * letters or digits standing alone (not inside a longer run, not a decimal fraction) that read as an identifier.
 */
const candidates = /passport:[A-Za-z]{3}:(?=[A-Za-z]*\d)[A-Za-z0-9]+|(?<![0-9A-Za-z.])[0-9A-Za-z]{18}(?![0-9A-Za-z])/gi;

function maskOf(candidate: string): string | undefined {
  if (candidate.toLowerCase().startsWith('passport:')) return '[passport]';
  const parsed = parseSubjectId(candidate);
  if (!parsed.ok) return undefined;
  return parsed.value.scheme === 'resident_id' ? '[resident-id]' : '[uscc]';
}

/** The identifiers in a text, with where each starts. */
export function identifiersIn(text: string): { readonly identifier: string; readonly index: number }[] {
  return [...text.matchAll(candidates)]
    .filter((m) => maskOf(m[0]) !== undefined)
    .map((m) => ({ identifier: m[0], index: m.index }));
}

export function redact(text: string): string {
  return text.replace(candidates, (candidate) => maskOf(candidate) ?? candidate);
}
