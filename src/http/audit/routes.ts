/**
 * The audit log. Staff read its events; anyone reads its signed checkpoints, the public key that signs them, and
 * the proofs (hashes only) that let an outsider check an event's inclusion and that a later checkpoint extends an
 * earlier one, without trusting this server.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditEventsPageMax } from '../../core/constants.ts';
import { isoFromMs } from '../../core/time.ts';
import { staff } from '../auth.ts';
import { AuditTreeRangeError, checkpointText } from '../../app/audit-tree.ts';
import type { AuditCheckpoint } from '../../store/ports.ts';
import { notFound, badRequest, HttpError } from '../errors.ts';
import { errors, isoInstant } from '../schema.ts';
import type { Service } from '../service.ts';

export function auditRoutes(app: FastifyInstance, service: Service): void {
  const { context } = service;
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/audit/events',
    {
      config: { access: staff },
      schema: {
        summary: 'Audit events in order, after a sequence number',
        description:
          'At most `limit` events, fewer once their payloads reach 8 MiB; `next`, while more follow, is the `after` of the next page.',
        tags: ['audit'],
        querystring: z.object({
          after: z.coerce.number().int().min(0).default(0),
          limit: z.coerce.number().int().min(1).max(auditEventsPageMax).default(100),
        }),
        response: {
          200: z.object({
            events: z.array(
              z.object({
                seq: z.number().int(),
                at: isoInstant,
                kind: z.string(),
                actor: z.string(),
                subject: z.string().optional(),
                payload: z.object({}).passthrough(),
                prevHash: z.string(),
                hash: z.string(),
              }),
            ),
            next: z.number().int().optional(),
          }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request) => {
      const events = await context.store.auditEvents(request.query.after, request.query.limit);
      const last = events.at(-1);
      return {
        events: events.map((e) => ({
          seq: e.seq,
          at: isoFromMs(e.atMs),
          kind: e.kind,
          actor: e.actor,
          ...(e.subject === undefined ? {} : { subject: e.subject }),
          payload: e.payload,
          prevHash: e.prevHash,
          hash: e.hash,
        })),
        // A page ends at its limit or, before it, at its byte budget: either way, more may follow.
        ...(last !== undefined && last.seq < (await context.store.auditSize()) ? { next: last.seq } : {}),
      };
    },
  );

  const { auditTree } = service;
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const checkpointBody = z.object({
    size: z.number().int(),
    root: z.string().describe('RFC 6962 Merkle tree hash of the first `size` events, hex'),
    at: isoInstant,
    keyId: z.string(),
    signature: z.string().describe('Ed25519 over `signedText`, base64'),
    signedText: z.string(),
  });
  const present = (c: AuditCheckpoint) => ({
    size: c.size,
    root: c.root,
    at: isoFromMs(c.atMs),
    keyId: c.keyId,
    signature: c.signature,
    signedText: checkpointText(c),
  });
  const hex = (hashes: readonly Buffer[]) => hashes.map((h) => h.toString('hex'));
  const rangeErrors = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof AuditTreeRangeError) throw badRequest('audit_range', error.message);
      throw error;
    }
  };

  typed.get(
    '/v1/audit/public-key',
    {
      config: { access: 'public' },
      schema: {
        security: [],
        summary: "The Ed25519 public key that signs the audit log's checkpoints",
        tags: ['audit'],
        response: {
          200: z.object({ keyId: z.string(), publicKeyPem: z.string() }),
          ...errors(404),
        },
      },
    },
    async () => {
      const keys = context.keys;
      if (keys === undefined) throw notFound('no_signing_key', 'this service has no signing key');
      return { keyId: keys.keyId, publicKeyPem: keys.publicKeyPem };
    },
  );

  typed.get(
    '/v1/audit/checkpoints',
    {
      config: { access: 'public' },
      schema: {
        security: [],
        summary: 'Signed checkpoints of the audit log, newest first (or the one of a given size)',
        tags: ['audit'],
        querystring: z.object({
          size: z.coerce.number().int().min(0).optional(),
          limit: z.coerce.number().int().min(1).max(auditEventsPageMax).default(20),
        }),
        response: { 200: z.object({ checkpoints: z.array(checkpointBody) }), ...errors(400) },
      },
    },
    async (request) => {
      const { size, limit } = request.query;
      const found = await context.store.auditCheckpoints(size === undefined ? { limit } : { size, limit });
      return { checkpoints: found.map(present) };
    },
  );

  typed.get(
    '/v1/audit/checkpoints/latest',
    {
      config: { access: 'public' },
      schema: {
        security: [],
        summary: 'The latest signed checkpoint of the audit log',
        tags: ['audit'],
        response: { 200: checkpointBody, ...errors(404) },
      },
    },
    async () => {
      const [latest] = await context.store.auditCheckpoints({ limit: 1 });
      if (latest === undefined) throw notFound('no_checkpoint', 'no checkpoint has been signed yet');
      return present(latest);
    },
  );

  typed.post(
    '/v1/audit/checkpoints',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Sign a checkpoint of the whole audit log now (the service also does so every minute)',
        tags: ['audit'],
        response: { 200: checkpointBody, ...errors(401, 403, 409) },
      },
    },
    async () => {
      const keys = context.keys;
      if (keys === undefined) throw new HttpError(409, 'no_signing_key', 'this service has no signing key');
      return present(await auditTree.checkpoint(keys, service.clock()));
    },
  );

  typed.get(
    '/v1/audit/proofs/inclusion',
    {
      config: { access: 'public' },
      schema: {
        security: [],
        summary: "An event's RFC 6962 audit path in the tree of the first `size` events",
        description:
          'The leaf is SHA-256(0x00 || event hash bytes); verify the path against a signed checkpoint of that size.',
        tags: ['audit'],
        querystring: z.object({ seq: z.coerce.number().int().min(1), size: z.coerce.number().int().min(1) }),
        response: {
          200: z.object({
            seq: z.number().int(),
            size: z.number().int(),
            leafIndex: z.number().int(),
            eventHash: z.string(),
            proof: z.array(z.string()),
          }),
          ...errors(400),
        },
      },
    },
    async (request) => {
      const { seq, size } = request.query;
      const proof = await rangeErrors(() => auditTree.inclusionProof(seq, size));
      const [eventHash] = await context.store.auditHashes(seq - 1, 1);
      if (eventHash === undefined) throw badRequest('audit_range', `event ${seq} does not exist`);
      return { seq, size, leafIndex: seq - 1, eventHash, proof: hex(proof) };
    },
  );

  typed.get(
    '/v1/audit/proofs/consistency',
    {
      config: { access: 'public' },
      schema: {
        security: [],
        summary: 'An RFC 6962 consistency proof: the tree of `to` events extends the tree of `from` events',
        tags: ['audit'],
        querystring: z.object({ from: z.coerce.number().int().min(1), to: z.coerce.number().int().min(1) }),
        response: {
          200: z.object({ from: z.number().int(), to: z.number().int(), proof: z.array(z.string()) }),
          ...errors(400),
        },
      },
    },
    async (request) => {
      const { from, to } = request.query;
      const proof = await rangeErrors(() => auditTree.consistencyProof(from, to));
      return { from, to, proof: hex(proof) };
    },
  );
}
