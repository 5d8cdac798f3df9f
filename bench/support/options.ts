/** Command-line options shared by the benchmark programs. */

/** A positive number from `--flag TEXT` (underscores allowed: 1_000_000), or undefined when the flag is absent. */
export function positive(flag: string, text: string | undefined, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text.replaceAll('_', ''));
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isSafeInteger(n))) {
    throw new Error(`--${flag} needs a positive ${integer ? 'integer' : 'number'}, got ${text}`);
  }
  return n;
}
