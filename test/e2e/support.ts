/**
 * End-to-end support: the web app built for the test file, a demo city served by the
 * real `credence start` on a free port, and Debian's Chromium driven by playwright-core. Screenshots go to one
 * folder (CREDENCE_E2E_ARTEFACTS, default test-output/e2e), which every test file prints. The server's log lines
 * are kept for the identifier scan that follows `npm test` (test/run.ts).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { keepServerOutput } from '../support/server-output.ts';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const chromiumPath = process.env.CREDENCE_CHROMIUM ?? '/usr/bin/chromium';
export const artefacts = process.env.CREDENCE_E2E_ARTEFACTS ?? join(root, 'test-output', 'e2e');

/**
 * Builds the web app for this test file into a folder of its own (served through CREDENCE_WEB_ROOT), so that test
 * files never drive a stale build and never pull one from under each other. Same config as dist/web.
 */
export function buildWeb(): string {
  const outDir = mkdtempSync(join(tmpdir(), 'credence-e2e-web-'));
  const built = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--logLevel',
      'warn',
      '--outDir',
      outDir,
      '--emptyOutDir',
    ],
    { cwd: root, encoding: 'utf8' },
  );
  if (built.status !== 0) throw new Error(`vite build failed:\n${built.stdout}\n${built.stderr}`);
  return outDir;
}

export interface DemoAccount {
  readonly role: 'admin' | 'reviewer' | 'agency' | 'service-point' | 'subject';
  readonly login: string;
  readonly password: string;
}

export interface Demo {
  readonly url: string;
  readonly db: string;
  readonly accounts: readonly DemoAccount[];
  account(role: DemoAccount['role']): DemoAccount;
  /** Runs the `credence` command on the demo's database. */
  cli(...args: string[]): { status: number | null; stdout: string; stderr: string };
  stop(): Promise<void>;
}

/** `credence start` on a new database: the demo city is made, its accounts written, and it is served. */
export async function startDemo(options: { readonly people?: number } = {}): Promise<Demo> {
  const web = buildWeb();
  const folder = mkdtempSync(join(tmpdir(), 'credence-e2e-'));
  const db = join(folder, 'credence.db');
  const args = ['src/cli/main.ts', 'start', '--db', db, '--port', '0'];
  if (options.people !== undefined) args.push('--people', String(options.people));
  const server: ChildProcess = spawn(process.execPath, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CREDENCE_WEB_ROOT: web },
  });
  let stderr = '';
  let pending = '';
  server.stdout?.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    // The service's log lines (JSON); the rest is the command's own report to its operator (the demo's summary).
    for (const line of lines) if (line.startsWith('{')) keepServerOutput('log', line);
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`credence start did not listen within 120 s:\n${stderr}`)),
      120_000,
    );
    server.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const found = /serves \S+ at (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (found?.[1]) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    });
    server.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`credence start exited ${code}:\n${stderr}`));
    });
  });
  const accounts = JSON.parse(readFileSync(`${db}.accounts`, 'utf8')) as DemoAccount[];
  const exited = new Promise<void>((resolve) => server.on('exit', () => resolve()));
  return {
    url,
    db,
    accounts,
    account(role) {
      const found = accounts.find((a) => a.role === role);
      if (found === undefined) throw new Error(`the demo has no ${role} account`);
      return found;
    },
    cli: (...cliArgs) => {
      const run = spawnSync(process.execPath, ['src/cli/main.ts', ...cliArgs, '--db', db], {
        cwd: root,
        encoding: 'utf8',
      });
      return { status: run.status, stdout: run.stdout, stderr: run.stderr };
    },
    async stop() {
      server.kill('SIGTERM');
      await exited;
      rmSync(folder, { recursive: true, force: true });
      rmSync(web, { recursive: true, force: true });
    },
  };
}

/**
 * A test file's demo city and browser: started before its tests (handed to `set`, then the file's own `setUp`
 * runs), stopped after them, and the screenshots' folder printed.
 */
export function startDemoAndBrowser(
  set: (started: { demo: Demo; browser: Browser }) => void,
  options: { readonly people?: number; readonly setUp?: () => Promise<void> | void } = {},
): void {
  let demo: Demo | undefined;
  let browser: Browser | undefined;
  before(async () => {
    demo = await startDemo(options.people === undefined ? {} : { people: options.people });
    browser = await launchBrowser();
    set({ demo, browser });
    await options.setUp?.();
  });
  after(async () => {
    await browser?.close();
    await demo?.stop();
    process.stdout.write(`e2e screenshots: ${artefacts}\n`);
  });
}

/** Debian's Chromium, headless, with none of its calls home (this machine's network is closed). */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `no Chromium at ${chromiumPath}: install it with apt-get install chromium fonts-wqy-microhei ` +
        '(the font draws Chinese), or name another with CREDENCE_CHROMIUM',
    );
  }
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

export const phoneViewport = { width: 390, height: 844 };
export const desktopViewport = { width: 1280, height: 900 };

/**
 * A browser context in a language (navigator.language, which the app starts in) and a viewport; the page fails
 * the test on any console error or uncaught exception (a CSP violation, a crash in a component).
 */
export async function openPage(
  browser: Browser,
  demo: Demo,
  options: { readonly locale?: 'zh-CN' | 'en'; readonly viewport?: { width: number; height: number } } = {},
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({
    baseURL: demo.url,
    locale: options.locale ?? 'en',
    viewport: options.viewport ?? desktopViewport,
    acceptDownloads: true,
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    // A refused request (a 4xx the page then shows) is the app working; anything else logged as an error is not.
    if (message.type() === 'error' && !/Failed to load resource/.test(message.text()))
      problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return { context, page, problems };
}

/** Logs in through the login page and waits for the role's start page. */
export async function logIn(page: Page, account: DemoAccount): Promise<void> {
  await page.goto('/login');
  await page.locator('#login').fill(account.login);
  await page.locator('#password').fill(account.password);
  await page.locator('form button[type=submit]').click();
  await page.waitForURL((url) => url.pathname !== '/login');
}

/** Axe's WCAG 2 A and AA rules (labels, contrast, landmarks, names) on the page as it is now: the violations. */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`);
}

/** Saves a full-page screenshot under the artefacts folder; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artefacts, { recursive: true });
  const path = join(artefacts, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * How many pixels the page is wider than its window, measured once the page's data has come and been drawn (a
 * page measured while it loads shows only its frame, which is never too wide).
 */
export async function overflowOf(page: Page): Promise<number> {
  await page.waitForLoadState('networkidle');
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}
