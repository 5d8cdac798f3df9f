/**
 * `credence serve` end to end, as an operator runs it: it serves the demo city on a free port, answers a
 * service point, and on SIGTERM finishes what is in flight, writes the queued decisions and exits 0.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const folder = mkdtempSync(join(tmpdir(), 'credence-serve-'));
const db = join(folder, 'credence.db');
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['src/cli/main.ts', ...args, '--db', db], { cwd: root, encoding: 'utf8' });

after(() => rmSync(folder, { recursive: true, force: true }));

test('serve answers decisions and stops gracefully on SIGTERM (a second signal too), losing no decision', async () => {
  assert.equal(cli('demo', '--people', '300', '--seed', 'serve', '--now', '2026-11-22T00:00:00Z').status, 0);
  const member = JSON.parse(cli('lists', 'court-defaulters', '--unmasked', '--json').stdout) as { subject: string }[];
  const defaulter = member.find((m) => /^\d/.test(m.subject))?.subject;
  assert.ok(defaulter, 'the demo has a court defaulter with a resident ID');
  const created = cli('tokens', 'create', '--role', 'service-point', '--name', 'desk-1', '--scope', 'travel.flight');
  assert.equal(created.status, 0, created.stderr);
  const token = created.stdout.trim();
  assert.match(token, /^cr_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);

  const server = spawn(process.execPath, ['src/cli/main.ts', 'serve', '--port', '0', '--db', db], { cwd: root });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    server.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const found = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (found?.[1]) resolve(found[1]);
    });
    server.on('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));

  const health = await fetch(`${url}/healthz`);
  assert.equal(health.status, 200);
  const ask = () =>
    fetch(`${url}/v1/decisions?subject=${defaulter}&action=travel.flight`, {
      headers: { authorization: `Bearer ${token}` },
    });
  const first = await ask();
  assert.equal(first.status, 200);
  assert.equal(((await first.json()) as { outcome: string }).outcome, 'deny');

  // Many requests in flight, then SIGTERM: every one that was accepted is answered.
  const inFlight = Array.from({ length: 50 }, () =>
    ask().then(
      (r) => r.status,
      () => 'refused',
    ),
  );
  server.kill('SIGTERM');
  // An impatient second signal (Ctrl-C twice) is answered, not obeyed: the exit is still clean (not by the
  // signal) and the queued decisions are still written.
  server.kill('SIGINT');
  const statuses = await Promise.all(inFlight);
  assert.equal(await exited, 0, stderr);
  const answered = statuses.filter((s) => s === 200).length;
  assert.ok(
    // Answered (200), or turned away while closing: 503 on a kept-alive connection, or the connection refused.
    statuses.every((s) => s === 200 || s === 503 || s === 'refused'),
    JSON.stringify(statuses),
  );

  // Every answered decision is in the audit log.
  const store = new DatabaseSync(db, { readOnly: true });
  const logged = store.prepare("SELECT count(*) AS n FROM audit_events WHERE kind = 'decision.made'").get();
  store.close();
  assert.equal(Number(logged?.n), answered + 1);
});
