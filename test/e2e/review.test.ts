/**
 * The reviewer console in a real browser, on the demo city: a person the court lists now (through the API, as the
 * demo's court clerk) objects through the API with their own account; a service point's check of a flight is refused; the objection is in the
 * reviewer's queue with its deadline; a reviewer who works for the court that filed the record is refused by the
 * API (reviewer_conflict, shown with its code); a decision without reasons is refused by the form and sends
 * nothing; the reviewer overturns it with reasons and the item shows the outcome; the service point's next check
 * is allowed. Both languages, axe's WCAG AA rules, the phone width, and no console errors.
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
import { residentIdCheckCharacter } from '../../src/core/identifiers.ts';

const residentId = (first17: string) => first17 + residentIdCheckCharacter(first17);

let demo: Demo;
let browser: Browser;
/**
 * A person the demo never made (it draws birth years from 1937 on), listed by the court during the test: the demo
 * city's year of records ends at a fixed instant, so its own defaulters' objection windows may have closed by the
 * day the test runs; this one's is open.
 */
const subject = residentId('11010519310101901');
const subjectPassword = 'a pass phrase for the e2e objector';
let servicePoint: string;
let objection: { id: number; recordId: number; reviewDueAt: string };
const grounds = 'The judgment was performed in full before the listing; the court’s receipt is attached.';
const reasons = 'The court confirmed performance before the listing date; the record is retracted.';

interface Answer {
  readonly status: number;
  readonly json: unknown;
}

/** A session through the API (as the web app opens one): its cookie and CSRF token on every change. */
async function apiSession(account: { readonly login: string; readonly password: string }) {
  const opened = await fetch(`${demo.url}/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: account.login, password: account.password }),
  });
  assert.equal(opened.status, 201, await opened.clone().text());
  const cookie = opened.headers
    .getSetCookie()
    .map((c) => c.split(';')[0] ?? '')
    .find((c) => c.startsWith('credence_session='));
  assert.ok(cookie, 'the login sets the session cookie');
  const { csrfToken } = (await opened.json()) as { csrfToken: string };
  return async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer> => {
    const response = await fetch(`${demo.url}${path}`, {
      method,
      headers: {
        cookie,
        'x-csrf-token': csrfToken,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: await response.json().catch(() => undefined) };
  };
}

async function flightCheck(): Promise<string> {
  const url = `${demo.url}/v1/decisions?subject=${encodeURIComponent(subject)}&action=travel.flight`;
  const response = await fetch(url, { headers: { authorization: `Bearer ${servicePoint}` } });
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { outcome: string }).outcome;
}

/** The queue's row for the objection (its id cell reads #id). */
const rowOf = (page: Page) =>
  page
    .locator('table.review-queue tbody tr')
    .filter({ has: page.getByRole('rowheader', { name: `#${objection.id}`, exact: true }) });

startDemoAndBrowser((started) => ({ demo, browser } = started), {
  setUp: async () => {
    const created = demo.cli('tokens', 'create', '--role', 'service-point', '--name', 't', '--scope', 'travel.flight');
    assert.equal(created.status, 0, created.stderr);
    servicePoint = created.stdout.trim();
  },
});

test('a person listed now by the court objects through the API; a flight check is refused meanwhile', async () => {
  assert.equal(await flightCheck(), 'allow', 'nobody has recorded anything about this person yet');
  const asClerk = await apiSession(demo.account('agency'));
  const submitted = await asClerk('POST', '/v1/records', {
    records: [
      {
        agencyRef: 'E2E-REVIEW-1',
        subject,
        code: 'court.defaulter.refuses',
        effectiveAt: new Date(Date.now() - 60_000).toISOString(),
        evidence: '(2026) 京01执9901号',
      },
    ],
  });
  assert.equal((submitted.json as { accepted?: number }).accepted, 1, JSON.stringify(submitted.json));
  assert.equal(await flightCheck(), 'deny');
  // The person's own account, made by the administrator (POST /v1/accounts), to object with.
  const asAdmin = await apiSession(demo.account('admin'));
  const made = await asAdmin('POST', '/v1/accounts', { login: subject, role: 'subject', password: subjectPassword });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  const asSubject = await apiSession({ login: subject, password: subjectPassword });
  const explained = await asSubject('GET', `/v1/subjects/${encodeURIComponent(subject)}/explanation`);
  assert.equal(explained.status, 200);
  const listing = (
    explained.json as { standing: { schemes: { listings: { list: string; recordId: number }[] }[] } }
  ).standing.schemes
    .flatMap((s) => s.listings)
    .find((l) => l.list === 'court-defaulters');
  assert.ok(listing, 'the person is on the court defaulter list');
  const filed = await asSubject('POST', `/v1/subjects/${encodeURIComponent(subject)}/objections`, {
    recordId: listing.recordId,
    grounds,
  });
  assert.equal(filed.status, 201, JSON.stringify(filed.json));
  objection = filed.json as typeof objection;
  assert.equal(objection.recordId, listing.recordId);
});

test('the reviewer’s queue shows the objection with its deadline, in English, with no accessibility problem', async () => {
  const { context, page, problems } = await openPage(browser, demo, { locale: 'en' });
  await logIn(page, demo.account('reviewer'));
  assert.equal(new URL(page.url()).pathname, '/review');
  await page.getByRole('heading', { name: 'Objection queue' }).waitFor();
  const row = rowOf(page);
  await row.waitFor();
  assert.equal(await row.locator('time').getAttribute('datetime'), objection.reviewDueAt);
  assert.match((await row.textContent()) ?? '', /Open/);
  assert.ok(((await row.textContent()) ?? '').includes(subject), 'staff see the identifier');
  // The page's own address never holds the identifier.
  assert.ok(!page.url().includes(subject));
  assert.deepEqual(await accessibilityViolations(page), []);
  await screenshot(page, 'review-queue-en');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a reviewer who works for the court that filed the record is refused, with the API’s code', async () => {
  const asAdmin = await apiSession(demo.account('admin'));
  const made = await asAdmin('POST', '/v1/accounts', {
    login: 'court-reviewer',
    role: 'reviewer',
    name: 'court-reviewer',
    scope: ['city-court'],
  });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  const { password } = made.json as { password: string };
  const { context, page, problems } = await openPage(browser, demo, { locale: 'en' });
  await logIn(page, { role: 'reviewer', login: 'court-reviewer', password });
  await page.getByRole('button', { name: `Open objection ${objection.id}` }).click();
  await page.getByRole('heading', { name: `Objection ${objection.id}` }).waitFor();
  await page.getByLabel('Overturned').check();
  await page.getByLabel('Reasons').fill('I would overturn it.');
  await page.getByRole('button', { name: 'Record the decision' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'reviewer_conflict' });
  await alert.waitFor();
  assert.match((await alert.textContent()) ?? '', /Error code: reviewer_conflict/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('an administrator reads the queues but is told that reviewers decide; the repair queue says when it is empty', async () => {
  const { context, page, problems } = await openPage(browser, demo, { locale: 'en' });
  await logIn(page, demo.account('admin'));
  await page.goto('/review');
  await page.getByRole('button', { name: `Open objection ${objection.id}` }).click();
  await page.locator('section.review-item').getByText(grounds).waitFor();
  await page.getByText('Decisions are made by reviewers.', { exact: false }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Record the decision' }).count(), 0);
  await page
    .getByRole('navigation', { name: 'Review queues' })
    .getByRole('link', { name: 'Repair applications' })
    .click();
  await page.getByRole('heading', { name: 'Repair queue' }).waitFor();
  // The demo city has no repair application (its policies ask a year on the list first).
  await page.getByText('Applications listed: 0.').waitFor();
  await page.getByText('None.', { exact: true }).waitFor();
  assert.deepEqual(await accessibilityViolations(page), []);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the reviewer opens it, is refused by the form without reasons, overturns it with reasons, and sees the outcome', async () => {
  const { context, page, problems } = await openPage(browser, demo, { locale: 'en' });
  await logIn(page, demo.account('reviewer'));
  await page.getByRole('button', { name: `Open objection ${objection.id}` }).click();
  const item = page.locator('section.review-item');
  await item.getByRole('heading', { name: `Objection ${objection.id}` }).waitFor();
  await item.getByText(grounds).waitFor();
  // The record objected to: rule, version, legal basis, evidence, effective date.
  await item.getByRole('heading', { name: `Record ${objection.recordId}` }).waitFor();
  const facts = (await item.locator('section[aria-labelledby="review-record"] dl').textContent()) ?? '';
  for (const label of ['Rule', 'Judged by', 'Legal basis', 'Evidence', 'Effective'])
    assert.ok(facts.includes(label), label);
  assert.match(facts, /court\.defaulter\./);
  assert.match(facts, /version \d+/);

  let decisions = 0;
  page.on('request', (request) => {
    if (request.method() === 'POST' && request.url().endsWith(`/v1/objections/${objection.id}/decision`)) decisions++;
  });
  await page.getByLabel('Overturned').check();
  await page.getByRole('button', { name: 'Record the decision' }).click();
  await page.getByRole('alert').filter({ hasText: 'Give the reasons for the decision' }).waitFor();
  assert.equal(await page.getByLabel('Reasons').getAttribute('aria-invalid'), 'true');
  assert.equal(decisions, 0, 'nothing was sent');
  assert.deepEqual(await accessibilityViolations(page), []);

  await page.getByLabel('Reasons').fill(reasons);
  await page.getByRole('button', { name: 'Record the decision' }).click();
  const outcome = item.locator('.note-ok');
  await outcome.getByText(/^Overturned on /).waitFor();
  assert.ok(((await outcome.textContent()) ?? '').includes(reasons));
  assert.equal(decisions, 1);
  // The record now shows as retracted, and the form is gone.
  await item.getByText('Retracted', { exact: true }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Record the decision' }).count(), 0);
  assert.deepEqual(await accessibilityViolations(page), []);
  await screenshot(page, 'review-decision-en');
  // In the queue it is decided: gone from the open ones, there among the decided.
  assert.equal(await rowOf(page).count(), 0);
  await page.getByLabel('Show').selectOption('decided');
  await rowOf(page).getByText('Overturned').waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test('the service point’s next check of a flight is allowed', async () => {
  assert.equal(await flightCheck(), 'allow');
});

test('the queue in Chinese, on a desktop and at phone width', async () => {
  for (const viewport of [undefined, phoneViewport]) {
    const { context, page, problems } = await openPage(browser, demo, {
      locale: 'zh-CN',
      ...(viewport ? { viewport } : {}),
    });
    await logIn(page, demo.account('reviewer'));
    await page.getByRole('heading', { name: '异议办理队列' }).waitFor();
    await page.getByLabel('显示').selectOption('all');
    await rowOf(page).getByText('撤销').waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
    assert.deepEqual(await accessibilityViolations(page), []);
    if (viewport) {
      const overflow = await overflowOf(page);
      assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
    }
    await screenshot(page, viewport ? 'review-queue-zh-CN-phone' : 'review-queue-zh-CN');
    assert.deepEqual(problems, []);
    await context.close();
  }
});
