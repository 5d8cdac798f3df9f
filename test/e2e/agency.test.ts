/**
 * The agency console in a real browser, as the demo's court clerk: one record through the form (checked as it is
 * typed, accepted, then a duplicate and a reference conflict), a bulk upload with a line outside the court's remit
 * and a second with a bad identifier and an unreadable line (progress, counts, the rejection report), and the
 * court's own records with a retraction. Both languages, axe's WCAG AA rules, no console errors.
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
function cleanResidentId(sequence: number): string {
  const first17 = `110101192003${String(10 + (sequence % 18)).padStart(2, '0')}${String(100 + sequence).slice(-3)}`;
  return first17 + residentIdCheckCharacter(first17);
}

/** The same identifier with a check character it does not call for. */
function withWrongCheck(id: string): string {
  const wrong = id.endsWith('1') ? '2' : '1';
  return id.slice(0, 17) + wrong;
}

/** A datetime-local value (China Standard Time) this many days from now. */
function localDaysFromNow(days: number): string {
  return new Date(Date.now() + days * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 16);
}

const suffix = Date.now().toString(36).toUpperCase();
const formRef = `E2E-FORM-${suffix}`;
let formRecordId = 0;

async function readyForm(page: Page): Promise<void> {
  await page.locator('#code option[value="court.defaulter.refuses"]').waitFor({ state: 'attached' });
}

test('a clerk submits one record: checked as it is typed, accepted, then a duplicate and a conflict', async () => {
  const { context, page, problems } = await openPage(browser, demo, { locale: 'en' });
  await logIn(page, demo.account('agency'));
  assert.equal(new URL(page.url()).pathname, '/agency');
  await readyForm(page);

  // Only the court's own rules are offered.
  const codes = await page.locator('#code option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  assert.ok(codes.includes('court.performance'));
  assert.ok(!codes.includes('traffic.fine'), 'a rule of another agency is offered');

  // A wrong check character is told under the field as soon as the identifier is whole, before any submit.
  const subject = cleanResidentId(1);
  await page.locator('#subject').fill(withWrongCheck(subject));
  const subjectProblem = page.locator('#subject-problem');
  await subjectProblem.getByText('check character').waitFor();
  assert.equal(await page.locator('#subject').getAttribute('aria-invalid'), 'true');
  assert.match((await page.locator('#subject').getAttribute('aria-describedby')) ?? '', /subject-problem/);
  await page.locator('#subject').fill(subject);
  await subjectProblem.waitFor({ state: 'detached' });
  assert.equal(await page.locator('#subject').getAttribute('aria-invalid'), null);

  // A time in the future is refused once the field is left.
  await page.locator('#code').selectOption('court.defaulter.refuses');
  await page.locator('#effectiveAt').fill(localDaysFromNow(2));
  await page.locator('#evidence').focus();
  await page.locator('#effectiveAt-problem').getByText('in the future').waitFor();
  await page.locator('#effectiveAt').fill(localDaysFromNow(-3));
  await page.locator('#effectiveAt-problem').waitFor({ state: 'detached' });
  await page.locator('#evidence').fill('(2026)京01执e2e号');
  // The reference is suggested, and editable.
  assert.match(await page.locator('#agencyRef').inputValue(), /^CITY-COURT-\d{8}-[0-9A-F]{8}$/);
  await page.locator('#agencyRef').fill(formRef);
  await page.getByRole('button', { name: 'Submit the record' }).click();
  const accepted = page.locator('.note-ok', { hasText: 'Accepted: stored as record #' });
  await accepted.waitFor();
  formRecordId = Number(/#(\d+)/.exec((await accepted.textContent()) ?? '')?.[1]);
  assert.ok(formRecordId > 0);
  // The form is ready for the next record: a new reference is suggested.
  assert.notEqual(await page.locator('#agencyRef').inputValue(), formRef);
  assert.deepEqual(await accessibilityViolations(page), []);
  await screenshot(page, 'agency-submit-en');

  // The same reference and content again: the original, not a second record.
  await page.locator('#subject').fill(subject);
  await page.locator('#evidence').fill('(2026)京01执e2e号');
  await page.locator('#agencyRef').fill(formRef);
  await page.getByRole('button', { name: 'Submit the record' }).click();
  await page.locator('.note-ok', { hasText: `Already recorded: reference ${formRef}` }).waitFor();
  assert.match((await page.locator('.note-ok').textContent()) ?? '', new RegExp(`record #${formRecordId}\\b`));

  // The same reference for other content: the register's 409, beside the reference field.
  await page.locator('#subject').fill(subject);
  await page.locator('#evidence').fill('another document');
  await page.locator('#agencyRef').fill(formRef);
  await page.getByRole('button', { name: 'Submit the record' }).click();
  await page.locator('#agencyRef-problem').getByText(`already used reference ${formRef}`).waitFor();
  await page.getByRole('alert').getByText('Error code: reference_conflict').waitFor();
  assert.equal(await page.locator('#agencyRef').getAttribute('aria-invalid'), 'true');

  // Submitting with empty fields names each of them and sends nothing.
  await page.locator('#subject').fill('');
  await page.locator('#evidence').fill('');
  await page.getByRole('button', { name: 'Submit the record' }).click();
  await page.getByText('Correct the fields marked below first.').waitFor();
  await page.locator('#subject-problem').getByText('This field is required.').waitFor();
  await page.locator('#evidence-problem').getByText('This field is required.').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'subject');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the submit form in Chinese, and at phone width', async () => {
  for (const viewport of [undefined, phoneViewport]) {
    const { context, page, problems } = await openPage(browser, demo, {
      locale: 'zh-CN',
      ...(viewport ? { viewport } : {}),
    });
    await logIn(page, demo.account('agency'));
    await page.locator('h1', { hasText: '报送单条记录' }).waitFor();
    await readyForm(page);
    await page.locator('#subject').fill(withWrongCheck(cleanResidentId(2)));
    await page.locator('#subject-problem').getByText('证件号码校验未通过').waitFor();
    assert.deepEqual(await accessibilityViolations(page), []);
    const overflow = await overflowOf(page);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
    await screenshot(page, viewport ? 'agency-submit-zh-CN-phone' : 'agency-submit-zh-CN');
    assert.deepEqual(problems, []);
    await context.close();
  }
});

function isoDaysAgo(days: number): string {
  return new Date(Date.now() - days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

async function counts(page: Page): Promise<Record<string, string>> {
  const entries = await page
    .locator('dd[data-count]')
    .evaluateAll((ds) => ds.map((d) => [d.getAttribute('data-count') ?? '', d.textContent ?? '']));
  return Object.fromEntries(entries) as Record<string, string>;
}

async function download(page: Page, button: string): Promise<{ name: string; text: string }> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
  return { name: file.suggestedFilename(), text: readFileSync(await file.path(), 'utf8') };
}

test('a bulk upload: progress to the end, the counts, and a rejection report naming the bad line', async () => {
  const { context, page, problems } = await openPage(browser, demo, { locale: 'en' });
  await logIn(page, demo.account('agency'));
  await page.goto('/agency/upload');
  await page.locator('#upload-file').waitFor();
  const good = [3, 4, 5].map((n) => ({
    agencyRef: `E2E-UP-${suffix}-${n}`,
    subject: cleanResidentId(n),
    code: 'court.defaulter.refuses',
    effectiveAt: isoDaysAgo(n),
    evidence: `(2026)京01执${n}号`,
    caseRef: `(2026)京01执${n}号`,
  }));
  const csv = [
    'agencyRef,subject,code,effectiveAt,evidence,caseRef',
    ...good.map((g) => [g.agencyRef, g.subject, g.code, g.effectiveAt, g.evidence, g.caseRef].join(',')),
    // Line 5: a traffic fine, which the court may not report (the register would refuse the whole batch for it).
    `E2E-UP-${suffix}-X,${cleanResidentId(6)},traffic.fine,${isoDaysAgo(1)},ticket 1,`,
  ].join('\n');
  await page
    .locator('#upload-file')
    .setInputFiles({ name: 'court-batch.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByText('Read court-batch.csv: 4 lines (CSV).').waitFor();
  await page.getByRole('button', { name: 'Send 4 lines to the register' }).click();
  await page.getByText('Upload finished: 4 lines read, 3 accepted, 0 duplicates, 1 rejected.').waitFor();
  const bar = await page
    .locator('#upload-progress')
    .evaluate((p) => [(p as HTMLProgressElement).value, (p as HTMLProgressElement).max]);
  assert.deepEqual(bar, [4, 4]);
  assert.deepEqual(await counts(page), { lines: '4', accepted: '3', duplicates: '0', rejected: '1' });
  const row = page.locator('table tbody tr');
  assert.equal(await row.count(), 1);
  assert.match((await row.textContent()) ?? '', /^5.*outside_remit.*traffic\.fine/);

  const report = await download(page, 'Download the rejection report (CSV)');
  assert.equal(report.name, 'court-batch-rejections.csv');
  const [header, line, ...rest] = report.text.trim().split(/\r?\n/);
  assert.equal(header, 'line,agencyRef,code,message,field');
  assert.match(line ?? '', new RegExp(`^5,E2E-UP-${suffix}-X,outside_remit,.*traffic\\.fine.*,code$`));
  assert.deepEqual(rest, []);
  const ndjson = await download(page, 'Download the rejection report (NDJSON)');
  assert.deepEqual(
    ndjson.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown),
    [
      {
        line: 5,
        agencyRef: `E2E-UP-${suffix}-X`,
        code: 'outside_remit',
        message: 'This agency may not report rule traffic.fine.',
        field: 'code',
      },
    ],
  );
  assert.deepEqual(await accessibilityViolations(page), []);
  await screenshot(page, 'agency-upload-en');

  // The same records again as NDJSON, with a bad identifier (refused by the register, per record) and a line that
  // is not JSON: the three come back as duplicates of the originals.
  const ndjsonFile = [
    ...good.map((g) => JSON.stringify({ agency: 'city-court', ...g })),
    JSON.stringify({ ...good[0], agencyRef: `E2E-UP-${suffix}-Y`, subject: withWrongCheck(cleanResidentId(7)) }),
    '{"agencyRef": "broken"',
  ].join('\n');
  await page
    .locator('#upload-file')
    .setInputFiles({ name: 'again.ndjson', mimeType: 'application/x-ndjson', buffer: Buffer.from(ndjsonFile) });
  await page.getByRole('button', { name: 'Send 5 lines to the register' }).click();
  await page.getByText('Upload finished: 5 lines read, 0 accepted, 3 duplicates, 2 rejected.').waitFor();
  assert.deepEqual(await counts(page), { lines: '5', accepted: '0', duplicates: '3', rejected: '2' });
  const rows = await page.locator('table tbody tr').evaluateAll((rs) => rs.map((r) => r.textContent ?? ''));
  assert.equal(rows.length, 2);
  assert.match(rows[0] ?? '', /^4.*invalid_resident_id.*check character.*subject$/);
  assert.match(rows[1] ?? '', /^5.*unparsable_line.*cannot be read/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the court’s own records list the new record, and retracting it (after a confirmation) marks it retracted', async () => {
  assert.ok(formRecordId > 0, 'the form test stored a record');
  const { context, page, problems } = await openPage(browser, demo, { locale: 'en' });
  await logIn(page, demo.account('agency'));
  await page.getByRole('link', { name: 'Our records' }).click();
  await page.locator('h1', { hasText: 'Our records' }).waitFor();
  const row = page.locator(`tr[data-record="${formRecordId}"]`);
  await row.waitFor();
  assert.match(
    (await row.textContent()) ?? '',
    new RegExp(`${formRef}.*${cleanResidentId(1)}.*court\\.defaulter\\.refuses`),
  );
  await row.getByText('Not retracted').waitFor();

  await row.getByRole('button', { name: `Retract record #${formRecordId}` }).click();
  await page.getByRole('heading', { name: `Retract record #${formRecordId} (${formRef})?` }).waitFor();
  // A retraction needs a reason.
  await page.getByRole('button', { name: 'Confirm the retraction' }).click();
  await page.locator('#retract-reason-problem').getByText('This field is required.').waitFor();
  // Cancelling changes nothing.
  await page.getByRole('button', { name: 'Cancel' }).click();
  await row.getByText('Not retracted').waitFor();
  await row.getByRole('button', { name: `Retract record #${formRecordId}` }).click();
  await page.locator('#retract-reason').fill('Entered for the wrong case');
  assert.equal(await page.locator('#retract-ref').inputValue(), `${formRef}-R`);
  await page.getByRole('button', { name: 'Confirm the retraction' }).click();
  const done = page.locator('.note-ok', { hasText: `Record #${formRecordId} was retracted by record #` });
  await done.waitFor();
  const retractionId = Number(/by record #(\d+)/.exec((await done.textContent()) ?? '')?.[1]);
  await row.getByText(`Retracted by record #${retractionId}`).waitFor();
  assert.equal(await row.getByRole('button', { name: /Retract/ }).count(), 0);
  await page.locator(`tr[data-record="${retractionId}"]`).getByText(`Retraction of record #${formRecordId}`).waitFor();
  assert.deepEqual(await accessibilityViolations(page), []);
  // The table fits the page: nothing scrolls sideways.
  assert.equal(await page.locator('.table-wrap').evaluate((wrap) => wrap.scrollWidth - wrap.clientWidth), 0);
  await screenshot(page, 'agency-records-en');

  // The list read again from the register says the same.
  await page.reload();
  await page.locator(`tr[data-record="${formRecordId}"]`).getByText(`Retracted by record #${retractionId}`).waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test('the console refuses another role', async () => {
  const { context, page } = await openPage(browser, demo, { locale: 'en' });
  await logIn(page, demo.account('service-point'));
  for (const path of ['/agency', '/agency/upload', '/agency/records']) {
    await page.goto(path);
    await page.getByText('Your account cannot use this page.').waitFor();
  }
  await context.close();
});
