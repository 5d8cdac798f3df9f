/** Test support: a fresh SQLite-backed app context with the demo agencies and catalogs published. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publishCatalog } from '../../src/app/catalogs.ts';
import { openContext, type AppContext } from '../../src/app/context.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { testKeys } from './keys.ts';
import { demoAgencies, demoCatalogInputs, demoPublishedAtMs } from './demo-catalogs.ts';

export interface TestContext {
  readonly context: AppContext;
  readonly path: string;
  close(): Promise<void>;
}

export async function openTestContext(options: { readonly catalogs?: boolean } = {}): Promise<TestContext> {
  const folder = mkdtempSync(join(tmpdir(), 'credence-test-'));
  const path = join(folder, 'credence.db');
  const store = openSqliteStore(path, { create: true, keys: testKeys });
  const context = await openContext(store, { keys: testKeys });
  await store.transaction((tx) => tx.putAgencies(demoAgencies()));
  if (options.catalogs !== false) {
    for (const input of demoCatalogInputs()) {
      const published = await publishCatalog(context, input, { nowMs: demoPublishedAtMs, actor: 'admin' });
      if (!published.ok) throw new Error(published.problem.message);
    }
  }
  return {
    context,
    path,
    close: async () => {
      await store.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
