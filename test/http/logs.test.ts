/**
 * Logs: personal identifiers never appear in a log line (DESIGN.md, Conventions). A series of requests carries
 * resident IDs, USCCs and passports in query strings, paths and bodies, valid and invalid, answered and refused;
 * every line the server writes meanwhile is read back. Each request has exactly one `request` line with its
 * request id (the x-request-id header) and its route pattern, and no line names an identifier or its first 17
 * characters.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  call,
  ids,
  parseLogLines,
  requestLineOf,
  startHarness,
  type Answer,
  type Call,
  type Harness,
  type Method,
} from './support.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.stop());

const badResidentId = '110105194912310021';
const badUscc = '91110108551385082A';
const badPassport = 'passport:XXX:C01X00T47';
const identifiers = [...Object.values(ids), badResidentId, badUscc, badPassport];

/** What must not appear in a log line: each identifier, its first 17 characters, a passport's number. */
function needlesOf(identifier: string): string[] {
  const needles = [identifier, encodeURIComponent(identifier)];
  if (identifier.startsWith('passport:')) needles.push(identifier.split(':')[2] ?? identifier);
  else needles.push(identifier.slice(0, 17));
  return needles.map((n) => n.toLowerCase());
}

interface Sent {
  readonly label: string;
  readonly answer: Answer;
  readonly route: string;
}

test('request lines carry a request id and a route pattern, and no line names a subject', async () => {
  const firstLine = h.lines.length;
  const sent: Sent[] = [];
  const send = async (label: string, route: string, method: Method, url: string, options: Call = {}) => {
    const answer = await call(h.app, method, url, options);
    sent.push({ label, answer, route });
    return answer;
  };
  const sp = h.tokens.servicePoint;
  const decide = (subject: string, action = 'travel.flight', token: string | undefined = sp) =>
    send(
      `decide ${subject} ${action}`,
      '/v1/decisions',
      'GET',
      `/v1/decisions?subject=${encodeURIComponent(subject)}&action=${action}`,
      {
        ...(token === undefined ? {} : { token }),
      },
    );
  const record = (agencyRef: string, subject: string, overrides: Record<string, unknown> = {}) => ({
    agencyRef,
    subject,
    code: 'traffic.fine',
    effectiveAt: '2026-10-01T08:00:00Z',
    evidence: `ticket for ${subject}`,
    amount: 300,
    ...overrides,
  });
  const submit = (label: string, records: unknown[]) =>
    send(label, '/v1/records', 'POST', '/v1/records', { token: h.tokens.trafficPolice, body: { records } });

  // Decisions: valid and invalid subjects of every kind, allowed and refused.
  for (const subject of [ids.defaulter, ids.legalRep, ids.passportDefaulter, ids.cleanPassport, ids.cleanCompany])
    await decide(subject);
  await decide(ids.legalRep, 'procurement.bid');
  await decide(ids.defaulter.toLowerCase());
  for (const subject of [badResidentId, badUscc, badPassport, ids.defaulter.slice(0, 17)]) await decide(subject);
  await decide(ids.clean, 'hotel.star_rated');
  await decide(ids.clean, 'travel.teleport');
  await decide(ids.defaulter, 'travel.flight', undefined);
  await decide(ids.defaulter, 'travel.flight', `cr_${'0'.repeat(16)}_${'A'.repeat(43)}`);
  await decide(ids.defaulter.repeat(4));
  await send('batch', '/v1/decisions/batch', 'POST', '/v1/decisions/batch', {
    token: sp,
    body: { action: 'travel.flight', subjects: [ids.defaulter, badResidentId, ids.cleanPassport, badPassport] },
  });
  await send('batch outside scope', '/v1/decisions/batch', 'POST', '/v1/decisions/batch', {
    token: sp,
    body: { action: 'property.purchase', subjects: [ids.defaulter, ids.company] },
  });

  // Records: accepted, per-item rejections, whole-batch refusals, and bodies that never parse.
  await submit('records mixed', [
    record('LOG-1', ids.clean),
    record('LOG-2', badResidentId),
    record('LOG-3', badPassport),
    record('LOG-4', ids.clean2, { effectiveAt: '2027-01-01T00:00:00Z' }),
  ]);
  await submit('records duplicate', [record('LOG-1', ids.clean)]);
  await submit('records conflict', [record('LOG-1', ids.defaulter)]);
  await submit('records bad id', [record('LOG-5', badResidentId)]);
  await submit('records organisation', [record('LOG-6', ids.cleanCompany)]);
  await submit('records outside remit', [record('LOG-7', ids.defaulter, { code: 'court.defaulter.refuses' })]);
  await submit('records missing field', [{ agencyRef: 'LOG-8', subject: ids.defaulter2, code: 'traffic.fine' }]);
  await send('records malformed', '/v1/records', 'POST', '/v1/records', {
    token: h.tokens.trafficPolice,
    body: `{"records": [{"subject": "${ids.defaulter}"`,
    headers: { 'content-type': 'application/json' },
  });
  await send('records text', '/v1/records', 'POST', '/v1/records', {
    token: h.tokens.trafficPolice,
    body: `subject=${ids.legalRep}`,
    headers: { 'content-type': 'text/plain' },
  });
  await send('records as a reviewer', '/v1/records', 'POST', '/v1/records', {
    token: h.tokens.reviewer,
    body: { records: [record('LOG-9', ids.defaulter)] },
  });
  await send('own records', '/v1/records', 'GET', '/v1/records', { token: h.tokens.trafficPolice });
  const retraction = '/v1/records/:agencyRef/retraction';
  await send('retract', retraction, 'POST', '/v1/records/LOG-1/retraction', {
    token: h.tokens.trafficPolice,
    body: { agencyRef: 'LOG-1-R', reason: `wrong person: ${ids.clean}, not ${ids.clean2}` },
  });
  await send(
    'retract unknown',
    retraction,
    'POST',
    `/v1/records/${encodeURIComponent(`CASE-${ids.legalRep}`)}/retraction`,
    {
      token: h.tokens.trafficPolice,
      body: { agencyRef: `R-${ids.legalRep}`, reason: `about ${ids.legalRep}` },
    },
  );

  // Subjects: identifiers in the path, good and bad, with good and bad instants, by allowed and refused roles.
  const standing = '/v1/subjects/:subject/standing';
  const explanation = '/v1/subjects/:subject/explanation';
  const reviewer = h.tokens.reviewer;
  for (const subject of [ids.defaulter, ids.company, ids.passportDefaulter, badResidentId, badUscc, badPassport]) {
    await send(`standing ${subject}`, standing, 'GET', `/v1/subjects/${encodeURIComponent(subject)}/standing`, {
      token: reviewer,
    });
  }
  await send('explanation', explanation, 'GET', `/v1/subjects/${ids.legalRep}/explanation`, { token: reviewer });
  await send('explanation passport raw', explanation, 'GET', `/v1/subjects/${ids.cleanPassport}/explanation`, {
    token: h.tokens.admin,
  });
  await send('standing bad at', standing, 'GET', `/v1/subjects/${ids.defaulter}/standing?at=${ids.defaulter}`, {
    token: reviewer,
  });
  await send('standing as an agency', standing, 'GET', `/v1/subjects/${ids.defaulter}/standing`, {
    token: h.tokens.cityCourt,
  });
  await send('standing without a token', standing, 'GET', `/v1/subjects/${ids.company}/standing`);

  // Lists, audit, tokens and unknown routes.
  await send(
    'members after',
    '/v1/lists/:list/members',
    'GET',
    `/v1/lists/court-defaulters/members?after=${ids.defaulter}`,
    {
      token: reviewer,
    },
  );
  await send('members', '/v1/lists/:list/members', 'GET', '/v1/lists/market-serious-dishonesty/members', {
    token: reviewer,
  });
  await send('audit', '/v1/audit/events', 'GET', '/v1/audit/events?limit=1000', { token: reviewer });
  await send('token named by an id', '/v1/tokens', 'POST', '/v1/tokens', {
    token: h.tokens.admin,
    body: { role: 'agency', name: ids.legalRep },
  });
  await send('draft with ids', '/v1/catalogs/:scheme/draft', 'PUT', '/v1/catalogs/court-defaulters/draft', {
    token: h.tokens.admin,
    body: { scheme: { id: ids.company }, notes: ids.defaulter },
  });
  await send(
    'unknown route',
    'unmatched',
    'GET',
    `/v1/people/${ids.defaulter}?passport=${encodeURIComponent(ids.cleanPassport)}`,
  );
  await send('unknown subroute', 'unmatched', 'GET', `/v1/subjects/${ids.company}/records`, { token: reviewer });
  await h.service.decisionLog.flush();

  const lines = h.lines.slice(firstLine);
  const parsed = parseLogLines(lines);
  assert.ok(lines.length >= sent.length, `${lines.length} lines for ${sent.length} requests`);

  // Every line belongs to a request; every request line names a route pattern.
  for (const line of parsed) {
    assert.equal(typeof line.reqId, 'string', `a line without a request id: ${JSON.stringify(line)}`);
    if (line.msg !== 'request') continue;
    assert.equal(typeof line.route, 'string');
    assert.ok(line.route === 'unmatched' || line.route?.startsWith('/'), `route ${String(line.route)}`);
    assert.equal(typeof line.method, 'string');
    assert.equal(typeof line.status, 'number');
  }

  // Each answer's x-request-id is the reqId of its one request line, which names the route pattern and status.
  const reqIds = new Set<string>();
  for (const { label, answer, route } of sent) {
    const line = requestLineOf(lines, answer);
    assert.equal(line.reqId, answer.headers['x-request-id'], label);
    assert.equal(line.route, route, label);
    assert.equal(line.status, answer.status, label);
    reqIds.add(String(line.reqId));
    // A refusal that went through the error handler is logged with its code (and nothing else about it).
    const code = (answer.json as { error?: { code?: string } } | undefined)?.error?.code;
    if (answer.status >= 400 && route !== 'unmatched') {
      const refused = parsed.filter((l) => l.reqId === line.reqId && l.msg === 'request refused');
      assert.deepEqual(
        refused.map((l) => [l.status, l.code]),
        [[answer.status, code]],
        label,
      );
    }
  }
  assert.equal(reqIds.size, sent.length, 'request ids are distinct');
  assert.deepEqual(
    parsed.filter((l) => !reqIds.has(String(l.reqId))),
    [],
    'no line from a request the test did not send',
  );
  assert.ok(sent.some((s) => s.answer.status === 200) && sent.some((s) => s.answer.status >= 400));

  // No identifier, in any case or encoding, nor its first 17 characters, in any line.
  const leaks: string[] = [];
  for (const line of lines) {
    const lower = line.toLowerCase();
    for (const identifier of identifiers)
      for (const needle of needlesOf(identifier)) if (lower.includes(needle)) leaks.push(`${needle} in ${line}`);
  }
  assert.deepEqual(leaks, []);
});

test('a request whose URL cannot be decoded still gets a request id and a request line, with no identifier', async () => {
  const firstLine = h.lines.length;
  const answer = await call(h.app, 'GET', `/v1/subjects/${ids.defaulter}%ZZ/standing`, { token: h.tokens.reviewer });
  assert.equal(answer.status, 400);
  const lines = h.lines.slice(firstLine);
  for (const line of lines)
    for (const needle of needlesOf(ids.defaulter)) assert.ok(!line.toLowerCase().includes(needle), line);
  const reqId = answer.headers['x-request-id'];
  assert.equal(typeof reqId, 'string', `an x-request-id header: ${JSON.stringify(answer.headers)}`);
  const line = requestLineOf(lines, answer);
  assert.equal(line.status, 400);
});
