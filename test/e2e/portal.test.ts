/**
 * The subject portal in a real browser, as the demo's subject: a resident the court lists, by one record, when the
 * demo is made (so the 15-day window to object is open). They see the listing and the D grade it brought with the
 * score's history charted, the court record with its legal basis; they object to it and see it open with its
 * review deadline, are refused clearly when objecting again, read their notices, download their data and see who
 * read it (an airport desk's check among them). A company's legal representative picks the company and acts for
 * it. Every page passes axe's WCAG 2.1 AA rules in both languages and fits a phone.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  accessibilityViolations,
  type Demo,
  logIn,
  openPage,
  overflowOf,
  phoneViewport,
  screenshot,
  startDemoAndBrowser,
} from './support.ts';

let demo: Demo;
let browser: Browser;

startDemoAndBrowser((started) => ({ demo, browser } = started));

/** A staff account's session, outside the browser: its cookie and CSRF token. */
async function sessionOf(role: 'admin' | 'service-point'): Promise<{ cookie: string; csrfToken: string }> {
  const account = demo.account(role);
  const login = await fetch(`${demo.url}/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: account.login, password: account.password }),
  });
  assert.equal(login.status, 201, await login.clone().text());
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  return { cookie: (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '', csrfToken };
}

/** Whether a canvas has been drawn on (some pixel is not transparent). */
async function chartDrawn(page: Page): Promise<boolean> {
  const canvas = page.locator('figure.chart canvas').first();
  await canvas.waitFor();
  // Chart.js loads on first use and draws in the next frame.
  await page.waitForFunction(() => {
    const c = document.querySelector<HTMLCanvasElement>('figure.chart canvas');
    const context = c?.getContext('2d');
    if (!c || !context || c.width === 0) return false;
    const pixels = context.getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) return true;
    return false;
  });
  return true;
}

test('my standing: the court defaulter listing, the D grade, its bands and the history chart (en)', async () => {
  const { context, page, problems } = await openPage(browser, demo, { locale: 'en' });
  await logIn(page, demo.account('subject'));
  assert.equal(new URL(page.url()).pathname, '/me');
  await page.getByRole('heading', { level: 1, name: 'My standing' }).waitFor();
  // The listing, with since, until and what ends it early (the court's performance record).
  const listing = page.locator('.portal-listings > li', { hasText: 'Court defaulters' }).first();
  await listing.waitFor();
  await listing.getByText('When delisted; at the latest').waitFor();
  await listing.getByText('court.performance').waitFor();
  // The resident points: the grade set directly to D, the bands with D marked as the subject's.
  const points = page.locator('.portal-cards > li', { hasText: 'Resident trust points' });
  assert.equal(await points.locator('.portal-grade').textContent(), 'D');
  await points.getByText('Set directly by record').waitFor();
  const bands = page.locator('.portal-scheme', { hasText: 'Resident trust points' });
  assert.equal(
    await bands.locator('tr.portal-current', { hasText: 'your grade' }).locator('th').textContent(),
    'Dyour grade',
  );
  assert.ok(await chartDrawn(page));
  // The measures: what the listing denies, until when, on what legal basis.
  const measure = page.locator('.portal-cards > li', { hasText: 'Restrictions on high consumption' });
  await measure.getByText('Buy a flight ticket').waitFor();
  await measure.getByText('法释〔2015〕17号').waitFor();
  // The page's address names nobody.
  assert.ok(!page.url().includes(demo.account('subject').login));
  assert.deepEqual(await accessibilityViolations(page), []);
  await screenshot(page, 'portal-standing-en');
  assert.deepEqual(problems, []);
  await context.close();
});

test('my standing in Chinese, and at phone width', async () => {
  for (const viewport of [undefined, phoneViewport]) {
    const { context, page, problems } = await openPage(browser, demo, {
      locale: 'zh-CN',
      ...(viewport ? { viewport } : {}),
    });
    await logIn(page, demo.account('subject'));
    await page.getByRole('heading', { level: 1, name: '我的信用状况' }).waitFor();
    await page.locator('.portal-listings > li', { hasText: '失信被执行人' }).first().waitFor();
    await page.getByText('限制高消费及非生活和工作必需的消费').first().waitFor();
    assert.ok(await chartDrawn(page));
    assert.deepEqual(await accessibilityViolations(page), []);
    if (viewport) {
      const overflow = await overflowOf(page);
      assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
    }
    await screenshot(page, viewport ? 'portal-standing-zh-CN-phone' : 'portal-standing-zh-CN');
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('my records, an objection filed and followed, and a second one refused plainly', async () => {
  const { context, page, problems } = await openPage(browser, demo, { locale: 'en' });
  await logIn(page, demo.account('subject'));
  await page.getByRole('link', { name: 'Records' }).click();
  await page.getByRole('heading', { level: 1, name: 'My records' }).waitFor();
  const court = page.locator('article.portal-record', { hasText: 'court.defaulter.' }).first();
  // The court record, explained: rule and version, legal basis, evidence, what it brought and until when, not
  // disputed, and until when an objection is possible.
  await court.getByText('Court defaulter list, version 1').waitFor();
  await court.getByText('法释〔2017〕7号 第一条').first().waitFor();
  await court.getByText('Listed on Court defaulters').waitFor();
  await court.getByText('Grade D', { exact: true }).waitFor();
  await court.getByText('Evidence').waitFor();
  await court.getByText('You may object until').waitFor();
  assert.deepEqual(await accessibilityViolations(page), []);
  await screenshot(page, 'portal-records-en');

  await court.getByRole('link', { name: 'Object' }).click();
  await page.getByRole('heading', { level: 1, name: 'Objections and repair' }).waitFor();
  const record = page.getByLabel('Record', { exact: true });
  assert.notEqual(await record.inputValue(), '', 'the record objected to is chosen');
  await page.getByLabel('Grounds').fill('The judgment was performed in full before the listing.');
  await page.getByRole('button', { name: 'File the objection' }).click();
  await page
    .getByRole('status')
    .getByText(/Objection \d+ filed\. The decision is due by/)
    .waitFor();
  // Followed: open, with its review deadline, and the record is now disputed.
  const row = page.locator('table tr', { hasText: 'The judgment was performed in full' });
  await row.getByText('open').waitFor();
  assert.match((await row.locator('td').nth(3).textContent()) ?? '', /\d{4}/);

  // The same record again: the register refuses, and the page says why, with the API's code.
  await page.getByLabel('Grounds').fill('Objecting a second time.');
  await page.getByRole('button', { name: 'File the objection' }).click();
  const alert = page.getByRole('alert');
  await alert.getByText('This record already has an open objection.').waitFor();
  await alert.getByText('Error code: objection_exists').waitFor();
  assert.deepEqual(await accessibilityViolations(page), []);

  // In Chinese: the same page, the objection listed as 处理中.
  await page.getByLabel('Language').selectOption('zh-CN');
  await page.getByRole('heading', { level: 1, name: '异议与信用修复' }).waitFor();
  await page.locator('table tr', { hasText: 'The judgment was performed in full' }).getByText('处理中').waitFor();
  assert.deepEqual(await accessibilityViolations(page), []);
  await screenshot(page, 'portal-objections-zh-CN');

  // The records page shows the record disputed.
  await page.goto('/me/records');
  await page
    .locator('article.portal-record', { hasText: 'court.defaulter.' })
    .first()
    .getByText('有异议正在复核中')
    .waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test('my notices, newest first, with the deadline to object', async () => {
  const { context, page, problems } = await openPage(browser, demo, { locale: 'en' });
  await logIn(page, demo.account('subject'));
  await page.goto('/me/notices');
  await page.getByRole('heading', { level: 1, name: 'My notices' }).waitFor();
  const notices = page.locator('li.portal-notice');
  await notices.first().waitFor();
  // The objection just filed is the newest notice; the listing's notice says by when to object.
  await notices.first().getByText('objection.filed').waitFor();
  await page
    .locator('li.portal-notice', { hasText: 'listing.started' })
    .first()
    .locator('strong', { hasText: 'You may object until' })
    .waitFor();
  assert.deepEqual(await accessibilityViolations(page), []);
  assert.deepEqual(problems, []);
  await context.close();
});

test('my data: the export downloads as JSON with the records, and the access log lists the reads', async () => {
  // The airport desk checks the subject before selling a ticket: a read of their data, by someone else.
  const desk = await sessionOf('service-point');
  const subject = demo.account('subject').login;
  const checked = await fetch(`${demo.url}/v1/decisions?subject=${subject}&action=travel.flight`, {
    headers: { cookie: desk.cookie },
  });
  assert.equal(((await checked.json()) as { outcome: string }).outcome, 'deny');
  const { context, page, problems } = await openPage(browser, demo, { locale: 'en' });
  await logIn(page, demo.account('subject'));
  await page.goto('/me/data');
  await page.getByRole('heading', { level: 1, name: 'My data' }).waitFor();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download my data (JSON)' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'credence-export.json');
  const path = await download.path();
  const exported = JSON.parse(readFileSync(path, 'utf8')) as {
    subject: { key: string };
    records: { code: string }[];
    objections: unknown[];
  };
  assert.equal(exported.subject.key, demo.account('subject').login);
  assert.ok(exported.records.some((r) => r.code.startsWith('court.defaulter.')));
  assert.equal(exported.objections.length, 1);
  await page.getByRole('status').getByText('Your data was downloaded as credence-export.json.').waitFor();
  // Who read: the reads of the pages above (by this account), and the export itself.
  const log = page.locator('table', { hasText: 'What and why' });
  await log.locator('tr', { hasText: 'Read of the standing' }).first().getByText('You (this account)').waitFor();
  await log.locator('tr', { hasText: 'Export of all data' }).first().waitFor();
  await page.getByLabel('Only reads by others').check();
  const decision = log.locator('tr', { hasText: 'airport-desk' }).first();
  await decision.getByText('Decision at a service point').waitFor();
  await decision.getByText('Buy a flight ticket: refused').waitFor();
  assert.equal(await log.locator('tr', { hasText: 'You (this account)' }).count(), 0);
  assert.deepEqual(await accessibilityViolations(page), []);
  await screenshot(page, 'portal-data-en');
  assert.deepEqual(problems, []);
  await context.close();
});

test('an organisation’s legal representative picks it, sees its record and acts for it, page after page', async () => {
  // A listed company of the demo city and the person recorded as its legal representative, given an account.
  const admin = await sessionOf('admin');
  const read = async <T>(path: string): Promise<T> => {
    const answer = await fetch(`${demo.url}${path}`, { headers: { cookie: admin.cookie } });
    assert.equal(answer.status, 200, path);
    return (await answer.json()) as T;
  };
  const { members } = await read<{ members: { subject: string }[] }>(
    '/v1/lists/market-serious-dishonesty/members?limit=20',
  );
  let found: { organisation: string; person: string } | undefined;
  for (const { subject } of members) {
    const { relations } = await read<{ relations: { person: string; role: string; untilMs?: number }[] }>(
      `/v1/subjects/${subject}/export`,
    );
    const representative = relations.find((r) => r.role === 'legal_representative' && r.untilMs === undefined);
    if (representative) found = { organisation: subject, person: representative.person };
    if (found) break;
  }
  assert.ok(found, 'a listed company with a legal representative');
  const made = demo.cli('accounts', 'create', '--login', found.person, '--role', 'subject');
  assert.equal(made.status, 0, made.stderr);
  const account = { role: 'subject' as const, login: found.person, password: made.stdout.trim() };

  const { context, page, problems } = await openPage(browser, demo, { locale: 'en' });
  await logIn(page, account);
  await page.getByLabel('Whose record').selectOption(found.organisation);
  await page.getByText(`You are acting for organisation ${found.organisation} as its legal representative.`).waitFor();
  await page.locator('.portal-listings > li', { hasText: 'Serious illegal and dishonest entities' }).waitFor();
  assert.deepEqual(await accessibilityViolations(page), []);
  await screenshot(page, 'portal-representative-en');
  // The choice holds on the next page (it is kept for the tab), and the address names neither of them.
  await page.getByRole('link', { name: 'Records' }).click();
  await page.getByRole('heading', { level: 1, name: 'My records' }).waitFor();
  await page.getByText(`You are acting for organisation ${found.organisation}`).waitFor();
  await page.locator('article.portal-record', { hasText: 'market.' }).first().waitFor();
  for (const id of [found.organisation, found.person]) assert.ok(!page.url().includes(id));
  // Back to their own record.
  await page.getByLabel('Whose record').selectOption(found.person);
  await page.getByText('You are acting for organisation').waitFor({ state: 'detached' });
  assert.deepEqual(problems, []);
  await context.close();
});

test('at phone width no portal page is wider than the screen', async () => {
  const { context, page, problems } = await openPage(browser, demo, { locale: 'zh-CN', viewport: phoneViewport });
  await logIn(page, demo.account('subject'));
  for (const [path, heading] of [
    ['/me/records', '我的信用记录'],
    ['/me/notices', '我的告知书'],
    ['/me/objections', '异议与信用修复'],
    ['/me/data', '我的数据'],
  ] as const) {
    await page.goto(path);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    await page.locator('main table, main li, main form').first().waitFor();
    const overflow = await overflowOf(page);
    assert.ok(overflow <= 0, `${path} is ${overflow}px wider than the phone`);
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test('a visitor is asked to log in, and staff are refused the portal', async () => {
  const { context, page } = await openPage(browser, demo, { locale: 'en' });
  await page.goto('/me/records');
  await page.getByText('This page needs you to log in.').waitFor();
  await logIn(page, demo.account('reviewer'));
  await page.goto('/me');
  await page.getByText('Your account cannot use this page.').waitFor();
  await context.close();
});
