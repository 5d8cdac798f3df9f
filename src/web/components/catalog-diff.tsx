/**
 * A catalog diff (core/catalog-diff.ts) for people: one block per changed rule, measure, list or setting, with a
 * badge for added / removed / changed and, for a change, each field's value before and after.
 */
import type { CatalogChange, CatalogSection } from '../../core/catalog-diff.ts';
import { useI18n } from '../i18n.ts';
import type { MessageKey } from '../messages/index.ts';

const sectionKey: Readonly<Record<CatalogSection, MessageKey>> = {
  catalog: 'diff.section.catalog',
  scheme: 'diff.section.scheme',
  list: 'diff.section.list',
  rule: 'diff.section.rule',
  measure: 'diff.section.measure',
};
const changeKey: Readonly<Record<CatalogChange['change'], MessageKey>> = {
  added: 'diff.added',
  removed: 'diff.removed',
  changed: 'diff.changed',
};
const changeClass = { added: 'badge-allow', removed: 'badge-deny', changed: 'badge-warn' } as const;

function show(value: unknown): string {
  if (value === undefined) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function CatalogDiff({ changes }: { readonly changes: readonly CatalogChange[] }) {
  const { t } = useI18n();
  if (changes.length === 0) return <p class="note note-ok">{t('diff.none')}</p>;
  return (
    <div class="catalog-diff">
      <p>{t('diff.count', { n: changes.length })}</p>
      {changes.map((c) => (
        <section
          key={`${c.section}:${c.id}`}
          class={`diff-${c.change}`}
          aria-label={`${t(sectionKey[c.section])} ${c.id}`}
        >
          <h3>
            {t(sectionKey[c.section])} <code>{c.id}</code>{' '}
            <span class={`badge ${changeClass[c.change]}`}>{t(changeKey[c.change])}</span>
          </h3>
          {c.fields.length > 0 && (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('diff.field')}</th>
                    <th scope="col">{t('diff.before')}</th>
                    <th scope="col">{t('diff.after')}</th>
                  </tr>
                </thead>
                <tbody>
                  {c.fields.map((f) => (
                    <tr key={f.path}>
                      <th scope="row">
                        <code>{f.path}</code>
                      </th>
                      <td class="mono">{show(f.before)}</td>
                      <td class="mono">{show(f.after)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      ))}
    </div>
  );
}
