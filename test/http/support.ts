/**
 * HTTP test support: a running service on a fresh SQLite store with the demo agencies and catalogs published, a
 * few records already submitted (so the decision index has members), a relation from a listed company to its
 * legal representative, and one bearer token per role. Requests go through Fastify's `inject` (no network port);
 * the clock is fixed, so every instant in a response is known in advance.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { publishCatalog } from '../../src/app/catalogs.ts';
import { openContext } from '../../src/app/context.ts';
import { submitRecords } from '../../src/app/records.ts';
import { createToken } from '../../src/app/tokens.ts';
import type { RecordInput } from '../../src/core/record.ts';
import type { Service } from '../../src/http/service.ts';
import { startService } from '../../src/http/start.ts';
import type { TokenRole } from '../../src/store/ports.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { testKeys } from '../support/keys.ts';
import { keepServerOutput } from '../support/server-output.ts';
import { demoAgencies, demoCatalogInputs, demoPublishedAtMs } from '../support/demo-catalogs.ts';

export const fixedNow = '2026-11-22T00:00:00.000Z';
export const fixedNowMs = Date.parse(fixedNow);

/** Every identifier below is valid (check characters computed); none is a real person's or company's. */
export const ids = {
  /** A person on the court defaulter list (court.defaulter.refuses, city-court, CC-1). */
  defaulter: '11010519491231002X',
  /** A second person on the court defaulter list (court.defaulter.obstruction, city-court, CC-2). */
  defaulter2: '32010219700101555X',
  /** A foreigner on the court defaulter list (city-court, CC-3): retracted by the tests. */
  passportDefaulter: 'passport:DEU:C01X00T47',
  /** A company on the market serious dishonesty list (market.licence_revoked, market-regulator, MR-1). */
  company: '91110108551385082Q',
  /** The company's legal representative: no records of their own. */
  legalRep: '360426199101010071',
  /** A second listed company (MR-2) and its legal representative: the tests retract that listing. */
  company2: '91310000MA1FL1234Q',
  legalRep2: '510104198002023335',
  /** A person with a traffic fine (traffic.fine, traffic-police, TP-1): points, no measure. */
  fined: '440304198506151237',
  /** People and an organisation with nothing recorded. */
  clean: '110101199003070011',
  clean2: '420106197505054447',
  cleanPassport: 'passport:FRA:12AB34567',
  cleanCompany: '91440300708461136T',
} as const;

/** Records submitted before the service starts, by agency. */
export const seedRecords: Readonly<Record<string, readonly RecordInput[]>> = {
  'city-court': [
    {
      agencyRef: 'CC-1',
      subject: ids.defaulter,
      code: 'court.defaulter.refuses',
      effectiveAt: '2026-03-01T00:00:00Z',
      evidence: '(2026) 京01执123号',
    },
    {
      agencyRef: 'CC-2',
      subject: ids.defaulter2,
      code: 'court.defaulter.obstruction',
      effectiveAt: '2026-06-01T00:00:00Z',
      evidence: '(2026) 京01执456号',
    },
    {
      agencyRef: 'CC-3',
      subject: ids.passportDefaulter,
      code: 'court.defaulter.refuses',
      effectiveAt: '2026-04-01T00:00:00Z',
      evidence: '(2026) 京01执789号',
    },
  ],
  'market-regulator': [
    {
      agencyRef: 'MR-1',
      subject: ids.company,
      code: 'market.licence_revoked',
      effectiveAt: '2026-05-01T00:00:00Z',
      evidence: '京市监罚〔2026〕1号',
    },
    {
      agencyRef: 'MR-2',
      subject: ids.company2,
      code: 'market.licence_revoked',
      effectiveAt: '2026-05-02T00:00:00Z',
      evidence: '京市监罚〔2026〕2号',
    },
  ],
  'traffic-police': [
    {
      agencyRef: 'TP-1',
      subject: ids.fined,
      code: 'traffic.fine',
      effectiveAt: '2026-09-01T08:00:00Z',
      evidence: 'ticket TP-1',
      amount: 800,
    },
  ],
};

export type TokenName =
  'trafficPolice' | 'cityCourt' | 'marketRegulator' | 'servicePoint' | 'reviewer' | 'admin' | 'spare';

const tokenSpecs: Readonly<Record<TokenName, { role: TokenRole; name: string; scope: string[] }>> = {
  trafficPolice: { role: 'agency', name: 'traffic-police', scope: [] },
  cityCourt: { role: 'agency', name: 'city-court', scope: [] },
  marketRegulator: { role: 'agency', name: 'market-regulator', scope: [] },
  servicePoint: { role: 'service-point', name: 'airport-desk', scope: ['travel.flight', 'procurement.bid'] },
  reviewer: { role: 'reviewer', name: 'reviewer-1', scope: [] },
  admin: { role: 'admin', name: 'admin-1', scope: [] },
  /** A second reviewer token, for tests that revoke one. */
  spare: { role: 'reviewer', name: 'reviewer-2', scope: [] },
};

export interface Harness {
  readonly app: FastifyInstance;
  readonly service: Service;
  readonly tokens: Readonly<Record<TokenName, string>>;
  readonly tokenIds: Readonly<Record<TokenName, string>>;
  /** Every log line the server wrote, as written (JSON text). */
  readonly lines: string[];
  /** The database file, for a test that writes to it as another process would. */
  readonly path: string;
  stop(): Promise<void>;
}

export async function startHarness(
  options: {
    readonly rateLimits?: { readonly decisions: number; readonly writes: number; readonly publicPages?: number };
  } = {},
): Promise<Harness> {
  const folder = mkdtempSync(join(tmpdir(), 'credence-http-'));
  const path = join(folder, 'credence.db');
  const store = openSqliteStore(path, { create: true, keys: testKeys });
  const context = await openContext(store, { keys: testKeys });
  await store.transaction((tx) => tx.putAgencies(demoAgencies()));
  for (const input of demoCatalogInputs()) {
    const published = await publishCatalog(context, input, { nowMs: demoPublishedAtMs, actor: 'admin' });
    if (!published.ok) throw new Error(published.problem.message);
  }
  for (const [agency, records] of Object.entries(seedRecords)) {
    const result = await submitRecords(context, records, { nowMs: fixedNowMs, agency });
    assert.equal(result.accepted, records.length, `seed records of ${agency}: ${JSON.stringify(result.results)}`);
  }
  const fromMs = Date.parse('2024-01-01T00:00:00Z');
  await store.transaction(async (tx) => {
    await tx.putSubjects(
      [ids.legalRep, ids.legalRep2].map((key) => ({
        key,
        scheme: 'resident_id' as const,
        kind: 'person' as const,
        region: key.slice(0, 6),
      })),
    );
    await tx.putRelations([
      { organisation: ids.company, person: ids.legalRep, role: 'legal_representative', fromMs },
      { organisation: ids.company2, person: ids.legalRep2, role: 'legal_representative', fromMs },
    ]);
  });
  const tokens = {} as Record<TokenName, string>;
  const tokenIds = {} as Record<TokenName, string>;
  for (const [key, spec] of Object.entries(tokenSpecs) as [TokenName, (typeof tokenSpecs)[TokenName]][]) {
    const created = await createToken(context, spec, { nowMs: fixedNowMs, actor: 'admin' });
    if (!created.ok) throw new Error(created.problem.message);
    tokens[key] = created.value.token;
    tokenIds[key] = created.value.record.id;
  }

  const lines: string[] = [];
  const running = await startService(store, {
    keys: testKeys,
    ...(options.rateLimits === undefined ? {} : { rateLimits: options.rateLimits }),
    logStream: {
      write(line: string) {
        lines.push(line);
        keepServerOutput('log', line);
      },
    },
    clock: () => fixedNowMs,
  });
  return {
    app: running.app,
    service: running.service,
    tokens,
    tokenIds,
    lines,
    path,
    stop: async () => {
      await running.stop();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface Call {
  readonly token?: string;
  /** A JSON body (sent as application/json), or raw text with the content type in `headers`. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, unknown>>;
  readonly text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  readonly json: unknown;
}

export async function call(app: FastifyInstance, method: Method, url: string, options: Call = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let payload: string | undefined;
  if (typeof options.body === 'string') payload = options.body;
  else if (options.body !== undefined) {
    payload = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
  let json: unknown;
  try {
    json = JSON.parse(response.body);
  } catch {
    json = undefined;
  }
  if (response.statusCode >= 400) keepServerOutput('error', response.body);
  else if (url.startsWith('/metrics')) keepServerOutput('metrics', response.body);
  return { status: response.statusCode, headers: response.headers, text: response.body, json };
}

/** The body, checked against a schema (the route's documented response schema where it has one) and typed by it. */
export function parseBody<T>(answer: Answer, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(answer.json);
  assert.ok(parsed.success, `response ${answer.status} ${answer.text.slice(0, 500)} does not match its schema`);
  return parsed.data;
}

/** Asserts an error answer: its status and its exact `{ error: { code, message, field? } }` body. */
export function assertError(answer: Answer, status: number, code: string, message: string, field?: string): void {
  assert.equal(answer.status, status, `status of ${answer.text}`);
  assert.deepEqual(answer.json, { error: { code, message, ...(field === undefined ? {} : { field }) } });
}

/** The role's 403 message, as the auth hook words it. */
export function forbiddenRoleMessage(role: string, method: Method, route: string, allowed: readonly string[]): string {
  return `this ${role} token may not ${method} ${route}; allowed: ${allowed.join(', ')}`;
}

export const messages = {
  noToken: 'this route needs a bearer token (Authorization: Bearer <token>) or a session (POST /v1/session)',
  malformed: 'the Authorization header must be: Bearer <token>',
  unknownToken: 'the bearer token is unknown or revoked',
} as const;

/** A log line as pino writes it, with the fields the server's request line carries. */
export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly reqId?: string;
  readonly route?: string;
  readonly method?: string;
  readonly status?: number;
  readonly code?: string;
}

export function parseLogLines(lines: readonly string[]): LogLine[] {
  return lines.map((line) => JSON.parse(line) as LogLine);
}

/** The one `request` line the server logged for this answer (found by its x-request-id). */
export function requestLineOf(lines: readonly string[], answer: Answer): LogLine {
  const reqId = answer.headers['x-request-id'];
  assert.equal(typeof reqId, 'string', `the answer has an x-request-id header: ${JSON.stringify(answer.headers)}`);
  const found = parseLogLines(lines).filter((l) => l.msg === 'request' && l.reqId === reqId);
  assert.equal(found.length, 1, `one request line for ${String(reqId)}`);
  const [line] = found;
  assert.ok(line);
  return line;
}
