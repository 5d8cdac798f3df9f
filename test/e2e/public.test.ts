/**
 * The public register in a real browser, in English and Chinese: the rules of every scheme, one scheme's versions
 * and content, the diff between two versions (a second version published first through the API as the demo's
 * administrator), the published lists with masked members, paging, the rule filter, the search by identifier
 * (found, not found, invalid; never in the page's address) and the downloads, the statistics' charts with their
 * tables and downloads, and the audit checkpoint. Axe finds nothing on any page; nothing is logged as an error.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Browser, Download, Page } from 'playwright-core';
import { parse as parseYaml } from 'yaml';
import {
  accessibilityViolations,
  type Demo,
  openPage,
  overflowOf,
  phoneViewport,
  root,
  screenshot,
  startDemoAndBrowser,
} from './support.ts';

let demo: Demo;
let browser: Browser;
/** Published members of the court defaulter list, unmasked, as the command line gives them to staff. */
let defaulters: { subject: string; code: string }[];
/** The same members as the command line masks them (persons masked, organisations in full), in the same order. */
let maskedDefaulters: string[];

/** A valid resident ID (check character computed) born in 1901: nobody in the demo city. */
const unlisted = '110105190101010017';
/** A resident ID whose check character is wrong. */
const invalid = '110105190101010010';

startDemoAndBrowser((started) => ({ demo, browser } = started), {
  setUp: async () => {
    const listed = demo.cli('lists', 'court-defaulters', '--unmasked', '--json', '--limit', '1000');
    assert.equal(listed.status, 0, listed.stderr);
    defaulters = JSON.parse(listed.stdout) as { subject: string; code: string }[];
    const masked = demo.cli('lists', 'court-defaulters', '--json', '--limit', '1000');
    maskedDefaulters = (JSON.parse(masked.stdout) as { subject: string }[]).map((m) => m.subject);
    assert.equal(maskedDefaulters.length, defaulters.length);
    assert.ok(defaulters.length > 50, `the demo lists more than a page of court defaulters (${defaulters.length})`);
  },
});

async function visit(locale: 'en' | 'zh-CN', path: string, viewport?: { width: number; height: number }) {
  const opened = await openPage(browser, demo, { locale, ...(viewport ? { viewport } : {}) });
  await opened.page.goto(path);
  return opened;
}

async function heading(page: Page, text: string): Promise<void> {
  await page.locator('h1', { hasText: text }).waitFor();
}

async function savedText(download: Download): Promise<string> {
  const path = await download.path();
  return readFileSync(path, 'utf8');
}

async function noOverflow(page: Page): Promise<void> {
  const overflow = await overflowOf(page);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
}

test('the rules of every scheme: authority, jurisdiction, subjects, version in force, rules', async () => {
  for (const [locale, title, court, version] of [
    ['en', 'Published rules', 'Court defaulter list', 'Version 1'],
    ['zh-CN', '公开规则', '失信被执行人名单', '第 1 版'],
  ] as const) {
    const { context, page, problems } = await visit(locale, '/catalogs');
    await heading(page, title);
    const row = page.locator('tbody tr', { has: page.getByRole('link', { name: court, exact: true }) });
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    assert.equal(cells[1], '110000', 'jurisdiction');
    assert.equal(cells[3], version);
    assert.equal(cells[5], '5', 'five rules');
    assert.equal(await page.locator('tbody tr').count(), 8, 'the eight demo schemes');
    assert.deepEqual(await accessibilityViolations(page), []);
    if (locale === 'en') await screenshot(page, 'public-catalogs-en');
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('one scheme: its versions, settings, lists, rules with their legal basis and effect, and measures', async () => {
  {
    const { context, page, problems } = await visit('zh-CN', '/catalogs');
    await page.getByRole('link', { name: '失信被执行人名单', exact: true }).first().click();
    await heading(page, '失信被执行人名单');
    assert.equal(new URL(page.url()).pathname, '/catalogs/court-defaulters');
    await page.getByText('法释〔2017〕7号 第一条第（一）项').waitFor();
    const refuses = page.locator('#rule-court\\.defaulter\\.refuses');
    assert.match(await refuses.innerText(), /列入“失信被执行人名单”，至移出之日止（最长 1,825 日）/);
    assert.match(await refuses.innerText(), /司法判决执行/);
    await page.getByText('自告知之日起 15 日').waitFor();
    await page.getByText('自列入之日起公示 1,095 日').waitFor();
    await page.getByText('限制高消费及非生活和工作必需的消费').waitFor();
    await page.getByText('组织被列入名单的，同时约束其法定代表人、主要负责人。').waitFor();
    const history = page.locator('table').first();
    assert.match(await history.innerText(), /第 1 版[\s\S]*现行有效/);
    assert.deepEqual(await accessibilityViolations(page), []);
    await screenshot(page, 'public-catalog-zh-CN');
    assert.deepEqual(problems, []);
    await context.close();
  }
  {
    const { context, page, problems } = await visit('en', '/catalogs/rongcheng-residents');
    await heading(page, 'Resident trust points');
    await page.getByText('base 1,000, minimum 0, maximum 2,000').waitFor();
    const fine = await page.locator('#rule-traffic\\.fine').innerText();
    assert.match(fine, /Points by amount: up to 500: -10; up to 2,000: -20; up to 10,000: -30; more: -40/);
    assert.match(fine, /Repeated: ×2 for each earlier record still counting, at most ×2/);
    assert.deepEqual(await accessibilityViolations(page), []);
    assert.deepEqual(problems, []);
    await context.close();
  }
  {
    const { context, page } = await visit('en', '/catalogs/nope');
    await page.getByRole('alert').getByText('no published scheme nope').waitFor();
    await page.getByText('Error code: unknown_scheme').waitFor();
    await context.close();
  }
});

test('a second version published, the diff names the changed rule, field by field', async () => {
  // As the demo's administrator, through the API the admin pages use: save a draft, publish it.
  const admin = demo.account('admin');
  const { context: adminContext, page: adminPage } = await openPage(browser, demo);
  const session = await adminPage.request.post('/v1/session', {
    data: { login: admin.login, password: admin.password },
  });
  assert.equal(session.status(), 201, await session.text());
  const { csrfToken } = (await session.json()) as { csrfToken: string };
  const draft = parseYaml(readFileSync(join(root, 'catalogs/demo/court-defaulters.yaml'), 'utf8')) as {
    effectiveFrom: string;
    rules: { code: string; effects: { termDays?: number }[] }[];
  };
  draft.effectiveFrom = new Date(Date.now() + 7 * 86_400_000).toISOString();
  const obstruction = draft.rules.find((r) => r.code === 'court.defaulter.obstruction');
  assert.equal(obstruction?.effects[0]?.termDays, 730);
  if (obstruction?.effects[0]) obstruction.effects[0].termDays = 540;
  const headers = { 'x-csrf-token': csrfToken };
  const saved = await adminPage.request.put('/v1/catalogs/court-defaulters/draft', { data: draft, headers });
  assert.equal(saved.status(), 200, await saved.text());
  const published = await adminPage.request.post('/v1/catalogs/court-defaulters/draft/publish', { headers });
  assert.equal(published.status(), 201, await published.text());
  await adminContext.close();

  const { context, page, problems } = await visit('en', '/catalogs/court-defaulters');
  await heading(page, 'Court defaulter list');
  const history = await page.locator('table').first().innerText();
  assert.match(history, /Version 1[\s\S]*In force[\s\S]*Version 2[\s\S]*Not yet in force/);
  await page.getByRole('link', { name: 'Compare versions' }).click();
  await heading(page, 'Changes between versions');
  assert.equal(new URL(page.url()).search, '?from=1&to=2');
  await page.getByRole('heading', { name: 'Version 1 → version 2' }).waitFor();
  const rule = page.getByRole('region', { name: 'Rule court.defaulter.obstruction' });
  await rule.getByText('changed').waitFor();
  const row = rule.locator('tr', { hasText: 'effects.0.termDays' });
  assert.deepEqual(await row.locator('td').allTextContents(), ['730', '540']);
  await page.getByRole('region', { name: 'Version catalog' }).getByText('effectiveFrom').waitFor();
  assert.equal(await page.getByRole('region', { name: /^Rule / }).count(), 1, 'only the one rule changed');
  assert.deepEqual(await accessibilityViolations(page), []);
  await screenshot(page, 'public-diff-en');

  // The pickers: a version against itself has no change.
  await page.getByLabel('From version').selectOption('2');
  await page.getByRole('button', { name: 'Compare' }).click();
  await page.getByText('No change: the two versions are the same.').waitFor();
  assert.equal(new URL(page.url()).search, '?from=2&to=2');
  assert.deepEqual(problems, []);
  await context.close();

  const zh = await visit('zh-CN', '/catalogs/court-defaulters/diff?from=1&to=2');
  await heading(zh.page, '版本变更对照');
  await zh.page.getByText('共 2 处变更').waitFor();
  assert.deepEqual(await accessibilityViolations(zh.page), []);
  assert.deepEqual(zh.problems, []);
  await zh.context.close();
});

test('the published lists: kind in words, scheme, members published', async () => {
  for (const [locale, title, court, black] of [
    ['en', 'Published lists', 'Court defaulters', 'Black list'],
    ['zh-CN', '公示名单', '失信被执行人名单', '黑名单'],
  ] as const) {
    const { context, page, problems } = await visit(locale, '/lists');
    await heading(page, title);
    const row = page.locator('tbody tr', { has: page.getByRole('link', { name: court, exact: true }) });
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    assert.equal(cells[0], black);
    assert.equal(cells[2], defaulters.length.toLocaleString(locale));
    assert.deepEqual(await accessibilityViolations(page), []);
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('a list: masked members, Show more, the rule filter, and CSV and JSON downloads of the whole list', async () => {
  const { context, page, problems } = await visit('en', '/lists');
  await page.getByRole('link', { name: 'Court defaulters', exact: true }).click();
  await heading(page, 'Court defaulters');
  await page.getByText('Members are published for 1,095 days').waitFor();
  const subjects = page.locator('h2:has-text("Members") ~ .table-wrap tbody th');
  await subjects.first().waitFor();
  assert.equal(await subjects.count(), 50);
  const shown = await subjects.allTextContents();
  for (const subject of shown) assert.ok(maskedDefaulters.includes(subject), `${subject} is masked as published`);
  const content = await page.content();
  const persons = defaulters.filter((d, i) => maskedDefaulters[i] !== d.subject);
  assert.ok(persons.length > 0 && persons.every((p) => !content.includes(p.subject)), 'no person in full');
  await page.getByText('50 shown').waitFor();
  await page.getByRole('button', { name: 'Show more' }).click();
  await page.getByText(`${Math.min(100, defaulters.length)} shown`).waitFor();
  assert.deepEqual(await accessibilityViolations(page), []);

  const csvDownload = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download CSV' }).click();
  const csv = await csvDownload;
  assert.equal(csv.suggestedFilename(), 'court-defaulters.csv');
  const csvLines = (await savedText(csv)).trimEnd().split('\n');
  assert.equal(csvLines[0], '\uFEFFsubject,since,until,publishedUntil,code,reasonZh,reasonEn,legalBasis');
  assert.equal(csvLines.length - 1, defaulters.length, 'every member, not only the pages shown');
  assert.deepEqual(
    csvLines
      .slice(1)
      .map((l) => l.split(',')[0])
      .sort(),
    [...maskedDefaulters].sort(),
    'every member, masked as published',
  );
  await page.getByText(`Downloaded ${defaulters.length} members.`).waitFor();
  const jsonDownload = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download JSON' }).click();
  const json = JSON.parse(await savedText(await jsonDownload)) as { list: string; members: { subject: string }[] };
  assert.equal(json.list, 'court-defaulters');
  assert.equal(json.members.length, defaulters.length);

  // The filter: one rule's members only, the rule in the page's address.
  await page.getByLabel('Rule').selectOption('court.defaulter.obstruction');
  await page.waitForURL((url) => url.search === '?code=court.defaulter.obstruction');
  const obstructions = defaulters.filter((d) => d.code === 'court.defaulter.obstruction').length;
  await page.getByText(`${Math.min(50, obstructions)} shown`).waitFor();
  const codes = await page.locator('h2:has-text("Members") ~ .table-wrap tbody td .mono').allTextContents();
  assert.ok(codes.length > 0 && codes.every((c) => c === 'court.defaulter.obstruction'), codes.join());
  assert.deepEqual(problems, []);
  await context.close();
});

test('the search finds a published member, nothing for an unlisted person, an error for an invalid identifier', async () => {
  // A resident (the command line masks residents and passports; it shows organisations by their code).
  const index = defaulters.findIndex((d, i) => maskedDefaulters[i] !== d.subject && !d.subject.startsWith('passport:'));
  const member = defaulters[index];
  const masked = maskedDefaulters[index];
  assert.ok(member && masked, 'a resident on the list');
  for (const locale of ['en', 'zh-CN'] as const) {
    const { context, page, problems } = await visit(locale, '/lists/court-defaulters');
    const en = locale === 'en';
    await heading(page, en ? 'Court defaulters' : '失信被执行人名单');
    const field = page.getByLabel(en ? 'Full identifier' : '完整证件号码');
    const search = page.getByRole('button', { name: en ? 'Search' : '查询', exact: true });
    const result = page.locator('.search-result');

    await field.fill(member.subject);
    await search.click();
    await result.getByText(en ? 'Published on this list:' : '该主体在本名单中的公示信息：').waitFor();
    assert.deepEqual(await result.locator('tbody th').allTextContents(), [masked]);
    assert.equal(await result.locator('tbody td .mono').textContent(), member.code);
    assert.ok(!page.url().includes(member.subject.slice(6, 14)), 'the identifier is not in the page’s address');
    assert.deepEqual(await accessibilityViolations(page), []);
    await screenshot(page, `public-list-${locale}`);

    await field.fill(unlisted);
    await search.click();
    await result
      .getByText(en ? 'No published listing on this list for that identifier.' : '未查询到该号码在本名单中的公示信息。')
      .waitFor();

    await field.fill(invalid);
    await search.click();
    const alert = result.getByRole('alert');
    await alert.getByText(en ? 'Error code: invalid_resident_id' : '错误代码：invalid_resident_id').waitFor();
    assert.ok(!(await alert.innerText()).includes(invalid.slice(6, 14)), 'the message does not echo the identifier');
    await page.getByText(en ? 'That is not a valid identifier.' : '该号码不是有效的证件号码').waitFor();
    assert.equal(await field.getAttribute('aria-invalid'), 'true');
    assert.deepEqual(await accessibilityViolations(page), []);
    assert.equal(new URL(page.url()).search, '', 'nothing in the page’s address');
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('a list at phone width: nothing wider than the screen, the search usable', async () => {
  const { context, page, problems } = await visit('zh-CN', '/lists/court-defaulters', phoneViewport);
  await heading(page, '失信被执行人名单');
  await page.getByText('已显示 50 条').waitFor();
  await noOverflow(page);
  // From the keyboard: Enter in the field submits the search.
  await page.getByLabel('完整证件号码').fill(unlisted);
  await page.getByLabel('完整证件号码').press('Enter');
  await page.getByText('未查询到该号码在本名单中的公示信息。').waitFor();
  await noOverflow(page);
  await screenshot(page, 'public-list-zh-CN-phone');
  assert.deepEqual(problems, []);
  await context.close();
});

test('statistics: charts with their data tables, and the figures as JSON and CSV', async () => {
  for (const [locale, title, members, grades] of [
    [
      'en',
      'Statistics',
      'Published members per list, at each month’s end',
      'Subjects per grade: Resident trust points',
    ],
    ['zh-CN', '统计', '各名单每月末公示主体数', '各等级主体数：居民诚信积分'],
  ] as const) {
    const { context, page, problems } = await visit(locale, '/statistics');
    await heading(page, title);
    const chart = page.locator('figure.chart', { hasText: members });
    await chart.locator('canvas').waitFor();
    // Chart.js has drawn on every canvas: some pixel is no longer transparent.
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll('canvas')).every((canvas) => {
        const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
        for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) return true;
        return false;
      }),
    );
    await chart.locator('summary').click();
    assert.equal(await chart.locator('tbody tr').count(), 12, 'twelve months');
    const courtColumn = await chart.locator('thead th').allTextContents();
    assert.ok(courtColumn.includes(locale === 'en' ? 'Court defaulters' : '失信被执行人名单'), courtColumn.join());
    const lastMonth = await chart.locator('tbody tr').last().locator('td').allTextContents();
    const courtIndex = courtColumn.indexOf(locale === 'en' ? 'Court defaulters' : '失信被执行人名单') - 1;
    assert.equal(lastMonth[courtIndex], defaulters.length.toLocaleString(locale), 'this month: members now');
    await page.locator('figure.chart', { hasText: grades }).locator('canvas').waitFor();
    assert.ok((await page.locator('figure.chart canvas').count()) >= 3, 'members, records, grades');
    assert.deepEqual(await accessibilityViolations(page), []);
    await screenshot(page, `public-statistics-${locale}`);
    if (locale === 'en') {
      const jsonDownload = page.waitForEvent('download');
      await page.getByRole('button', { name: 'Download JSON' }).click();
      const json = JSON.parse(await savedText(await jsonDownload)) as { membersPerListMonth: unknown[] };
      assert.ok(json.membersPerListMonth.length >= 12);
      const csvDownload = page.waitForEvent('download');
      await page.getByRole('button', { name: 'Download CSV' }).click();
      const csv = await csvDownload;
      assert.equal(csv.suggestedFilename(), 'credence-statistics.csv');
      const lines = (await savedText(csv)).trimEnd().split('\n');
      assert.equal(lines[0], 'series,id,grade,month,count');
      assert.ok(
        lines.includes(`membersPerList,court-defaulters,,,${defaulters.length}`),
        lines.slice(0, 12).join('\n'),
      );
    }
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('the audit log: the latest signed checkpoint, the public key, and how to check them', async () => {
  for (const [locale, title, size] of [
    ['en', 'Audit log: the latest signed checkpoint', 'Tree size (events)'],
    ['zh-CN', '审计日志：最新签名检查点', '树大小（事件数）'],
  ] as const) {
    const { context, page, problems } = await visit(locale, '/audit');
    await heading(page, title);
    await page.locator('dt', { hasText: size }).waitFor();
    const values = await page.locator('dl.facts dd').allTextContents();
    assert.ok(Number((values[0] ?? '').replaceAll(',', '')) > 0, `tree size ${values[0]}`);
    assert.match(values[1] ?? '', /^[0-9a-f]{64}$/, 'root hash');
    await page.getByText('-----BEGIN PUBLIC KEY-----', { exact: false }).waitFor();
    await page.getByText(/credence audit checkpoint v1/).waitFor();
    await page.locator('code', { hasText: 'credence audit verify --public-key' }).waitFor();
    await page.locator('code', { hasText: '/v1/audit/proofs/consistency?from=1&to=' }).waitFor();
    assert.deepEqual(await accessibilityViolations(page), []);
    if (locale === 'en') await screenshot(page, 'public-audit-en');
    assert.deepEqual(problems, []);
    await context.close();
  }
});
