/**
 * Personal identifiers never reach a log line or an error message. Log lines carry route patterns, not URLs; this
 * is the safety net for free text (error messages, which may echo what a caller sent): anything that reads as a
 * resident ID, a Unified Social Credit Code or a passport becomes a mask. test/run.ts scans everything the servers
 * under test wrote with the same reading.
 */
import { parseSubjectId } from '../core/identifiers.ts';

/** A passport number has digits; `passport:CCC:NUMBER` in a message is the format, not a person. */
const passport = /passport:[A-Za-z]{3}:(?=[A-Za-z]*\d)[A-Za-z0-9]+/gi;
/** 18 letters or digits standing alone (not inside a longer run, not a decimal fraction). */
const eighteen = /(?<![0-9A-Za-z.])[0-9A-Za-z]{17}[0-9A-Za-z](?![0-9A-Za-z])/g;

export function redact(text: string): string {
  return text.replace(passport, '[passport]').replace(eighteen, (candidate) => {
    const parsed = parseSubjectId(candidate);
    if (!parsed.ok) return candidate;
    return parsed.value.scheme === 'resident_id' ? '[resident-id]' : '[uscc]';
  });
}
