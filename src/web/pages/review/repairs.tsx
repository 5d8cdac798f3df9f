/**
 * The reviewer's repair queue (queue.tsx): applications to end a listing or a direct grade early, by review
 * deadline, overdue ones flagged. Opening one shows the record and what it brought, the policy it is judged by
 * (the minimum period and the conditions the list or rule declares) against what the applicant affirmed, their
 * statement, and, for a reviewer, the decision: approved (a repair record ends it now) or refused, with reasons.
 */
import { useI18n } from '../../i18n.ts';
import type { MessageKey } from '../../messages/index.ts';
import { readQueue, ReviewQueuePage, type ReviewKind } from './queue.tsx';
import type { RecordUnderReview, RepairPolicy } from './shared.tsx';

interface Repair {
  readonly id: number;
  readonly subject: string;
  readonly recordId: number;
  readonly list?: string;
  readonly appliedAt: string;
  readonly conditions: readonly string[];
  readonly statement: string;
  readonly reviewDueAt: string;
  readonly overdue: boolean;
  readonly status: 'open' | 'approved' | 'refused';
  readonly decidedAt?: string;
  readonly decidedBy?: string;
  readonly decisionReasons?: string;
  readonly repairRecordId?: number;
}

const dayMs = 86_400_000;

const conditionKey: Readonly<Record<string, MessageKey>> = {
  obligation_performed: 'review.condition.obligation_performed',
  minimum_period_served: 'review.condition.minimum_period_served',
  course_passed: 'review.condition.course_passed',
  commitment_signed: 'review.condition.commitment_signed',
};

function Condition({ code }: { readonly code: string }) {
  const { t } = useI18n();
  const key = conditionKey[code];
  return <>{key === undefined ? code : t(key)}</>;
}

/** The repair policy the application is judged by, and each condition it declares, affirmed or not. */
function PolicyFacts({ repair, loaded }: { readonly repair: Repair; readonly loaded: RecordUnderReview }) {
  const { t, pick, date } = useI18n();
  const listJudgement =
    repair.list === undefined
      ? undefined
      : loaded.judgements.find((j) => j.version.catalog.scheme.lists.some((l) => l.id === repair.list));
  const list = listJudgement?.version.catalog.scheme.lists.find((l) => l.id === repair.list);
  const policy: RepairPolicy | undefined =
    repair.list === undefined ? loaded.judgements.find((j) => j.rule.repair)?.rule.repair : list?.repair;
  const listing = loaded.listings.find((l) => l.list === repair.list);
  return (
    <section aria-labelledby="repair-policy">
      <h3 id="repair-policy">{t('review.repair.policy')}</h3>
      <dl class="facts">
        <dt>{t('review.repair.target')}</dt>
        <dd>
          {repair.list === undefined
            ? t('review.repair.directGrade')
            : t('review.repair.listing', { list: list ? pick(list.title) : repair.list })}
        </dd>
        {listing && (
          <>
            <dt>{t('review.repair.listedSince')}</dt>
            <dd>
              {date(listing.start)} · {t('common.until', { date: date(listing.end) })}
            </dd>
          </>
        )}
        <dt>{t('review.repair.minimum')}</dt>
        <dd>
          {policy === undefined
            ? '—'
            : t('review.repair.minimumDays', { days: policy.minimumDays }) +
              (listing
                ? ` · ${t('review.repair.minimumReached', { date: date(Date.parse(listing.start) + policy.minimumDays * dayMs) })}`
                : '')}
        </dd>
      </dl>
      <h4>{t('review.repair.conditions')}</h4>
      {policy === undefined ? (
        <ul>
          {repair.conditions.map((c) => (
            <li key={c}>
              <Condition code={c} />
            </li>
          ))}
        </ul>
      ) : (
        <ul class="review-conditions">
          {policy.conditions.map((c) => {
            const affirmed = repair.conditions.includes(c);
            return (
              <li key={c}>
                <span class={`badge ${affirmed ? 'badge-allow' : 'badge-deny'}`}>
                  {affirmed ? t('review.repair.affirmed') : t('review.repair.notAffirmed')}
                </span>{' '}
                <Condition code={c} />
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

/** There is no GET /v1/repairs/:id: an application is read from the queue (all statuses) by its id. */
async function loadRepair(id: number): Promise<Repair | undefined> {
  const all = await readQueue<Repair>('/v1/repairs', 'repairs', {});
  return all.items.find((r) => r.id === id);
}

const repairs: ReviewKind<Repair> = {
  noun: 'repair',
  path: '/v1/repairs',
  field: 'repairs',
  text: {
    title: 'review.repairs.title',
    intro: 'review.repairs.intro',
    queue: 'review.repairs.queue',
    count: 'review.repairs.count',
    item: 'review.repair',
    openLabel: 'review.repair.openLabel',
    itemTitle: 'review.repair.title',
    missing: 'review.repair.missing',
  },
  outcomes: [
    { value: 'approved', label: 'review.repair.outcome.approved', hint: 'review.repair.meaning.approved' },
    { value: 'refused', label: 'review.repair.outcome.refused', hint: 'review.repair.meaning.refused' },
  ],
  columns: [
    {
      head: 'common.list',
      cell: (r, { t }) => (r.list === undefined ? t('review.repair.directGrade') : <code>{r.list}</code>),
    },
    { head: 'review.repair.appliedAt', cell: (r, { instant }) => instant(r.appliedAt) },
  ],
  loadItem: loadRepair,
  facts: (r, { t, instant }) => (
    <>
      <dt>{t('review.repair.statement')}</dt>
      <dd class="review-text">{r.statement}</dd>
      <dt>{t('review.repair.appliedAt')}</dt>
      <dd>{instant(r.appliedAt)}</dd>
    </>
  ),
  followUp: (r) => (r.repairRecordId === undefined ? undefined : { key: 'review.repair.record', id: r.repairRecordId }),
  recordDetails: (r, record) => <PolicyFacts repair={r} loaded={record} />,
};

export default function RepairsPage() {
  return <ReviewQueuePage kind={repairs} />;
}
