/**
 * The service-point desk in a real browser, as the demo's airport desk: the demo subject (a court defaulter) is
 * refused a flight with every reason and a decision id, a clean person is allowed, an invalid identifier gets the
 * register's message, all by keyboard (type, Enter); and a passenger list with the defaulter, a clean person and a
 * bad line. Both languages, a phone width, axe's WCAG AA rules, no console errors.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { residentIdCheckCharacter } from '../../src/core/identifiers.ts';
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

/** A valid resident ID nobody in the demo city has (it holds no one born in 1920). */
const first17 = '11010119200305123';
const clean = first17 + residentIdCheckCharacter(first17);
const wrongCheck = first17 + (clean.endsWith('1') ? '2' : '1');
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Types an identifier and presses Enter, as a barcode scanner does, into the focused field. */
async function scan(page: Page, identifier: string): Promise<void> {
  await page.keyboard.type(identifier);
  await page.keyboard.press('Enter');
}

async function focusedId(page: Page): Promise<string | undefined> {
  return page.evaluate(() => document.activeElement?.id);
}

test('a court defaulter is refused a flight with every reason and a decision id; a clean person is allowed; by keyboard', async () => {
  const { context, page, problems } = await openPage(browser, demo, { locale: 'en' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: demo.url });
  await logIn(page, demo.account('service-point'));
  assert.equal(new URL(page.url()).pathname, '/desk');
  // The identifier field has the focus from the start: a scan needs no click.
  await page.waitForFunction(() => document.activeElement?.id === 'desk-subject');
  assert.equal(await page.locator('#desk-action').inputValue(), 'travel.flight');

  const defaulter = demo.account('subject').login;
  await scan(page, defaulter);
  await page.locator('.verdict-word', { hasText: 'DENY' }).waitFor();
  await page.getByText('The person may not: Buy a flight ticket.').waitFor();
  const reason = page.locator('ul.reasons > li').first();
  await reason.getByText('Restrictions on high consumption').waitFor();
  const reasonText = (await reason.textContent()) ?? '';
  assert.match(reasonText, /Listed on: Court defaulters/);
  assert.match(reasonText, /Court defaulter list, version 1/);
  assert.match(reasonText, /court\.defaulter\.\w+: .+ \(version 1\), record #\d+/);
  assert.match(reasonText, /法释〔2015〕17号/);
  assert.match(
    reasonText,
    /Ends(When the obligation is performed; at the latest|.+, unless something new is recorded)/,
  );
  assert.match(reasonText, /Within 15 days of the notice of record #\d+, the person may object/);
  const decisionId = ((await page.locator('.decision-id').textContent()) ?? '').trim();
  assert.match(decisionId, uuid);
  assert.match(reasonText, new RegExp(`citing decision ${decisionId}`));
  // The identifier is shown masked, and the field is empty and focused for the next person.
  assert.ok(!((await page.locator('.decision').textContent()) ?? '').includes(defaulter));
  assert.equal(await page.locator('#desk-subject').inputValue(), '');
  await page.waitForFunction(() => document.activeElement?.id === 'desk-subject');
  // The decision id goes to the clipboard.
  await page.getByRole('button', { name: 'Copy the decision id' }).click();
  await page.getByText('Copied.').waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), decisionId);
  assert.deepEqual(await accessibilityViolations(page), []);
  await screenshot(page, 'desk-deny-en');

  // The next person, by keyboard again: focus went back to the field.
  await page.locator('#desk-subject').focus();
  await scan(page, clean);
  await page.locator('.verdict-word', { hasText: 'ALLOW' }).waitFor();
  await page.getByText('The person may: Buy a flight ticket.').waitFor();
  await page.getByText('No measure names this action for this person').waitFor();
  const allowedId = ((await page.locator('.decision-id').textContent()) ?? '').trim();
  assert.match(allowedId, uuid);
  assert.notEqual(allowedId, decisionId);
  assert.deepEqual(await accessibilityViolations(page), []);
  await screenshot(page, 'desk-allow-en');

  // An identifier with a wrong check character: the register's 400 message, and no verdict.
  await page.waitForFunction(() => document.activeElement?.id === 'desk-subject');
  await scan(page, wrongCheck);
  const alert = page.getByRole('alert');
  await alert.getByText(/Not checked: check character is \w but the first 17 digits call for \w/).waitFor();
  await alert.getByText('Error code: invalid_resident_id').waitFor();
  assert.equal(await page.locator('.verdict').count(), 0);
  assert.equal(await page.locator('#desk-subject').getAttribute('aria-invalid'), 'true');
  // The refused text stays selected, so the next scan replaces it.
  assert.equal(await focusedId(page), 'desk-subject');
  await scan(page, clean);
  await page.locator('.verdict-word', { hasText: 'ALLOW' }).waitFor();

  // Keyboard only to change the action: Tab to the select, arrow down, back to the field, scan.
  await page.waitForFunction(() => document.activeElement?.id === 'desk-subject');
  await page.keyboard.press('Tab');
  assert.equal(await focusedId(page), 'desk-action');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.locator('#desk-action').inputValue(), 'travel.rail.g_series');
  await page.keyboard.press('Shift+Tab');
  await scan(page, defaulter);
  await page.getByText('The person may not: Any seat on a G-series high-speed train.').waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test('the refusal in Chinese, on a desktop and at phone width', async () => {
  for (const viewport of [undefined, phoneViewport]) {
    const { context, page, problems } = await openPage(browser, demo, {
      locale: 'zh-CN',
      ...(viewport ? { viewport } : {}),
    });
    await logIn(page, demo.account('service-point'));
    await page.locator('h1', { hasText: '单人核查' }).waitFor();
    await page.waitForFunction(() => document.activeElement?.id === 'desk-subject');
    await scan(page, demo.account('subject').login);
    await page.locator('.verdict-word', { hasText: '不予办理' }).waitFor();
    await page.locator('ul.reasons').getByText('已被列入：失信被执行人名单').waitFor();
    await page.getByText('异议途径').waitFor();
    assert.deepEqual(await accessibilityViolations(page), []);
    const overflow = await overflowOf(page);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
    await screenshot(page, viewport ? 'desk-deny-zh-CN-phone' : 'desk-deny-zh-CN');
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('a passenger list: the denied first, the bad line with its message, counts and a CSV without identifiers', async () => {
  const { context, page, problems } = await openPage(browser, demo, { locale: 'en' });
  await logIn(page, demo.account('service-point'));
  await page.getByRole('link', { name: 'Check a passenger list' }).click();
  await page.locator('h1', { hasText: 'Check a passenger list' }).waitFor();
  const defaulter = demo.account('subject').login;
  // Line 1 clean, line 2 blank (skipped), line 3 not an identifier, line 4 the defaulter.
  await page.locator('#batch-list').fill([clean, '', 'not-an-identifier', defaulter].join('\n'));
  await page.locator('#batch-action').selectOption('travel.flight');
  await page.getByRole('button', { name: 'Check the list' }).click();
  await page.getByText('3 lines: 1 denied, 1 allowed, 1 not checked.').waitFor();
  const rows = await page
    .locator('table.batch-results tbody tr')
    .evaluateAll((rs) => rs.map((r) => [r.getAttribute('data-line'), r.getAttribute('data-outcome'), r.textContent]));
  assert.deepEqual(
    rows.map(([line, outcome]) => [line, outcome]),
    [
      ['4', 'deny'],
      ['3', 'error'],
      ['1', 'allow'],
    ],
  );
  assert.match(rows[0]?.[2] ?? '', /DENY.*Restrictions on high consumption · Listed on: Court defaulters/);
  assert.match(rows[1]?.[2] ?? '', /NOT CHECKED.*not a subject identifier.*\(invalid_subject\)/);
  assert.match(rows[2]?.[2] ?? '', /ALLOW/);
  const table = (await page.locator('table.batch-results').textContent()) ?? '';
  assert.ok(!table.includes(defaulter) && !table.includes(clean), 'a whole identifier is on the screen');
  assert.ok(table.includes(`${defaulter.slice(0, 6)}********${defaulter.slice(14)}`));
  assert.deepEqual(await accessibilityViolations(page), []);
  await screenshot(page, 'desk-batch-en');

  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download the results (CSV)' }).click(),
  ]);
  const csv = readFileSync(await file.path(), 'utf8')
    .trim()
    .split(/\r?\n/);
  assert.equal(csv[0], 'line,identifier,outcome,decisionId,reasons,errorCode,errorMessage');
  assert.match(
    csv[1] ?? '',
    /^4,\d{6}\*{8}\d{3}[\dX],deny,[0-9a-f-]+\.\d+,high-consumption-restrictions \(court-defaulters\)/,
  );
  assert.match(csv[2] ?? '', /^3,.*,error,,,invalid_subject,/);
  assert.match(csv[3] ?? '', /^1,.*,allow,[0-9a-f-]+\.\d,,,$/);
  assert.ok(!csv.join('\n').includes(defaulter));

  // A CSV file with a header fills the list from its subject column.
  await page.locator('#batch-file').setInputFiles({
    name: 'passengers.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(`seat,subject\n12A,${defaulter}\n12B,${clean}\n`),
  });
  await page.getByText('Loaded 2 lines from passengers.csv.').waitFor();
  assert.equal(await page.locator('#batch-list').inputValue(), `${defaulter}\n${clean}`);
  await page.getByRole('button', { name: 'Check the list' }).click();
  await page.getByText('2 lines: 1 denied, 1 allowed, 0 not checked.').waitFor();

  // An empty list is told, and nothing is sent.
  await page.locator('#batch-list').fill('\n  \n');
  await page.getByRole('button', { name: 'Check the list' }).click();
  await page.locator('#batch-list-problem').getByText('The list has no identifiers.').waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test('the desk refuses another role', async () => {
  const { context, page } = await openPage(browser, demo, { locale: 'en' });
  await logIn(page, demo.account('agency'));
  for (const path of ['/desk', '/desk/batch']) {
    await page.goto(path);
    await page.getByText('Your account cannot use this page.').waitFor();
  }
  await context.close();
});
