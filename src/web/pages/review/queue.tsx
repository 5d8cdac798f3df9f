/**
 * One review queue, for either kind of item (an objection or a repair application): the page with the console's
 * sub-navigation, the filter (open, overdue, decided, all), the table by review deadline, soonest first, overdue
 * ones flagged, and the opened item: its facts, the record under review, the outcome once decided, and, for a
 * reviewer, the decision form. The item is chosen in the page's state, never in its address. What differs between
 * the two kinds (the API's path, the outcomes, the columns and facts of their own) is a `ReviewKind`.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { pageSizeMax } from '../../../core/constants.ts';
import { get, post, withQuery } from '../../api.ts';
import { Show, useLoad } from '../../components/async.tsx';
import { RequireRole } from '../../components/guard.tsx';
import { Page, SubNav } from '../../components/page.tsx';
import { useI18n, type I18n } from '../../i18n.ts';
import type { MessageKey } from '../../messages/index.ts';
import type { Session } from '../../session.ts';
import { DecisionForm, RecordSection, type OutcomeChoice, type RecordUnderReview } from './shared.tsx';

/** What every item under review has. */
export interface ReviewedItem {
  readonly id: number;
  readonly subject: string;
  readonly recordId: number;
  readonly reviewDueAt: string;
  readonly overdue: boolean;
  readonly status: string;
  readonly decidedAt?: string;
  readonly decidedBy?: string;
  readonly decisionReasons?: string;
}

/** A column of the queue after the record's. */
export interface QueueColumn<T> {
  readonly head: MessageKey;
  readonly cell: (item: T, i18n: I18n) => ComponentChildren;
}

export interface ReviewKind<T extends ReviewedItem> {
  /** Names the opened item's heading: `${noun}-heading`. */
  readonly noun: string;
  /** The API's queue (GET with status, overdue and limit); a decision is POSTed to `${path}/${id}/decision`. */
  readonly path: string;
  /** The field of the queue's answer that holds the items. */
  readonly field: string;
  readonly text: {
    readonly title: MessageKey;
    readonly intro: MessageKey;
    readonly queue: MessageKey;
    /** With {n}. */
    readonly count: MessageKey;
    /** The id column's head. */
    readonly item: MessageKey;
    /** With {id}. */
    readonly openLabel: MessageKey;
    /** With {id}. */
    readonly itemTitle: MessageKey;
    readonly missing: MessageKey;
  };
  /** The outcomes a reviewer chooses from (the decided statuses), each with what it means. */
  readonly outcomes: readonly OutcomeChoice[];
  readonly columns: readonly QueueColumn<T>[];
  readonly loadItem: (id: number) => Promise<T | undefined>;
  /** The item's facts between its subject and its deadline. */
  readonly facts: (item: T, i18n: I18n) => ComponentChildren;
  /** The record the decision made (with {id}), for the decided note. */
  readonly followUp: (item: T) => { readonly key: MessageKey; readonly id: number } | undefined;
  /** More about the record under review, under its facts. */
  readonly recordDetails?: (item: T, record: RecordUnderReview) => ComponentChildren;
}

export function ReviewNav() {
  const { t } = useI18n();
  return (
    <SubNav
      label={t('review.nav')}
      links={[
        { href: '/review', text: t('review.nav.objections') },
        { href: '/review/repairs', text: t('review.nav.repairs') },
      ]}
    />
  );
}

/* ---------- Loading a queue ---------- */

export type QueueFilter = 'open' | 'overdue' | 'decided' | 'all';
export const queueFilters: readonly QueueFilter[] = ['open', 'overdue', 'decided', 'all'];

interface Queue<T> {
  readonly items: readonly T[];
  readonly overdue: number;
}

/** Soonest deadline first, then the oldest item. */
export function byDeadline<T extends { readonly reviewDueAt: string; readonly id: number }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => Date.parse(a.reviewDueAt) - Date.parse(b.reviewDueAt) || a.id - b.id);
}

/** One page of the API's queue (as many as it gives at once). */
export async function readQueue<T>(
  path: string,
  field: string,
  query: Readonly<Record<string, string | number>>,
): Promise<Queue<T>> {
  const answer = await get<{ readonly overdue: number } & Readonly<Record<string, unknown>>>(
    withQuery(path, { ...query, limit: pageSizeMax }),
  );
  return { items: (answer[field] ?? []) as readonly T[], overdue: answer.overdue };
}

async function loadQueue<T extends ReviewedItem>(kind: ReviewKind<T>, filter: QueueFilter): Promise<Queue<T>> {
  const page = (query: Readonly<Record<string, string>>) => readQueue<T>(kind.path, kind.field, query);
  if (filter === 'decided') {
    const pages = await Promise.all(kind.outcomes.map((o) => page({ status: o.value })));
    return { items: byDeadline(pages.flatMap((p) => p.items)), overdue: pages[0]?.overdue ?? 0 };
  }
  const queue = await page(filter === 'open' ? { status: 'open' } : filter === 'overdue' ? { overdue: 'true' } : {});
  return { items: byDeadline(queue.items), overdue: queue.overdue };
}

/* ---------- Queue pieces ---------- */

export function Deadline({ due, overdue }: { readonly due: string; readonly overdue: boolean }) {
  const { t, instant } = useI18n();
  return (
    <>
      <time dateTime={due}>{instant(due)}</time>{' '}
      {overdue && <span class="badge badge-deny">{t('common.overdue')}</span>}
    </>
  );
}

function StatusBadge({ status, outcomes }: { readonly status: string; readonly outcomes: readonly OutcomeChoice[] }) {
  const { t } = useI18n();
  if (status === 'open') return <span class="badge badge-warn">{t('review.status.open')}</span>;
  const outcome = outcomes.find((o) => o.value === status);
  return <span class="badge">{outcome === undefined ? status : t(outcome.label)}</span>;
}

function FilterSelect({
  value,
  onChange,
}: {
  readonly value: QueueFilter;
  readonly onChange: (f: QueueFilter) => void;
}) {
  const { t } = useI18n();
  return (
    <div class="field review-filter">
      <label for="review-filter">{t('review.filter')}</label>
      <select id="review-filter" value={value} onChange={(e) => onChange(e.currentTarget.value as QueueFilter)}>
        {queueFilters.map((f) => (
          <option key={f} value={f}>
            {t(`review.filter.${f}`)}
          </option>
        ))}
      </select>
    </div>
  );
}

/** A heading that takes the focus when it appears (an item opened from the queue). */
function FocusedHeading({ id, children }: { readonly id: string; readonly children: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, [id]);
  return (
    <h2 id={id} ref={ref} tabIndex={-1} class="review-item-heading">
      {children}
    </h2>
  );
}

/* ---------- The queue ---------- */

function ReviewQueue<T extends ReviewedItem>({
  kind,
  session,
}: {
  readonly kind: ReviewKind<T>;
  readonly session: Session;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const [filter, setFilter] = useState<QueueFilter>('open');
  const [openId, setOpenId] = useState<number | undefined>();
  const [round, setRound] = useState(0);
  const [queue, reload] = useLoad(() => loadQueue(kind, filter), [kind, filter, round]);
  return (
    <>
      <div class="row review-toolbar">
        <FilterSelect value={filter} onChange={setFilter} />
        <button type="button" onClick={reload}>
          {t('review.refresh')}
        </button>
      </div>
      <Show loaded={queue} onRetry={reload}>
        {(data) => (
          <section aria-labelledby="queue-heading">
            <h2 id="queue-heading">{t(kind.text.queue)}</h2>
            <p role="status">
              {t(kind.text.count, { n: data.items.length })}{' '}
              {data.overdue > 0 ? (
                <span class="badge badge-deny">{t('review.overdueCount', { n: data.overdue })}</span>
              ) : (
                <span class="muted">{t('review.noneOverdue')}</span>
              )}
            </p>
            {data.items.length === 0 ? (
              <p>{t('common.none')}</p>
            ) : (
              <div class="table-wrap">
                <table class="review-queue" aria-labelledby="queue-heading">
                  <thead>
                    <tr>
                      <th scope="col">{t(kind.text.item)}</th>
                      <th scope="col">{t('common.actions')}</th>
                      <th scope="col">{t('common.deadline')}</th>
                      <th scope="col">{t('common.status')}</th>
                      <th scope="col">{t('common.subject')}</th>
                      <th scope="col">{t('review.record')}</th>
                      {kind.columns.map((c) => (
                        <th key={c.head} scope="col">
                          {t(c.head)}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {data.items.map((item) => (
                      <tr key={item.id} class={item.id === openId ? 'review-current' : undefined}>
                        <th scope="row">#{item.id}</th>
                        <td>
                          <button
                            type="button"
                            aria-label={t(kind.text.openLabel, { id: String(item.id) })}
                            aria-pressed={item.id === openId}
                            onClick={() => setOpenId(item.id)}
                          >
                            {t('common.open')}
                          </button>
                        </td>
                        <td>
                          <Deadline due={item.reviewDueAt} overdue={item.overdue} />
                        </td>
                        <td>
                          <StatusBadge status={item.status} outcomes={kind.outcomes} />
                        </td>
                        <td class="mono">{item.subject}</td>
                        <td>#{item.recordId}</td>
                        {kind.columns.map((c) => (
                          <td key={c.head}>{c.cell(item, i18n)}</td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        )}
      </Show>
      {openId !== undefined && (
        <ReviewItem
          key={openId}
          kind={kind}
          id={openId}
          session={session}
          onClose={() => setOpenId(undefined)}
          onDecided={() => setRound((r) => r + 1)}
        />
      )}
    </>
  );
}

/* ---------- The opened item ---------- */

/** The outcome of a decided item: what it means, who decided, the record it made, the reasons. */
function DecidedNote<T extends ReviewedItem>({
  kind,
  item,
  fresh,
}: {
  readonly kind: ReviewKind<T>;
  readonly item: T;
  /** Decided just now, on this page: announced. */
  readonly fresh: boolean;
}) {
  const { t, instant } = useI18n();
  const outcome = kind.outcomes.find((o) => o.value === item.status);
  const followUp = kind.followUp(item);
  return (
    <div class={fresh ? 'note note-ok' : 'note'} role={fresh ? 'status' : undefined}>
      <p>
        <strong>
          {t('review.decided', {
            outcome: outcome === undefined ? item.status : t(outcome.label),
            date: instant(item.decidedAt),
          })}
        </strong>
      </p>
      {outcome !== undefined && <p>{t(outcome.hint)}</p>}
      <p>
        {t('review.decidedBy', { name: item.decidedBy ?? '—' })}
        {followUp !== undefined && ` · ${t(followUp.key, { id: String(followUp.id) })}`}
      </p>
      <p>
        {t('common.reasons')}: {item.decisionReasons}
      </p>
    </div>
  );
}

function ReviewItem<T extends ReviewedItem>({
  kind,
  id,
  session,
  onClose,
  onDecided,
}: {
  readonly kind: ReviewKind<T>;
  readonly id: number;
  readonly session: Session;
  readonly onClose: () => void;
  readonly onDecided: () => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const [round, setRound] = useState(0);
  const [justDecided, setJustDecided] = useState(false);
  const [loaded, reload] = useLoad(() => kind.loadItem(id), [kind, id, round]);
  const decide = async (outcome: string, reasons: string) => {
    await post<T>(`${kind.path}/${id}/decision`, { outcome, reasons });
    setJustDecided(true);
    setRound((r) => r + 1);
    onDecided();
  };
  const headingId = `${kind.noun}-heading`;
  const { recordDetails } = kind;
  return (
    <section class="review-item" aria-labelledby={headingId}>
      <FocusedHeading id={headingId}>{t(kind.text.itemTitle, { id: String(id) })}</FocusedHeading>
      <Show loaded={loaded} onRetry={reload}>
        {(item) =>
          item === undefined ? (
            <p class="note note-warn">{t(kind.text.missing)}</p>
          ) : (
            <>
              {item.status !== 'open' && <DecidedNote kind={kind} item={item} fresh={justDecided} />}
              <dl class="facts">
                <dt>{t('common.subject')}</dt>
                <dd class="mono">{item.subject}</dd>
                {kind.facts(item, i18n)}
                <dt>{t('review.dueBy')}</dt>
                <dd>
                  <Deadline due={item.reviewDueAt} overdue={item.overdue} />
                </dd>
                <dt>{t('common.status')}</dt>
                <dd>
                  <StatusBadge status={item.status} outcomes={kind.outcomes} />
                </dd>
              </dl>
              <RecordSection subject={item.subject} recordId={item.recordId} round={round}>
                {recordDetails && ((record) => recordDetails(item, record))}
              </RecordSection>
              {item.status === 'open' &&
                (session.role === 'reviewer' ? (
                  <DecisionForm choices={kind.outcomes} onDecide={decide} />
                ) : (
                  // Who decides: reviewers. An administrator reads the queues but the API lets only a reviewer decide.
                  <p class="note">{t('review.decision.reviewersOnly')}</p>
                ))}
            </>
          )
        }
      </Show>
      <p>
        <button type="button" onClick={onClose}>
          {t('review.backToQueue')}
        </button>
      </p>
    </section>
  );
}

/** A queue's page: for reviewers (who decide) and administrators (who read). */
export function ReviewQueuePage<T extends ReviewedItem>({ kind }: { readonly kind: ReviewKind<T> }) {
  const { t } = useI18n();
  return (
    <Page title={t(kind.text.title)} intro={<p>{t(kind.text.intro)}</p>}>
      <RequireRole roles={['reviewer', 'admin']}>
        {(session) => (
          <>
            <ReviewNav />
            <ReviewQueue kind={kind} session={session} />
          </>
        )}
      </RequireRole>
    </Page>
  );
}
