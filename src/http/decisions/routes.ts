/**
 * Decisions for service points: one subject (GET) or many for one action (POST batch, for ticketing). Answered
 * from the in-memory index (no store read) and logged through the batched decision log.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { findAction } from '../../core/actions.ts';
import type { AuditEventInput } from '../../store/ports.ts';
import { isoFromMs } from '../../core/time.ts';
import { checkServicePointAction, principalOf } from '../auth.ts';
import { badRequest, fromProblem } from '../errors.ts';
import { presentDecision, presentReason } from '../present.ts';
import { errors } from '../schema.ts';
import type { Service } from '../service.ts';
import { batchBody, batchResult, decision, decisionQuery } from './schema.ts';

export function decisionRoutes(app: FastifyInstance, service: Service): void {
  const { index, decisionLog, metrics, clock } = service;
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/v1/decisions',
    {
      config: { access: ['service-point', 'reviewer', 'admin'] },
      schema: {
        summary: 'May this subject do this action now?',
        tags: ['decisions'],
        querystring: decisionQuery,
        response: { 200: decision, ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { subject, action } = request.query;
      if (!findAction(action)) throw badRequest('unknown_action', `unknown action ${action}`, 'action');
      checkServicePointAction(principal, action);
      const atMs = clock();
      const decided = index.decide(subject, action, atMs);
      if (!decided.ok) throw fromProblem(decided.problem);
      const made = { ...decided.value, decisionId: randomUUID() };
      metrics.decisions.inc({ action, outcome: made.outcome });
      await decisionLog.append([
        {
          atMs,
          kind: 'decision.made',
          actor: principal.name,
          subject: made.subject,
          payload: {
            decisionId: made.decisionId,
            action,
            atMs,
            outcome: made.outcome,
            reasons: made.reasons.map((r) => r.measure),
            catalogVersions: made.catalogVersions,
          },
        },
      ]);
      return presentDecision(made);
    },
  );

  api.post(
    '/v1/decisions/batch',
    {
      config: { access: ['service-point', 'reviewer', 'admin'] },
      schema: {
        summary: 'Decide one action for many subjects (e.g. a passenger list)',
        tags: ['decisions'],
        body: batchBody,
        response: { 200: batchResult, ...errors(400, 401, 403, 413) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { action, subjects } = request.body;
      if (!findAction(action)) throw badRequest('unknown_action', `unknown action ${action}`, 'action');
      checkServicePointAction(principal, action);
      const atMs = clock();
      const batchId = randomUUID();
      const logged: AuditEventInput[] = [];
      const results = subjects.map((subject, i) => {
        const decided = index.decide(subject, action, atMs);
        if (!decided.ok) return { subject, error: { code: decided.problem.code, message: decided.problem.message } };
        const d = decided.value;
        const decisionId = `${batchId}.${i}`;
        metrics.decisions.inc({ action, outcome: d.outcome });
        // One event per decision, naming its subject, so that each subject's access log shows it.
        logged.push({
          atMs,
          kind: 'decision.made',
          actor: principal.name,
          subject: d.subject,
          payload: {
            decisionId,
            batchId,
            action,
            atMs,
            outcome: d.outcome,
            reasons: d.reasons.map((r) => r.measure),
            catalogVersions: d.catalogVersions,
          },
        });
        return { subject: d.subject, decisionId, outcome: d.outcome, reasons: d.reasons.map(presentReason) };
      });
      await decisionLog.append(logged);
      return { action, at: isoFromMs(atMs), batchId, results };
    },
  );
}
