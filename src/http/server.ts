/**
 * The HTTP service on Fastify: routes per resource, authentication and authorisation in one hook (auth.ts), zod
 * schemas that both validate requests and generate the OpenAPI 3.1 document, one JSON error shape, Prometheus
 * metrics, and logs that carry request ids and route patterns but never a personal identifier.
 */
import { randomUUID } from 'node:crypto';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import { httpBodyBytesMax, rateLimitsPerMinute } from '../core/constants.ts';
import { accountRoutes } from './accounts/routes.ts';
import { agencyRoutes } from './agencies/routes.ts';
import { auditRoutes } from './audit/routes.ts';
import fastifyCookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import { registerAuth } from './auth.ts';
import { sessionRoutes } from './session/routes.ts';
import { catalogRoutes } from './catalogs/routes.ts';
import { simulationRoutes } from './catalogs/simulation-routes.ts';
import { decisionRoutes } from './decisions/routes.ts';
import { HttpError } from './errors.ts';
import { errors } from './schema.ts';
import { listRoutes } from './lists/routes.ts';
import { objectionRoutes } from './objections/routes.ts';
import { publicRoutes } from './public/routes.ts';
import { repairRoutes } from './repairs/routes.ts';
import { recordRoutes } from './records/routes.ts';
import { redact } from './redact.ts';
import type { Service } from './service.ts';
import { subjectRoutes } from './subjects/routes.ts';
import { tokenRoutes } from './tokens/routes.ts';
import { registerWeb } from './web.ts';

export interface ServerOptions {
  /** A pino destination for the logs (tests read them); default stdout. false: no logs. */
  readonly logStream?: { write(line: string): void } | false;
  readonly logLevel?: string;
  /** Requests per token per minute (default rateLimitsPerMinute). */
  readonly rateLimits?: { readonly decisions: number; readonly writes: number; readonly publicPages?: number };
  /** A decision replica serves the decision routes (and health, metrics, docs) only; default the main server. */
  readonly role?: 'main' | 'replica';
}

const version = '0.1.0';

/** A plugin's own error code (FST_..., from Fastify or a plugin) is not ours to promise: a code per status instead. */
const codesByStatus: Readonly<Record<number, string>> = {
  400: 'bad_request',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
};

function frameworkCode(code: string | undefined, status: number): string {
  if (code !== undefined && !code.startsWith('FST_')) return code.toLowerCase();
  return codesByStatus[status] ?? 'bad_request';
}

function errorBody(code: string, message: string, field?: string) {
  return { error: { code, message, ...(field === undefined ? {} : { field }) } };
}

/**
 * Rate limits per token and route on the decision and write routes, counted after authentication (so the key is
 * the token, never an address), and per address on the public list pages (which have no token): 429 rate_limited
 * with Retry-After in our error shape. Declared here for every such route, so a new one cannot escape them.
 */
async function registerRateLimits(
  app: FastifyInstance,
  limits: { readonly decisions: number; readonly writes: number; readonly publicPages?: number },
): Promise<void> {
  app.addHook('onRoute', (route) => {
    const methods = [route.method].flat();
    const decision = route.url.startsWith('/v1/decisions');
    const write = methods.some((m) => m === 'POST' || m === 'PUT' || m === 'DELETE');
    // Public list pages have no token: counted per address.
    const publicPages = route.url.startsWith('/v1/public/lists/');
    if (!decision && !write && !publicPages) return;
    const max = decision
      ? limits.decisions
      : publicPages
        ? (limits.publicPages ?? rateLimitsPerMinute.publicPages)
        : limits.writes;
    route.config = {
      ...route.config,
      // A route may set its own (a login's is per address and much lower).
      rateLimit: route.config?.rateLimit ?? { max, timeWindow: 60_000 },
    };
    if (route.schema?.response !== undefined && typeof route.schema.response === 'object')
      route.schema = { ...route.schema, response: { ...route.schema.response, ...errors(429) } };
  });
  await app.register(rateLimit, {
    global: false,
    hook: 'preHandler',
    keyGenerator: (request) => request.principal?.tokenId ?? request.ip,
    errorResponseBuilder: (_request, context) =>
      new HttpError(
        429,
        'rate_limited',
        `this token may make ${context.max} such requests a minute; retry in ${context.after}`,
      ),
  });
}

export async function buildServer(service: Service, options: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: httpBodyBytesMax,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    // Fastify's own request lines log the URL, which can hold an identifier; ours log the route pattern.
    logController: new LogController({ disableRequestLogging: true }),
    // Errors before routing (a URL that cannot be decoded) get the same JSON shape and a request id.
    frameworkErrors: (error, request, reply: FastifyReply) => {
      // onResponse does not run for these: log the request line here.
      request.log.info(
        { method: request.method, route: 'unmatched', status: 400, code: 'bad_url', error: error.code },
        'request',
      );
      void reply
        .code(400)
        .header('x-request-id', request.id)
        .send(errorBody('bad_url', 'the URL cannot be decoded (check its percent-escapes)'));
    },
    logger:
      options.logStream === false
        ? false
        : { level: options.logLevel ?? 'info', ...(options.logStream ? { stream: options.logStream } : {}) },
  });
  app.setValidatorCompiler(validatorCompiler);
  // JSON only: anything else is 415, not parsed as text.
  app.removeContentTypeParser(['text/plain']);
  // Response schemas document the API; serialising is plain JSON, which keeps the decision path fast.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  app.setErrorHandler((error: FastifyError, request, reply) => {
    let status: number;
    let body: ReturnType<typeof errorBody>;
    if (error instanceof HttpError) {
      status = error.status;
      body = { error: { ...error.body.error, message: redact(error.body.error.message) } };
    } else if (hasZodFastifySchemaValidationErrors(error)) {
      const issue = error.validation[0];
      const path = issue?.instancePath.replace(/^\//, '').replaceAll('/', '.') ?? '';
      const where = error.validationContext ?? 'request';
      const field = path === '' ? where : `${where === 'body' ? '' : `${where}.`}${path}`;
      status = 400;
      body = errorBody('invalid_request', redact(`${field}: ${issue?.message ?? 'invalid'}`), field);
    } else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      status = 413;
      body = errorBody('payload_too_large', `the body is larger than ${httpBodyBytesMax} bytes`);
    } else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      status = 415;
      body = errorBody('unsupported_media_type', 'send the body as application/json');
    } else if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      status = 400;
      body = errorBody('empty_body', 'the JSON body is empty');
    } else if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      status = 400;
      body = errorBody('malformed_json', 'the body is not valid JSON');
    } else if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      status = error.statusCode;
      body = errorBody(frameworkCode(error.code, status), redact(error.message));
    } else {
      request.log.error(
        { err: { type: error.name, message: redact(error.message), stack: redact(error.stack ?? '') } },
        'unexpected error',
      );
      status = 500;
      body = errorBody('internal', 'an unexpected error; it has been logged with this request id');
    }
    if (status < 500) request.log.info({ status, code: body.error.code }, 'request refused');
    void reply.code(status).header('content-type', 'application/json; charset=utf-8').send(body);
  });
  const replica = options.role === 'replica';
  const webPage = replica ? () => false : await registerWeb(app);
  app.setNotFoundHandler((request, reply) => {
    if (webPage(request, reply)) return;
    void reply
      .code(404)
      .send(errorBody('route_not_found', redact(`no route ${request.method} ${request.url.split('?')[0] ?? ''}`)));
  });

  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    service.metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    service.metrics.duration.observe({ route }, reply.elapsedTime / 1000);
    // One line per request: the route pattern, never the URL (it can hold an identifier).
    request.log.info(
      { method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 },
      'request',
    );
  });

  await app.register(fastifyCookie);
  registerAuth(app, service.tokens, service.context.keys, {
    relationsOfOrganisation: (organisation) => service.context.store.relationsOfOrganisation(organisation),
    nowMs: service.clock,
  });
  await registerRateLimits(app, options.rateLimits ?? rateLimitsPerMinute);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Credence',
        version,
        description:
          'A points-and-lists register built as a rule-of-law system. Every error is {"error": {"code", "message", "field"}} with a stable code. ' +
          'Authenticate with Authorization: Bearer <token> (credence tokens create). ' +
          `Request bodies are at most ${httpBodyBytesMax} bytes (413 beyond); batch, page and string limits are in each schema.`,
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/healthz',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Liveness and the state of the index and the decision log',
        tags: ['service'],
        security: [],
        response: {
          200: z.object({
            status: z.literal('ok'),
            role: z.enum(['main', 'replica']),
            indexSubjects: z.number().int(),
            decisionLogPending: z.number().int(),
            decisionLogWritten: z.number().int(),
            replication: z
              .object({
                appliedSequence: z.number().int().describe('the last change stream message applied'),
                streamSequence: z.number().int().describe('the last message the stream is known to hold'),
                lag: z.number().int().describe('messages not yet applied'),
                snapshots: z.number().int().describe('snapshots loaded: one at start, one per gap'),
                resubscriptions: z.number().int().describe('consumers replaced after they stopped delivering'),
                streamReachable: z.boolean(),
              })
              .optional()
              .describe('on a decision replica: how far it is behind the change stream'),
          }),
        },
      },
    },
    async () => {
      const r = service.replication;
      return {
        status: 'ok' as const,
        role: replica ? ('replica' as const) : ('main' as const),
        indexSubjects: service.index.size,
        decisionLogPending: service.decisionLog.pending,
        decisionLogWritten: service.decisionLog.written,
        ...(r === undefined
          ? {}
          : {
              replication: {
                appliedSequence: r.appliedSequence,
                streamSequence: r.streamSequence,
                lag: r.lag,
                snapshots: r.snapshots,
                resubscriptions: r.resubscriptions,
                streamReachable: r.streamReachable,
              },
            }),
      };
    },
  );
  api.get(
    '/metrics',
    {
      config: { access: 'public' },
      schema: { summary: 'Prometheus metrics', tags: ['service'], security: [], produces: ['text/plain'] },
    },
    async (_request, reply) => {
      void reply.header('content-type', service.metrics.registry.contentType);
      return service.metrics.registry.metrics();
    },
  );
  api.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());

  decisionRoutes(app, service);
  if (replica) {
    await app.ready();
    return app;
  }
  recordRoutes(app, service);
  subjectRoutes(app, service);
  catalogRoutes(app, service);
  simulationRoutes(app, service);
  listRoutes(app, service);
  auditRoutes(app, service);
  tokenRoutes(app, service);
  objectionRoutes(app, service);
  publicRoutes(app, service);
  repairRoutes(app, service);
  sessionRoutes(app, service);
  accountRoutes(app, service);
  agencyRoutes(app, service);
  await app.ready();
  return app;
}
