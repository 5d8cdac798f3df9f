/**
 * What every use case works with: the store and the published catalogs, indexed. Catalogs change only through
 * publishCatalog, which refreshes the index after its transaction commits.
 */
import { buildCatalogSet, type CatalogSet } from '../core/catalog-set.ts';
import type { Store } from '../store/ports.ts';

export interface AppContext {
  readonly store: Store;
  catalogs: CatalogSet;
}

export async function openContext(store: Store): Promise<AppContext> {
  return { store, catalogs: buildCatalogSet(await store.catalogVersions()) };
}

export async function refreshCatalogs(context: AppContext): Promise<void> {
  context.catalogs = buildCatalogSet(await context.store.catalogVersions());
}
