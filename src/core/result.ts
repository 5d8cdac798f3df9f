/**
 * Expected outcomes are returned values, not exceptions (STYLE.md): a `Result` is either a value or a
 * `Problem` with a stable machine code, a sentence saying what to fix, and the field it concerns.
 */

export interface Problem {
  readonly code: string;
  readonly message: string;
  readonly field?: string;
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: Problem };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: string, message: string, field?: string): Result<T> {
  return { ok: false, problem: field === undefined ? { code, message } : { code, message, field } };
}

/** Programmer errors: an invariant the code itself must keep. Crashes loudly, in tests and in production. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}
