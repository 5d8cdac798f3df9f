/**
 * GET /v1/agencies: every agency with its remit as the published catalogs set it, held to the catalog set's own
 * answer (agencyMayReport) for every agency and every rule code; a new version that drops an agency from a rule
 * keeps the entry, marked no longer in force, and the new reporter gains it. Administrators only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import { publishCatalog } from '../../src/app/catalogs.ts';
import { demoAgencies, demoCatalogInputs } from '../support/demo-catalogs.ts';
import { call, fixedNow, fixedNowMs, parseBody, startHarness, type Harness } from './support.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.stop());

const localized = z.strictObject({ 'zh-CN': z.string(), en: z.string() });
const agencies = z.strictObject({
  agencies: z.array(
    z.strictObject({
      id: z.string(),
      kind: z.string(),
      name: localized,
      remit: z.array(
        z.strictObject({
          scheme: z.string(),
          code: z.string(),
          title: localized,
          version: z.number().int(),
          inForce: z.boolean(),
        }),
      ),
    }),
  ),
});

const read = async () => parseBody(await call(h.app, 'GET', '/v1/agencies', { token: h.tokens.admin }), agencies);

describe('GET /v1/agencies', () => {
  test('lists every agency by id, with its kind and bilingual name', async () => {
    const body = await read();
    const expected = demoAgencies().sort((a, b) => a.id.localeCompare(b.id));
    assert.deepEqual(
      body.agencies.map(({ id, kind, name }) => ({ id, kind, name })),
      expected,
    );
  });

  test('each remit is exactly the codes the catalogs let the agency report, by scheme and code', async () => {
    const body = await read();
    const catalogs = h.service.context.catalogs;
    const codes = new Set(
      catalogs.schemeIds.flatMap((s) => catalogs.versionsOf(s).flatMap((v) => v.catalog.rules.map((r) => r.code))),
    );
    for (const agency of body.agencies) {
      const listed = new Set(agency.remit.map((e) => e.code));
      for (const code of codes) {
        assert.equal(listed.has(code), catalogs.agencyMayReport(agency.id, code), `${agency.id} ${code}`);
      }
      const order = agency.remit.map((e) => `${e.scheme} ${e.code}`);
      assert.deepEqual(order, [...order].sort(), `${agency.id}'s remit is in order`);
    }
    const court = body.agencies.find((a) => a.id === 'city-court');
    assert.deepEqual(
      court?.remit.find((e) => e.code === 'court.defaulter.refuses' && e.scheme === 'court-defaulters'),
      {
        scheme: 'court-defaulters',
        code: 'court.defaulter.refuses',
        title: catalogs
          .versionsOf('court-defaulters')[0]
          ?.catalog.rules.find((r) => r.code === 'court.defaulter.refuses')?.title,
        version: 1,
        inForce: true,
      },
    );
    // A code in two schemes is an entry in each.
    assert.deepEqual(
      court?.remit.filter((e) => e.code === 'court.defaulter.refuses').map((e) => e.scheme),
      ['court-defaulters', 'rongcheng-residents'],
    );
  });

  test('a version that moves a rule to another agency: the old reporter keeps it as not in force, the new gains it', async () => {
    const input = demoCatalogInputs().find(
      (c) => (c as { scheme: { id: string } }).scheme.id === 'government-commitments',
    ) as { rules: { code: string; agencies: string[] }[] };
    const next = {
      ...input,
      effectiveFrom: fixedNow,
      rules: input.rules.map((r) => (r.code === 'gov.contract_breach' ? { ...r, agencies: ['credit-office'] } : r)),
    };
    const published = await publishCatalog(h.service.context, next, { nowMs: fixedNowMs, actor: 'admin' });
    assert.ok(published.ok, JSON.stringify(published));
    const body = await read();
    const entry = (agency: string) =>
      body.agencies
        .find((a) => a.id === agency)
        ?.remit.find((e) => e.scheme === 'government-commitments' && e.code === 'gov.contract_breach');
    assert.deepEqual([entry('city-court')?.version, entry('city-court')?.inForce], [1, false]);
    assert.deepEqual([entry('credit-office')?.version, entry('credit-office')?.inForce], [2, true]);
  });

  test('is for administrators only', async () => {
    for (const token of [h.tokens.reviewer, h.tokens.cityCourt, h.tokens.servicePoint]) {
      const answer = await call(h.app, 'GET', '/v1/agencies', { token });
      assert.equal(answer.status, 403, answer.text);
      assert.equal((answer.json as { error: { code: string } }).error.code, 'forbidden_role');
    }
    assert.equal((await call(h.app, 'GET', '/v1/agencies')).status, 401);
  });
});
