/**
 * /catalogs/:scheme[?version=N]: a scheme's version history and one version's content (by default the version in
 * force): settings, grades and thresholds, lists, rules with their effects in words, and measures.
 */
import { useLocation, useRoute } from 'preact-iso';
import type { CatalogDraft } from '../../../core/catalog.ts';
import { findAction } from '../../../core/actions.ts';
import { ApiError } from '../../api.ts';
import { Show, useLoad } from '../../components/async.tsx';
import { Page } from '../../components/page.tsx';
import { useI18n, type I18n } from '../../i18n.ts';
import {
  loadSchemes,
  loadVersion,
  statusOf,
  versionInForce,
  type CatalogVersionBody,
  type SchemeSummary,
} from './data.ts';
import { categoryKey, kindsText, ListColour, repairText, ruleLines, statusKey } from './parts.tsx';

async function loadScheme(scheme: string, wanted: number | undefined, nowMs: number) {
  const summary = (await loadSchemes()).find((s) => s.scheme === scheme);
  if (summary === undefined) throw new ApiError(404, 'unknown_scheme', `no published scheme ${scheme}`);
  const inForce = versionInForce(summary.versions, nowMs);
  const chosen = wanted ?? inForce?.version ?? summary.versions[0]?.version ?? 1;
  const body = await loadVersion(scheme, chosen);
  return { summary, inForce, body };
}

export default function CatalogPage() {
  const i18n = useI18n();
  const { t } = i18n;
  const { params, query } = useRoute();
  const scheme = params.scheme ?? '';
  const wanted = query.version === undefined ? undefined : Number(query.version);
  const nowMs = Date.now();
  const [loaded, reload] = useLoad(() => loadScheme(scheme, wanted, nowMs), [scheme, wanted]);
  const title = loaded.state === 'ready' ? i18n.pick(loaded.data.summary.title) : t('public.catalogs.title');
  return (
    <Page title={title}>
      <Show loaded={loaded} onRetry={reload}>
        {({ summary, inForce, body }) => (
          <SchemeView summary={summary} inForceVersion={inForce?.version} body={body} nowMs={nowMs} />
        )}
      </Show>
    </Page>
  );
}

function SchemeView({
  summary,
  inForceVersion,
  body,
  nowMs,
}: {
  readonly summary: SchemeSummary;
  readonly inForceVersion: number | undefined;
  readonly body: CatalogVersionBody;
  readonly nowMs: number;
}) {
  const i18n = useI18n();
  const { t, pick, date, instant } = i18n;
  const location = useLocation();
  const { catalog } = body;
  const inForce = summary.versions.find((v) => v.version === inForceVersion);
  const base = `/catalogs/${encodeURIComponent(summary.scheme)}`;
  // The shown version against the one before it, or (for the first) against the one after.
  const previous = summary.versions.filter((v) => v.version < body.version).at(-1);
  const following = summary.versions.find((v) => v.version > body.version);
  const pair = previous
    ? { from: previous.version, to: body.version }
    : following
      ? { from: body.version, to: following.version }
      : undefined;
  const diffHref = pair ? `${base}/diff?from=${pair.from}&to=${pair.to}` : `${base}/diff`;
  return (
    <>
      <dl class="facts">
        <dt>{t('public.catalogs.authority')}</dt>
        <dd>{pick(summary.authority)}</dd>
        <dt>{t('public.catalog.model')}</dt>
        <dd>{catalog.scheme.model}</dd>
      </dl>

      <h2>{t('public.catalog.history')}</h2>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{t('common.version')}</th>
              <th scope="col">{t('public.catalog.published')}</th>
              <th scope="col">{t('public.catalog.effective')}</th>
              <th scope="col">{t('common.status')}</th>
              <th scope="col">
                <span class="visually-hidden">{t('common.details')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {summary.versions.map((v) => (
              <tr key={v.version}>
                <th scope="row">{t('public.catalogs.version', { n: v.version })}</th>
                <td>{instant(v.publishedAt)}</td>
                <td>{instant(v.effectiveFrom)}</td>
                <td>{t(statusKey(statusOf(v, inForce, nowMs)))}</td>
                <td>
                  {v.version === body.version ? (
                    <span class="muted">{t('public.catalog.shown')}</span>
                  ) : (
                    <a href={`${base}?version=${v.version}`}>{t('public.catalog.show', { n: v.version })}</a>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="pickers">
        <div class="field">
          <label for="version">{t('public.catalog.picker')}</label>
          <select
            id="version"
            value={String(body.version)}
            onChange={(e) => location.route(`${base}?version=${e.currentTarget.value}`)}
          >
            {summary.versions.map((v) => (
              <option key={v.version} value={String(v.version)}>
                {t('public.catalogs.version', { n: v.version })}
              </option>
            ))}
          </select>
        </div>
        <a class="button" href={diffHref}>
          {t('public.catalog.diffLink')}
        </a>
      </div>
      <p>
        {t('public.catalog.showing', {
          n: body.version,
          date: date(body.effectiveFrom),
          status: t(statusKey(statusOf(body, inForce, nowMs))),
        })}
      </p>
      {catalog.notes !== undefined && (
        <>
          <h3>{t('public.catalog.notes')}</h3>
          <p>{catalog.notes}</p>
        </>
      )}

      <Settings catalog={catalog} i18n={i18n} />
      <Lists catalog={catalog} i18n={i18n} />
      <Rules catalog={catalog} i18n={i18n} />
      <Measures catalog={catalog} i18n={i18n} />
    </>
  );
}

function Settings({ catalog, i18n }: { readonly catalog: CatalogDraft; readonly i18n: I18n }) {
  const { t, number } = i18n;
  const { scheme } = catalog;
  const listTitle = (id: string) => i18n.pick(scheme.lists.find((l) => l.id === id)?.title) || id;
  return (
    <section aria-labelledby="settings">
      <h2 id="settings">{t('public.catalog.settings')}</h2>
      <dl class="facts">
        <dt>{t('public.catalogs.jurisdiction')}</dt>
        <dd class="mono">{scheme.jurisdiction}</dd>
        <dt>{t('public.catalogs.subjects')}</dt>
        <dd>{kindsText(scheme.subjectKinds, i18n)}</dd>
        <dt>{t('public.catalog.objectionWindow')}</dt>
        <dd>{t('public.catalog.objectionWindowValue', { n: scheme.objectionWindowDays })}</dd>
        <dt>{t('public.catalog.review')}</dt>
        <dd>{t('public.workingDays', { n: scheme.objectionReviewWorkingDays })}</dd>
        <dt>{t('public.catalog.disputed')}</dt>
        <dd>{t(scheme.disputedStopsCounting ? 'public.catalog.disputedStops' : 'public.catalog.disputedCounts')}</dd>
        {scheme.points && (
          <>
            <dt>{t('public.catalog.points')}</dt>
            <dd>
              {t('public.catalog.pointsValue', {
                base: scheme.points.base,
                min: scheme.points.min,
                max: scheme.points.max,
              })}
            </dd>
          </>
        )}
      </dl>
      {scheme.points && (
        <>
          <h3>{t('public.catalog.grades')}</h3>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('common.grade')}</th>
                  <th scope="col">{t('public.catalog.gradeMin')}</th>
                </tr>
              </thead>
              <tbody>
                {scheme.points.grades.map((g) => (
                  <tr key={g.grade}>
                    <th scope="row">{g.grade}</th>
                    <td>{g.minPoints === undefined ? t('public.catalog.gradeDirect') : number(g.minPoints)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      {scheme.thresholds.length > 0 && (
        <>
          <h3>{t('public.catalog.thresholds')}</h3>
          <ul>
            {scheme.thresholds.map((th, i) => (
              <li key={i}>
                {'atOrBelow' in th
                  ? t('public.catalog.thresholdPoints', { points: th.atOrBelow, list: listTitle(th.list) })
                  : t('public.catalog.thresholdGrades', { grades: th.grades.join(', '), list: listTitle(th.list) })}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function Lists({ catalog, i18n }: { readonly catalog: CatalogDraft; readonly i18n: I18n }) {
  const { t, pick } = i18n;
  return (
    <section aria-labelledby="lists">
      <h2 id="lists">{t('public.catalog.lists')}</h2>
      {catalog.scheme.lists.length === 0 ? (
        <p>{t('common.none')}</p>
      ) : (
        <div class="table-wrap">
          <table class="wide">
            <thead>
              <tr>
                <th scope="col">{t('common.list')}</th>
                <th scope="col">{t('public.catalog.listColour')}</th>
                <th scope="col">{t('public.catalog.maxTerm')}</th>
                <th scope="col">{t('public.catalog.publication')}</th>
                <th scope="col">{t('common.legalBasis')}</th>
                <th scope="col">{t('public.catalog.repair')}</th>
              </tr>
            </thead>
            <tbody>
              {catalog.scheme.lists.map((l) => (
                <tr key={l.id}>
                  <th scope="row">
                    {l.public ? <a href={`/lists/${encodeURIComponent(l.id)}`}>{pick(l.title)}</a> : pick(l.title)}
                    <div class="mono muted">{l.id}</div>
                  </th>
                  <td>
                    <ListColour color={l.color} />
                  </td>
                  <td>{t('public.days', { n: l.maxTermDays })}</td>
                  <td>
                    {l.public
                      ? t('public.catalog.publicationValue', { n: l.publicationDays })
                      : t('public.catalog.notPublic')}
                  </td>
                  <td class="text">{l.legalBasis}</td>
                  <td class="text">{l.repair ? repairText(l.repair, i18n) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Rules({ catalog, i18n }: { readonly catalog: CatalogDraft; readonly i18n: I18n }) {
  const { t, pick } = i18n;
  return (
    <section aria-labelledby="rules">
      <h2 id="rules">{t('public.catalog.rules')}</h2>
      <div class="table-wrap">
        <table class="wide">
          <thead>
            <tr>
              <th scope="col">{t('common.rule')}</th>
              <th scope="col">{t('public.catalog.category')}</th>
              <th scope="col">{t('public.catalog.effect')}</th>
              <th scope="col">{t('public.catalog.validity')}</th>
              <th scope="col">{t('common.legalBasis')}</th>
              <th scope="col">{t('public.catalog.agencies')}</th>
            </tr>
          </thead>
          <tbody>
            {catalog.rules.map((r) => (
              <tr key={r.code} id={`rule-${r.code}`}>
                <th scope="row">
                  {pick(r.title)}
                  <div class="mono muted">{r.code}</div>
                </th>
                <td>{t(categoryKey(r.category))}</td>
                <td class="text">
                  <ul class="lines">
                    {ruleLines(r, catalog, i18n).map((line, i) => (
                      <li key={i}>{line}</li>
                    ))}
                  </ul>
                </td>
                <td>{t('public.days', { n: r.validityDays })}</td>
                <td class="text">{r.legalBasis}</td>
                <td class="mono">{r.agencies.join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Measures({ catalog, i18n }: { readonly catalog: CatalogDraft; readonly i18n: I18n }) {
  const { t, pick } = i18n;
  const listTitle = (id: string) => pick(catalog.scheme.lists.find((l) => l.id === id)?.title) || id;
  const separator = i18n.locale === 'zh-CN' ? '、' : ', ';
  return (
    <section aria-labelledby="measures">
      <h2 id="measures">{t('public.catalog.measures')}</h2>
      {catalog.measures.length === 0 ? (
        <p>{t('common.none')}</p>
      ) : (
        <div class="table-wrap">
          <table class="wide">
            <thead>
              <tr>
                <th scope="col">{t('public.catalog.measures')}</th>
                <th scope="col">{t('public.catalog.measureKind')}</th>
                <th scope="col">{t('public.catalog.measureOn')}</th>
                <th scope="col">{t('public.catalog.measureActions')}</th>
                <th scope="col">{t('common.legalBasis')}</th>
              </tr>
            </thead>
            <tbody>
              {catalog.measures.map((m) => (
                <tr key={m.id}>
                  <th scope="row">
                    {pick(m.title)}
                    <div class="mono muted">{m.id}</div>
                  </th>
                  <td>
                    <span class={`badge measure-kind ${m.kind === 'sanction' ? 'badge-deny' : 'badge-allow'}`}>
                      {t(m.kind === 'sanction' ? 'public.catalog.sanction' : 'public.catalog.incentive')}
                    </span>
                  </td>
                  <td>
                    {'list' in m.on
                      ? t('public.catalog.onList', { list: listTitle(m.on.list) })
                      : t('public.catalog.onGrades', { grades: m.on.grades.join(', ') })}
                    {m.extendsTo.length > 0 && (
                      <p>
                        {t('public.catalog.extendsTo', {
                          roles: m.extendsTo.map((r) => t(`public.role.${r}`)).join(separator),
                        })}
                      </p>
                    )}
                  </td>
                  <td>
                    <ul class="lines">
                      {m.actions.map((code) => {
                        const action = findAction(code);
                        return (
                          <li key={code}>
                            {action ? pick(action.title) : code} <span class="mono muted">{code}</span>
                          </li>
                        );
                      })}
                    </ul>
                  </td>
                  <td class="text">{m.legalBasis}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
