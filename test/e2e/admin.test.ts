/**
 * The administrator's console in a real browser, on the demo city: the schemes with their versions; a draft of
 * the tax credit rating started from the version in force; a bad draft refused on saving with the field named;
 * one rule's validity changed, saved, and the diff naming that rule and field; publication refused for a date in
 * the past (the API's message) and done for one two minutes ahead after a confirmation naming the scheme, the
 * version and the date, the new version then listed by the API; before the confirmation, the draft's simulation
 * with the API's own figures, a sample subject opened both ways, the CSV download, and a bad window refused (and,
 * in Chinese, a draft that changes no one); a service-point token made, shown once, copied,
 * used and revoked; an account made with a password shown once; the agencies with their remit. Both languages
 * where screenshots are taken, axe's WCAG AA rules, the phone width, and no console errors.
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

/** The admin's session outside the browser (its cookie and CSRF token), to ask the API what the page shows. */
async function adminSession(): Promise<{ cookie: string; csrfToken: string }> {
  const account = demo.account('admin');
  const login = await fetch(`${demo.url}/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: account.login, password: account.password }),
  });
  assert.equal(login.status, 201, await login.clone().text());
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  return { cookie: (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '', csrfToken };
}

interface SimulationJson {
  records: number;
  subjects: number;
  changed: number;
  adverse: number;
  changes: { label: string; kind: string; subjects: number }[];
  histograms: { scheme: string; grades: { grade: string; before: number; after: number }[] }[];
  byKind: { kind: string; subjects: number; changed: number }[];
  sample: { subject: string }[];
}

const en = (n: number) => n.toLocaleString('en');

test('publishing shows the draft’s simulation first: the API’s figures, a subject both ways, the CSV; a bad window is refused', async () => {
  const { context, page, problems } = await openPage(browser, demo, { locale: 'en' });
  await logIn(page, demo.account('admin'));
  await page.goto('/admin/catalogs/rongcheng-residents');
  await page.getByRole('button', { name: 'Start a draft from version 1 in force' }).click();
  // Grade AA from 1,030 points up to 1,040: residents at 1,030-1,039 points fall to A.
  const editor = page.getByLabel('Draft of Resident trust points (JSON)');
  const draft = JSON.parse(await editor.inputValue()) as {
    scheme: { points: { grades: { grade: string; minPoints?: number }[] } };
  };
  const aa = draft.scheme.points.grades.find((g) => g.grade === 'AA');
  assert.equal(aa?.minPoints, 1030);
  aa.minPoints = 1040;
  await editor.fill(JSON.stringify(draft, null, 2));
  await page.getByRole('button', { name: 'Publish as version 2…' }).click();

  const simulation = page.getByRole('region', { name: 'What this draft would change' });
  const confirmation = page.getByRole('alertdialog', { name: 'Publish this version?' });
  await confirmation.waitFor();

  // The same draft (saved by the page on its way to the confirmation), simulated through the API.
  const session = await adminSession();
  const asked = await fetch(`${demo.url}/v1/catalogs/rongcheng-residents/draft/simulation`, {
    method: 'POST',
    headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken, 'content-type': 'application/json' },
    body: '{}',
  });
  assert.equal(asked.status, 200, await asked.clone().text());
  const report = (await asked.json()) as SimulationJson;
  assert.ok(report.changed > 0, 'the band moved changes people');

  assert.match(
    (await simulation.locator('[data-figure=replayed]').textContent()) ?? '',
    new RegExp(`^${en(report.records)} records of .*; ${en(report.subjects)} subjects compared$`),
  );
  assert.match(
    (await simulation.locator('[data-figure=changed]').textContent()) ?? '',
    new RegExp(`^${en(report.changed)} \\(`),
  );
  assert.match(
    (await simulation.locator('[data-figure=directions]').textContent()) ?? '',
    new RegExp(`adverse ${en(report.adverse)} `),
  );
  // The changes, most subjects first, with the API's counts.
  const changes = page.getByRole('table', { name: 'Changes', exact: true });
  const first = report.changes[0];
  assert.ok(first);
  const firstRow = changes.getByRole('row').nth(1);
  assert.match(
    (await firstRow.getByRole('rowheader').textContent()) ?? '',
    new RegExp(first.label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
  );
  assert.equal(await firstRow.getByRole('cell').first().textContent(), en(first.subjects));
  // The histogram's table: grade AA before and after, as the API counts them.
  const grades = report.histograms
    .find((h) => h.scheme === 'rongcheng-residents')
    ?.grades.find((g) => g.grade === 'AA');
  assert.ok(grades && grades.before > grades.after);
  const chart = simulation.locator('figure.chart', { hasText: 'Subjects per grade in Resident trust points' });
  await chart.getByText('The data as a table').click();
  assert.deepEqual(
    await chart
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name: 'AA', exact: true }) })
      .getByRole('cell')
      .allTextContents(),
    [en(grades.before), en(grades.after)],
  );
  // Persons changed, by kind.
  const persons = report.byKind.find((k) => k.kind === 'person');
  assert.ok(persons);
  const personsRow = page
    .getByRole('table', { name: 'By kind of subject' })
    .getByRole('row')
    .filter({ hasText: 'persons' });
  assert.equal(await personsRow.getByRole('cell').first().textContent(), en(persons.subjects));
  // The yardstick is named.
  await simulation
    .getByText('EU AI Act (Regulation (EU) 2024/1689), Article 5(1)(c): prohibited social scoring')
    .waitFor();
  assert.match(
    (await confirmation.textContent()) ?? '',
    new RegExp(`Simulated above: ${en(report.changed)} of ${en(report.subjects)} subjects would change`),
  );

  // A sample subject opened: both explanations, side by side.
  const subject = report.sample[0]?.subject ?? '';
  await page.getByRole('button', { name: `Open ${subject}: both explanations` }).click();
  const before = page.getByRole('region', { name: 'Under the published versions' });
  const after = page.getByRole('region', { name: 'With the draft (as version 2)' });
  await before.getByText(/^Records \(\d+\)$/).waitFor();
  await after.getByText(/^Records \(\d+\)$/).waitFor();
  assert.match((await before.textContent()) ?? '', /rongcheng-residents v1 · grade AA/);
  assert.match((await after.textContent()) ?? '', /rongcheng-residents v2 · grade A /);
  assert.deepEqual(await accessibilityViolations(page), []);
  await simulation.scrollIntoViewIfNeeded();
  await screenshot(page, 'admin-simulation-en');

  // The CSV, built in the browser: the CLI's header and the API's counts.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    simulation.getByRole('button', { name: 'Download CSV' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'simulation-rongcheng-residents-v2.csv');
  const csv = readFileSync(await download.path(), 'utf8').split('\n');
  assert.equal(csv[0], 'table,key,detail,before,after,subjects,changed,adverse,favourable');
  assert.ok(csv.includes(`change,${first.label},${first.kind},,,${first.subjects},,,`), csv.slice(0, 4).join('\n'));

  // At phone width the report is no wider than the screen.
  await page.setViewportSize(phoneViewport);
  // Chart.js redraws its canvases for the new width a frame or so after the resize.
  await page.waitForFunction(() =>
    Array.from(document.querySelectorAll('canvas')).every((c) => c.getBoundingClientRect().right <= window.innerWidth),
  );
  assert.ok((await overflowOf(page)) <= 0, 'the simulation fits a phone');
  await page.setViewportSize({ width: 1280, height: 900 });

  // A window whose start is after its end: the API's refusal, and no confirmation until a simulation stands.
  await simulation
    .getByLabel('Replay records from (China Standard Time, optional)')
    .fill(cstInput(Date.now() + 86_400_000));
  await simulation.getByLabel('Compare standings at (China Standard Time, optional)').fill(cstInput(Date.now()));
  await simulation.getByRole('button', { name: 'Simulate again' }).click();
  await simulation.getByRole('alert').filter({ hasText: 'invalid_range' }).waitFor();
  assert.equal(await confirmation.count(), 0);
  await simulation.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('button', { name: 'Publish as version 2…' }).waitFor();
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
  // The draft is the version in force: its simulation, in Chinese, changes no one.
  await page.getByRole('button', { name: '发布为第 2 版…' }).click();
  await page.getByRole('alertdialog', { name: '确认发布此版本？' }).waitFor();
  const simulation = page.getByRole('region', { name: '该草稿将带来的变化' });
  await simulation.getByText('没有信用主体受影响。').first().waitFor();
  await simulation.getByText('各方案的等级分布均无变化。').waitFor();
  assert.deepEqual(await accessibilityViolations(page), []);
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
