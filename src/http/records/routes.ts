/** Records for agencies: submit a batch (per-item results), read their own, retract one of their own. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { retractRecord, submitRecords } from '../../app/records.ts';
import { checkAgencyMayReport, principalOf } from '../auth.ts';
import { fromProblem, HttpError } from '../errors.ts';
import { presentRecord } from '../present.ts';
import { errors } from '../schema.ts';
import type { Service } from '../service.ts';
import {
  listQuery,
  listResult,
  retractBody,
  retractParams,
  retractResult,
  submitBody,
  submitResult,
} from './schema.ts';

const badInput = new Set([
  'invalid_resident_id',
  'invalid_uscc',
  'invalid_passport',
  'invalid_subject',
  'invalid_instant',
  'missing_field',
  'too_long',
  'invalid_amount',
]);

/** Bad input is 400, a reference reused for other content 409, a well-formed record the rules refuse 422. */
function statusOf(code: string): number {
  return code === 'reference_conflict' ? 409 : badInput.has(code) ? 400 : 422;
}

export function recordRoutes(app: FastifyInstance, service: Service): void {
  const { context, metrics, clock } = service;
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post(
    '/v1/records',
    {
      config: { access: ['agency'] },
      schema: {
        summary: 'Submit a batch of records (idempotent on agencyRef)',
        description:
          'Every code must be in the agency’s remit, or the whole batch is refused with 403 and nothing is stored. ' +
          'Otherwise each record is accepted, a duplicate of an earlier one (same agencyRef and content) or rejected with a code. ' +
          'A batch of one record that is rejected answers 400 (bad input), 409 (agencyRef used for other content) or 422 (refused by the rules).',
        tags: ['records'],
        body: submitBody,
        response: { 200: submitResult, ...errors(400, 401, 403, 409, 413, 415, 422) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { records } = request.body;
      records.forEach((r, i) => checkAgencyMayReport(principal, context.catalogs, r.code, `records.${i}.code`));
      const result = await submitRecords(context, records, { nowMs: clock(), agency: principal.name });
      metrics.records.inc({ status: 'accepted' }, result.accepted);
      metrics.records.inc({ status: 'duplicate' }, result.duplicates);
      metrics.records.inc({ status: 'rejected' }, result.rejected);
      // A single record that is refused answers with its own status, as a one-record API would.
      const [only] = result.results;
      if (records.length === 1 && only?.status === 'rejected')
        throw fromProblem(only.problem, statusOf(only.problem.code));
      return {
        accepted: result.accepted,
        duplicates: result.duplicates,
        rejected: result.rejected,
        results: result.results.map((r, index) =>
          r.status === 'rejected'
            ? { index, status: r.status, error: r.problem }
            : { index, status: r.status, recordId: r.recordId },
        ),
      };
    },
  );

  api.get(
    '/v1/records',
    {
      config: { access: ['agency'] },
      schema: {
        summary: 'The calling agency’s own records, newest first',
        tags: ['records'],
        querystring: listQuery,
        response: { 200: listResult, ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const records = await context.store.recordsOfAgency(principal.name, request.query.limit, request.query.before);
      const last = records.at(-1);
      return {
        records: records.map(presentRecord),
        ...(records.length === request.query.limit && last ? { next: last.id } : {}),
      };
    },
  );

  api.post(
    '/v1/records/:agencyRef/retraction',
    {
      config: { access: ['agency'] },
      schema: {
        summary: 'Retract one of the agency’s own records',
        description: 'The retraction is a new record; everything that depended on the retracted one is recomputed.',
        tags: ['records'],
        params: retractParams,
        body: retractBody,
        response: { 200: retractResult, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const result = await retractRecord(
        context,
        {
          agency: principal.name,
          agencyRef: request.body.agencyRef,
          retractsRef: request.params.agencyRef,
          reason: request.body.reason,
          scope: principal.scope,
        },
        { nowMs: clock() },
      );
      if (result.status === 'rejected') {
        const { code, message, field } = result.problem;
        const status =
          code === 'record_not_found' ? 404 : code === 'missing_field' ? 400 : code === 'outside_remit' ? 403 : 409;
        // The record to retract is named in the path; the retraction's own reference in the body.
        throw new HttpError(status, code, message, field === 'retractsRef' ? 'params.agencyRef' : field);
      }
      return result;
    },
  );
}
