/**
 * The reference for bench/http.ts, in a child process: a bare Fastify server (the version Credence uses, logging
 * off, no hooks, no schema) answering GET /ref?subject=...&action=... from a plain Map lookup. Its answers are the
 * bodies Credence gave for the same subjects, with a fresh decisionId and instant, so the JSON is the same size.
 * What Credence adds on top of this is its own cost: authentication, validation, the index, the decision log,
 * metrics.
 *
 * Usage (from bench/http.ts, with an IPC channel): node bench/support/reference-server.ts ANSWERS.json
 * ANSWERS.json holds [subject, answer] pairs; an answer is the decision body without decisionId, subject, action, at.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { serveUntilDisconnected } from './child-server.ts';

const [answersFile] = process.argv.slice(2);
if (answersFile === undefined) throw new Error('usage: reference-server.ts ANSWERS.json');
const answers = new Map(JSON.parse(readFileSync(answersFile, 'utf8')) as [string, Record<string, unknown>][]);

const app = Fastify({ logger: false });
app.get('/ref', async (request, reply) => {
  const { subject, action } = request.query as { subject?: string; action?: string };
  const answer = subject === undefined ? undefined : answers.get(subject);
  if (answer === undefined || action === undefined) {
    return reply.code(404).send({ error: { code: 'not_found', message: 'no such subject' } });
  }
  return { decisionId: randomUUID(), subject, action, at: new Date().toISOString(), ...answer };
});
await serveUntilDisconnected(app, () => app.close());
