/**
 * The app's frame in a real browser: both languages, the switch remembered, every role's login landing on its
 * console, logout, the skip link, axe's WCAG AA rules, and the phone width.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Browser } from 'playwright-core';
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

test('the front page speaks Chinese to a Chinese browser and English to an English one', async () => {
  for (const [locale, heading, nav] of [
    ['zh-CN', '信证', '公示名单'],
    ['en', 'Credence', 'Published lists'],
  ] as const) {
    const { context, page, problems } = await openPage(browser, demo, { locale });
    await page.goto('/');
    assert.equal(await page.locator('h1').textContent(), heading);
    assert.equal(await page.getAttribute('html', 'lang'), locale);
    await page
      .getByRole('navigation', { name: locale === 'en' ? 'Main' : '主导航' })
      .getByText(nav)
      .waitFor();
    assert.deepEqual(await accessibilityViolations(page), []);
    await screenshot(page, `home-${locale}`);
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('the language switch is remembered across a reload', async () => {
  const { context, page } = await openPage(browser, demo, { locale: 'en' });
  await page.goto('/');
  await page.getByLabel('Language').selectOption('zh-CN');
  await page.locator('h1', { hasText: '信证' }).waitFor();
  await page.reload();
  assert.equal(await page.locator('h1').textContent(), '信证');
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  await context.close();
});

test('each role logs in and lands on its own console; a wrong password is told plainly', async () => {
  const landing = { admin: '/admin', reviewer: '/review', agency: '/agency', 'service-point': '/desk', subject: '/me' };
  for (const account of demo.accounts) {
    const { context, page, problems } = await openPage(browser, demo);
    await logIn(page, account);
    assert.equal(new URL(page.url()).pathname, landing[account.role]);
    await page.getByRole('button', { name: 'Log out' }).waitFor();
    // The session survives a reload (the cookie; GET /v1/session says who it is).
    await page.reload();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('link', { name: 'Log in' }).waitFor();
    assert.deepEqual(problems, []);
    await context.close();
  }
  const { context, page } = await openPage(browser, demo);
  await page.goto('/login');
  await page.locator('#login').fill('admin');
  await page.locator('#password').fill('not-the-password');
  await page.locator('form button[type=submit]').click();
  await page.getByRole('alert').getByText('The login or the password is wrong.').waitFor();
  await context.close();
});

test('a page for staff asks a visitor to log in, and refuses another role', async () => {
  const { context, page } = await openPage(browser, demo);
  await page.goto('/admin');
  await page.getByText('This page needs you to log in.').waitFor();
  await logIn(page, demo.account('subject'));
  await page.goto('/admin');
  await page.getByText('Your account cannot use this page.').waitFor();
  await context.close();
});

test('keyboard: the first Tab reaches the skip link, which moves to the content', async () => {
  const { context, page } = await openPage(browser, demo);
  await page.goto('/');
  await page.locator('h1').waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
  await page.keyboard.press('Enter');
  assert.equal(new URL(page.url()).hash, '#main');
  await context.close();
});

test('at phone width nothing is wider than the screen', async () => {
  const { context, page } = await openPage(browser, demo, { viewport: phoneViewport, locale: 'zh-CN' });
  await page.goto('/');
  const overflow = await overflowOf(page);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
  await screenshot(page, 'home-zh-CN-phone');
  await context.close();
});
