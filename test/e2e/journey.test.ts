/**
 * Issue 6's main journey, every step in the browser as the people involved take it: an airport clerk is refused a
 * court defaulter's flight and sees the reason; that person logs in, sees the listing and objects to the court's
 * record; a reviewer overturns the objection; the clerk's next check is allowed. The demo's subject account is a
 * resident the court lists at the demo's making, so the objection window is open.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { accessibilityViolations, type Demo, logIn, openPage, screenshot, startDemoAndBrowser } from './support.ts';

let demo: Demo;
let browser: Browser;
const grounds = 'I paid the whole judgment debt on the day of the ruling; the court’s receipt is attached.';
const reasons = 'The court confirmed the debt was paid before the listing; the record is withdrawn.';

startDemoAndBrowser((started) => ({ demo, browser } = started));

/** The desk's check of the demo subject for a flight: the verdict's word and the decision id shown. */
async function checkFlight(page: Page): Promise<{ verdict: string; decisionId: string }> {
  await page.goto('/desk');
  const input = page.locator('#desk-subject');
  await input.fill(demo.account('subject').login);
  await page.locator('#desk-action').selectOption('travel.flight');
  await input.press('Enter');
  const verdict = (await page.locator('.verdict-word').textContent())?.trim() ?? '';
  const decisionId = (await page.locator('[data-decision-id]').textContent())?.trim() ?? '';
  return { verdict, decisionId };
}

test('a clerk is refused the defaulter’s flight, with the listing as the reason and a decision id', async () => {
  const { context, page, problems } = await openPage(browser, demo, { locale: 'en' });
  await logIn(page, demo.account('service-point'));
  const { verdict, decisionId } = await checkFlight(page);
  assert.match(verdict, /\bDENY\b/);
  assert.match(decisionId, /^[0-9a-f-]{36}$/);
  const reasonsText = (await page.locator('section.decision').textContent()) ?? '';
  assert.match(reasonsText, /Court defaulters/);
  assert.match(reasonsText, /法释〔2015〕17号/);
  // The page never shows or keeps the full identifier.
  assert.ok(!reasonsText.includes(demo.account('subject').login));
  assert.ok(!page.url().includes(demo.account('subject').login));
  assert.deepEqual(await accessibilityViolations(page), []);
  await screenshot(page, 'journey-1-desk-deny-en');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the subject logs in, sees the listing, and objects to the court’s record', async () => {
  const { context, page, problems } = await openPage(browser, demo, { locale: 'zh-CN' });
  await logIn(page, demo.account('subject'));
  assert.equal(new URL(page.url()).pathname, '/me');
  await page.getByText('失信被执行人名单', { exact: false }).first().waitFor();
  await screenshot(page, 'journey-2-portal-listing-zh-CN');
  await page.goto('/me/objections');
  const select = page.locator('#objection-record');
  await select.locator('option', { hasText: 'court.defaulter.refuses' }).first().waitFor({ state: 'attached' });
  const value = await select.locator('option', { hasText: 'court.defaulter.refuses' }).first().getAttribute('value');
  assert.ok(value, 'the court’s record can be chosen');
  await select.selectOption(value);
  await page.locator('#objection-grounds').fill(grounds);
  const form = page.locator('form', { has: page.locator('#objection-grounds') });
  await form.locator('button[type=submit]').click();
  await form.locator('.note-ok').waitFor();
  assert.deepEqual(await accessibilityViolations(page), []);
  await screenshot(page, 'journey-3-portal-objection-zh-CN');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a reviewer overturns the objection with reasons', async () => {
  const { context, page, problems } = await openPage(browser, demo, { locale: 'en' });
  await logIn(page, demo.account('reviewer'));
  const open = page.getByRole('button', { name: /^Open objection \d+$/ }).first();
  await open.click();
  const item = page.locator('section.review-item');
  await item.getByText(grounds).waitFor();
  await page.getByLabel('Overturned').check();
  await page.getByLabel('Reasons').fill(reasons);
  await page.getByRole('button', { name: 'Record the decision' }).click();
  await item
    .locator('.note-ok')
    .getByText(/^Overturned on /)
    .waitFor();
  await screenshot(page, 'journey-4-review-overturned-en');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the clerk’s next check is allowed, and the subject is told', async () => {
  const { context, page, problems } = await openPage(browser, demo, { locale: 'en' });
  await logIn(page, demo.account('service-point'));
  const { verdict } = await checkFlight(page);
  assert.match(verdict, /\bALLOW\b/);
  await screenshot(page, 'journey-5-desk-allow-en');
  assert.deepEqual(problems, []);
  await context.close();
  // The subject's notices say the objection was decided in their favour.
  const portal = await openPage(browser, demo, { locale: 'en' });
  await logIn(portal.page, demo.account('subject'));
  await portal.page.goto('/me/notices');
  await portal.page
    .getByText(/overturned/i)
    .first()
    .waitFor();
  assert.deepEqual(portal.problems, []);
  await portal.context.close();
});
