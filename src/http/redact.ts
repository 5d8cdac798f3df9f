/**
 * Personal identifiers never reach a log line. Log lines carry route patterns, not URLs; this is the safety net
 * for free text (error messages): anything shaped like a resident ID or a passport becomes a mask.
 */
const residentId = /\b\d{17}[\dXx]\b/g;
const passport = /passport:[A-Za-z]{3}:[A-Za-z0-9]+/gi;

export function redact(text: string): string {
  return text.replace(residentId, '[resident-id]').replace(passport, '[passport]');
}
