/**
 * HTTP errors: every one is `{ "error": { "code", "message", "field"? } }` with a stable code. Factories carry the
 * status; the server's error handler turns them, validation failures and Fastify's own errors into that shape.
 */
import type { Problem } from '../core/result.ts';

export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;

  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }

  get body(): { error: Problem } {
    return {
      error: { code: this.code, message: this.message, ...(this.field === undefined ? {} : { field: this.field }) },
    };
  }
}

export const badRequest = (code: string, message: string, field?: string) => new HttpError(400, code, message, field);
export const unauthorized = (message: string) => new HttpError(401, 'unauthorized', message);
export const forbidden = (code: string, message: string, field?: string) => new HttpError(403, code, message, field);
export const notFound = (code: string, message: string) => new HttpError(404, code, message);
export const conflict = (code: string, message: string, field?: string) => new HttpError(409, code, message, field);
export const unprocessable = (code: string, message: string, field?: string) =>
  new HttpError(422, code, message, field);

/** Expected domain outcomes that reach the edge as bad input: a problem becomes a 400, 404 or 422 as fits. */
export function fromProblem(problem: Problem, status = 400): HttpError {
  return new HttpError(status, problem.code, problem.message, problem.field);
}
