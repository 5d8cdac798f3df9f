/** Use case: publish a catalog version. Immutable once published; effective never before publication. */
import { checkPublication, parseCatalogDraft, type CatalogVersion } from '../core/catalog.ts';
import { fail, ok, type Result } from '../core/result.ts';
import { appendAudit } from './audit-chain.ts';
import { refreshCatalogs, type AppContext } from './context.ts';

export async function publishCatalog(
  context: AppContext,
  input: unknown,
  options: { readonly nowMs: number; readonly actor: string },
): Promise<Result<CatalogVersion>> {
  const draft = parseCatalogDraft(input);
  if (!draft.ok) return draft;
  const result = await context.store.transaction(async (tx) => {
    const previous = context.catalogs.versionsOf(draft.value.scheme.id);
    const version = checkPublication(draft.value, previous, options.nowMs);
    if (!version.ok) return version;
    // List ids are global: a list belongs to one scheme.
    for (const list of draft.value.scheme.lists) {
      const owner = context.catalogs.list(list.id);
      if (owner && owner.schemeId !== draft.value.scheme.id) {
        return fail<CatalogVersion>(
          'list_owned_elsewhere',
          `list ${list.id} belongs to scheme ${owner.schemeId}`,
          'scheme.lists',
        );
      }
    }
    await tx.insertCatalogVersion(version.value);
    await appendAudit(tx, context.keys, [
      {
        atMs: options.nowMs,
        kind: 'catalog.published',
        actor: options.actor,
        payload: {
          scheme: version.value.schemeId,
          version: version.value.version,
          effectiveFromMs: version.value.effectiveFromMs,
        },
      },
    ]);
    return ok(version.value);
  });
  if (result.ok) await refreshCatalogs(context);
  return result;
}
