/** Waiting in tests for what another part of the system does on its own time (a replica, a server's outbox round). */
import assert from 'node:assert/strict';

/** Waits until `check` holds, at most `ms`; fails with what it saw last. */
export async function eventually(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) assert.fail(`${what}: not within ${ms} ms (${String(last ?? 'still false')})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
