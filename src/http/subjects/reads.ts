/**
 * Reads of one subject's data, for the routes under /v1/subjects/:subject: every read is in the subject's access
 * log (batched like decisions), naming the reader and the route's pattern (never its path, which holds the
 * identifier).
 */
import type { FastifyRequest } from 'fastify';
import { parseSubjectId, type SubjectId } from '../../core/identifiers.ts';
import { principalOf } from '../auth.ts';
import { fromProblem } from '../errors.ts';
import type { Service } from '../service.ts';

/** Puts a read of `subject`'s data by the request's principal in the subject's access log. */
export function logRead(service: Service, request: FastifyRequest, subject: string, atMs = service.clock()) {
  return service.decisionLog.append([
    {
      atMs,
      kind: 'data.read',
      actor: principalOf(request).name,
      subject,
      payload: { route: request.routeOptions.url ?? '' },
    },
  ]);
}

/**
 * A read of the route's subject: its identifier parsed (400 with field subject if it is none), `read` at now, and
 * the read logged.
 */
export async function readSubject<T>(
  service: Service,
  request: FastifyRequest,
  subject: string,
  read: (subject: SubjectId, nowMs: number) => Promise<T>,
): Promise<T> {
  const parsed = parseSubjectId(subject);
  if (!parsed.ok) throw fromProblem({ ...parsed.problem, field: 'subject' });
  const nowMs = service.clock();
  const value = await read(parsed.value, nowMs);
  await logRead(service, request, parsed.value.key, nowMs);
  return value;
}
