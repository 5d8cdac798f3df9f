/**
 * What every use case works with: the store, the published catalogs (indexed), and observers told about each
 * committed change (the decision index is one). Catalogs change only through publishCatalog, which refreshes the
 * index after its transaction commits.
 */
import { buildCatalogSet, type CatalogSet } from '../core/catalog-set.ts';
import type { SubjectId } from '../core/identifiers.ts';
import type { Store } from '../store/ports.ts';
import type { Keyring } from './keyring.ts';

/** Told after a write commits, before the use case returns: the caller's next read sees the change. */
export interface ChangeObserver {
  subjectsChanged(subjects: readonly SubjectId[]): Promise<void>;
  catalogsChanged(): Promise<void>;
  /** A passport now stands for this resident subject. */
  passportLinked?(passport: string, subject: SubjectId): Promise<void>;
}

export interface AppContext {
  readonly store: Store;
  catalogs: CatalogSet;
  readonly observers: ChangeObserver[];
  /** The service's keys: lookup tokens for the audit log, checkpoint signatures. */
  readonly keys: Keyring;
}

export async function openContext(store: Store, options: { readonly keys: Keyring }): Promise<AppContext> {
  return { store, catalogs: buildCatalogSet(await store.catalogVersions()), observers: [], keys: options.keys };
}

export async function refreshCatalogs(context: AppContext): Promise<void> {
  context.catalogs = buildCatalogSet(await context.store.catalogVersions());
  for (const observer of context.observers) await observer.catalogsChanged();
}

export async function notifySubjectsChanged(context: AppContext, subjects: readonly SubjectId[]): Promise<void> {
  if (subjects.length === 0) return;
  for (const observer of context.observers) await observer.subjectsChanged(subjects);
}
