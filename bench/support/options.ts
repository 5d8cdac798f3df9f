/** Command-line options shared by the benchmark programs. */
import { parseArgs } from 'node:util';

/** A positive number from `--flag TEXT` (underscores allowed: 1_000_000), or undefined when the flag is absent. */
export function positive(flag: string, text: string | undefined, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text.replaceAll('_', ''));
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isSafeInteger(n))) {
    throw new Error(`--${flag} needs a positive ${integer ? 'integer' : 'number'}, got ${text}`);
  }
  return n;
}

/**
 * The benchmarks' command lines: `--name VALUE` for each of `strings` and bare `--name` for each of `booleans`
 * (false when absent), nothing else (an unknown option or a positional argument is an error, as parseArgs makes it).
 */
export function benchArgs<S extends string, B extends string>(
  argv: readonly string[],
  strings: readonly S[],
  booleans: readonly B[],
): { readonly [K in S]?: string } & { readonly [K in B]: boolean } {
  const options: Record<string, { type: 'string' } | { type: 'boolean'; default: boolean }> = {};
  for (const name of strings) options[name] = { type: 'string' };
  for (const name of booleans) options[name] = { type: 'boolean', default: false };
  const { values } = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options });
  return values as { readonly [K in S]?: string } & { readonly [K in B]: boolean };
}
