/**
 * The administrator's console in a real browser, on the demo city: the schemes with their versions; a draft of
 * the tax credit rating started from the version in force; a bad draft refused on saving with the field named;
 * one rule's validity changed, saved, and the diff naming that rule and field; publication refused for a date in
 * the past (the API's message) and done for one two minutes ahead after a confirmation naming the scheme, the
 * version and the date, the new version then listed by the API; a service-point token made, shown once, copied,
 * used and revoked; an account made with a password shown once; the agencies with their remit. Both languages
 * where screenshots are taken, axe's WCAG AA rules, the phone width, and no console errors.
 */
import assert from 'node:assert/strict';
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

/** An instant as the value of a datetime-local input in China Standard Time (UTC+8), to the minute. */
const cstInput = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16);
/** The instant such an input names. */
const instantOfCst = (value: string) => new Date(Date.parse(`${value}:00+08:00`)).toISOString();

interface DraftJson {
  rules: { code: string; validityDays: number }[];
  [key: string]: unknown;
}

async function editDraft(page: Page, change: (draft: DraftJson) => void): Promise<void> {
  const editor = page.getByLabel('Draft of Tax credit rating (JSON)');
  const draft = JSON.parse(await editor.inputValue()) as DraftJson;
  change(draft);
  await editor.fill(JSON.stringify(draft, null, 2));
}

const lateFiling = (draft: DraftJson) => {
  const rule = draft.rules.find((r) => r.code === 'tax.late_filing');
  assert.ok(rule, 'the tax credit rating has a late filing rule');
  return rule;
};

test('the schemes are listed with their version in force and whether a draft is saved', async () => {
  const { context, page, problems } = await openPage(browser, demo, { locale: 'en' });
  await logIn(page, demo.account('admin'));
  assert.equal(new URL(page.url()).pathname, '/admin');
  const row = page.getByRole('row').filter({ hasText: 'tax-credit' });
  await row.waitFor();
  assert.match((await row.textContent()) ?? '', /Version 1, since/);
  assert.match((await row.textContent()) ?? '', /Draft a version/);
  assert.deepEqual(await accessibilityViolations(page), []);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a draft from the version in force: a bad one is refused with its field, a good one saved, its diff names the rule and field, and it is published', async () => {
  const { context, page, problems } = await openPage(browser, demo, { locale: 'en' });
  await logIn(page, demo.account('admin'));
  await page.getByRole('link', { name: 'Catalog of Tax credit rating: draft and publish' }).click();
  await page.waitForURL('**/admin/catalogs/tax-credit');
  await page.getByText('No draft is saved for this scheme.').waitFor();
  await page.getByRole('button', { name: 'Start a draft from version 1 in force' }).click();
  const editor = page.getByLabel('Draft of Tax credit rating (JSON)');
  await editor.waitFor();
  assert.equal(lateFiling(JSON.parse(await editor.inputValue()) as DraftJson).validityDays, 365);
  assert.deepEqual(await accessibilityViolations(page), []);
  await screenshot(page, 'admin-catalog-en');

  // A validity of zero days: the diff says why it cannot be shown, and saving is refused naming the field.
  await editDraft(page, (d) => {
    lateFiling(d).validityDays = 0;
  });
  const index = ((JSON.parse(await editor.inputValue()) as DraftJson).rules ?? []).findIndex(
    (r) => r.code === 'tax.late_filing',
  );
  await page.getByText('The draft is not valid yet, so its changes cannot be shown:').waitFor();
  await page.getByRole('button', { name: 'Save the draft' }).click();
  const refusal = page.getByRole('alert').filter({ hasText: 'invalid_catalog' });
  await refusal.waitFor();
  await page.locator('.admin-field code', { hasText: `rules.${index}.validityDays` }).waitFor();
  assert.equal(await editor.getAttribute('aria-invalid'), 'true');
  const saved = await fetch(`${demo.url}/v1/catalogs/tax-credit/versions`);
  assert.equal(((await saved.json()) as { versions: unknown[] }).versions.length, 1);

  // 730 days: saved, and the diff names the rule and the field, before and after.
  await editDraft(page, (d) => {
    lateFiling(d).validityDays = 730;
  });
  await page.getByRole('button', { name: 'Save the draft' }).click();
  await page.getByRole('status').filter({ hasText: 'Draft saved at' }).waitFor();
  const change = page.getByRole('region', { name: 'Rule tax.late_filing' });
  const field = change.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'validityDays' }) });
  assert.deepEqual(await field.getByRole('cell').allTextContents(), ['365', '730']);
  assert.equal(await page.getByRole('region', { name: /^Rule / }).count(), 1, 'only that rule changed');
  assert.deepEqual(await accessibilityViolations(page), []);
  await page.getByRole('heading', { name: 'Changes against version 1 in force' }).scrollIntoViewIfNeeded();
  await screenshot(page, 'admin-diff-en');

  // A date in the past: the API refuses it, with its message.
  const effective = page.getByLabel('In force from (China Standard Time)');
  await effective.fill(cstInput(Date.now() - 86_400_000));
  await page.getByRole('button', { name: 'Publish as version 2…' }).click();
  await page.getByRole('button', { name: 'Publish version 2' }).click();
  const retroactive = page.getByRole('alert').filter({ hasText: 'retroactive_catalog' });
  await retroactive.waitFor();
  assert.match(
    (await retroactive.textContent()) ?? '',
    /before publication; a rule applies only after it is published/,
  );

  // Two minutes ahead: the confirmation names the scheme, the version and the date; then it is published.
  const ahead = cstInput(Date.now() + 2 * 60_000 + 60_000);
  await effective.fill(ahead);
  await page.getByRole('button', { name: 'Publish as version 2…' }).click();
  const confirmation = page.getByRole('alertdialog', { name: 'Publish this version?' });
  const text = (await confirmation.textContent()) ?? '';
  assert.match(
    text,
    /Tax credit rating \(tax-credit\) will have version 2, in force from \S.* \(China Standard Time\)/,
  );
  assert.deepEqual(await accessibilityViolations(page), []);
  await confirmation.getByRole('button', { name: 'Publish version 2' }).click();
  await page.getByRole('status').filter({ hasText: 'Version 2 is published, in force from' }).waitFor();
  await page
    .getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name: '2', exact: true }) })
    .getByText('Scheduled')
    .waitFor();

  const listed = (await (await fetch(`${demo.url}/v1/catalogs/tax-credit/versions`)).json()) as {
    versions: { version: number; effectiveFrom: string }[];
  };
  assert.deepEqual(
    listed.versions.map((v) => [v.version, v.version === 2 ? v.effectiveFrom : 'v1']),
    [
      [1, 'v1'],
      [2, instantOfCst(ahead)],
    ],
  );
  const published = (await (await fetch(`${demo.url}/v1/catalogs/tax-credit/versions/2`)).json()) as {
    catalog: DraftJson;
  };
  assert.equal(lateFiling(published.catalog).validityDays, 730);
  // The draft is gone with its publication.
  await page.getByText('No draft is saved for this scheme.').waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test('the catalog page in Chinese', async () => {
  const { context, page, problems } = await openPage(browser, demo, { locale: 'zh-CN' });
  await logIn(page, demo.account('admin'));
  await page.goto('/admin/catalogs/court-defaulters');
  await page.getByRole('button', { name: '以现行第 1 版为基础起草' }).click();
  await page.getByRole('heading', { name: '相对现行第 1 版的变更' }).waitFor();
  await page.getByLabel('施行时间（北京时间）').waitFor();
  assert.deepEqual(await accessibilityViolations(page), []);
  await screenshot(page, 'admin-catalog-zh-CN');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a service-point token is shown once with a copy button, works, and is revoked after a confirmation', async () => {
  const { context, page, problems } = await openPage(browser, demo, { locale: 'en' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: demo.url });
  await logIn(page, demo.account('admin'));
  await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Tokens' }).click();
  await page.getByRole('heading', { name: 'New token' }).waitFor();
  assert.equal(await page.getByLabel('Role', { exact: true }).inputValue(), 'service-point');
  await page.getByLabel('Name', { exact: true }).fill('e2e-gate');
  // No action: the API refuses it, naming the field.
  await page.getByRole('button', { name: 'Create the token' }).click();
  await page.getByRole('alert').filter({ hasText: 'missing_scope' }).waitFor();
  await page.locator('.admin-field code', { hasText: 'scope' }).waitFor();
  await page.getByLabel('Buy a flight ticket travel.flight').check();
  await page.getByRole('button', { name: 'Create the token' }).click();
  const secret = page.getByLabel(/^New token [0-9a-f]{16}$/);
  await secret.waitFor();
  const token = await secret.inputValue();
  assert.match(token, /^cr_[0-9a-f]{16}_/);
  await page.getByText('Copy it now: it is shown this once').waitFor();
  await page.getByRole('button', { name: 'Copy' }).click();
  await page.getByText('Copied to the clipboard.').waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token);
  assert.deepEqual(await accessibilityViolations(page), []);
  await screenshot(page, 'admin-tokens-en');

  const check = () =>
    fetch(
      `${demo.url}/v1/decisions?subject=${encodeURIComponent(demo.account('subject').login)}&action=travel.flight`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
  assert.equal((await check()).status, 200);

  // Once: after "I have copied it" the secret is nowhere on the page.
  await page.getByRole('button', { name: 'I have copied it' }).click();
  await page.getByRole('heading', { name: 'New token' }).waitFor();
  assert.ok(!(await page.content()).includes(token));
  const id = /^cr_([0-9a-f]{16})_/.exec(token)?.[1] ?? '';
  const row = page.getByRole('row').filter({ hasText: id });
  await row.getByText('Buy a flight ticket').waitFor();
  await page.getByRole('button', { name: `Revoke token e2e-gate (${id})` }).click();
  await row.getByText('Revoke e2e-gate? Whatever uses it is refused from now on.').waitFor();
  await row.getByRole('button', { name: 'Revoke now' }).click();
  await page
    .getByRole('status')
    .filter({ hasText: `Token e2e-gate (${id}) is revoked.` })
    .waitFor();
  // Revoked tokens are hidden unless asked for.
  await page.getByRole('row').filter({ hasText: id }).waitFor({ state: 'detached' });
  await page.getByLabel('Show revoked tokens').check();
  await page
    .getByRole('row')
    .filter({ hasText: id })
    .getByText(/^Revoked /)
    .waitFor();
  assert.equal((await check()).status, 401);
  assert.deepEqual(problems, []);
  await context.close();
});

test('an account is made with a password shown once that logs in; service points and agencies are listed', async () => {
  const { context, page, problems } = await openPage(browser, demo, { locale: 'en' });
  await logIn(page, demo.account('admin'));
  await page.goto('/admin/accounts');
  await page.getByRole('heading', { name: 'New account' }).waitFor();
  await page.getByLabel('Role', { exact: true }).selectOption('reviewer');
  await page.getByLabel('Name', { exact: true }).fill('rita');
  await page.getByLabel('Login', { exact: true }).fill('rita.reviewer');
  await page.getByRole('button', { name: 'Create the account' }).click();
  const secret = page.getByLabel('Password of rita.reviewer');
  await secret.waitFor();
  const password = await secret.inputValue();
  const session = await fetch(`${demo.url}/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: 'rita.reviewer', password }),
  });
  assert.equal(session.status, 201);
  await page.getByRole('button', { name: 'I have copied it' }).click();
  // The same login again: the API's refusal, with its code and field.
  await page.getByLabel('Role', { exact: true }).selectOption('reviewer');
  await page.getByLabel('Name', { exact: true }).fill('rita');
  await page.getByLabel('Login', { exact: true }).fill('Rita.Reviewer');
  await page.getByRole('button', { name: 'Create the account' }).click();
  await page.getByRole('alert').filter({ hasText: 'login_taken' }).waitFor();
  const accounts = page.getByRole('table', { name: 'Accounts' });
  await accounts.getByRole('row').filter({ hasText: 'rita.reviewer' }).waitFor();
  assert.ok(!(await page.content()).includes(password), 'the password is not shown again');
  // The demo's desk is a service point, with its actions.
  const points = page.getByRole('table', { name: 'Service points' });
  await points.getByRole('row').filter({ hasText: 'Account airport-desk' }).getByText('Buy a flight ticket').waitFor();
  assert.deepEqual(await accessibilityViolations(page), []);

  await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Agencies' }).click();
  const court = page.getByRole('region', { name: /City Intermediate People’s Court|City Intermediate People's Court/ });
  await court
    .getByRole('rowheader', { name: /court\.defaulter\.refuses/ })
    .first()
    .waitFor();
  assert.deepEqual(await accessibilityViolations(page), []);
  assert.deepEqual(problems, []);
  await context.close();
});

test('at phone width the administrator’s pages are no wider than the screen', async () => {
  const { context, page } = await openPage(browser, demo, { locale: 'zh-CN', viewport: phoneViewport });
  await logIn(page, demo.account('admin'));
  for (const path of ['/admin', '/admin/catalogs/tax-credit', '/admin/tokens', '/admin/accounts', '/admin/agencies']) {
    await page.goto(path);
    await page.locator('h2').first().waitFor();
    const overflow = await overflowOf(page);
    assert.ok(overflow <= 0, `${path} is ${overflow}px wider than the phone`);
  }
  await context.close();
});
