/**
 * The reviewer's objection queue (queue.tsx): objections by review deadline, soonest first, overdue ones flagged;
 * open, overdue, decided or all. Opening one shows the record objected to (rule, version, legal basis, evidence,
 * effective date), the subject, the grounds, when it was filed and by when it must be decided, and, for a
 * reviewer, the decision form: upheld (the record stands) or overturned (it is retracted and everything it
 * brought recomputed), with reasons.
 */
import { get } from '../../api.ts';
import { ReviewQueuePage, type ReviewKind } from './queue.tsx';

interface Objection {
  readonly id: number;
  readonly subject: string;
  readonly recordId: number;
  readonly filedAt: string;
  readonly filedBy: string;
  readonly grounds: string;
  readonly windowClosesAt: string;
  readonly reviewDueAt: string;
  readonly overdue: boolean;
  readonly status: 'open' | 'upheld' | 'overturned';
  readonly decidedAt?: string;
  readonly decidedBy?: string;
  readonly decisionReasons?: string;
  readonly retractionRecordId?: number;
}

const objections: ReviewKind<Objection> = {
  noun: 'objection',
  path: '/v1/objections',
  field: 'objections',
  text: {
    title: 'review.objections.title',
    intro: 'review.objections.intro',
    queue: 'review.objections.queue',
    count: 'review.objections.count',
    item: 'review.objection',
    openLabel: 'review.objection.openLabel',
    itemTitle: 'review.objection.title',
    missing: 'review.objection.missing',
  },
  outcomes: [
    { value: 'upheld', label: 'review.objection.outcome.upheld', hint: 'review.objection.meaning.upheld' },
    { value: 'overturned', label: 'review.objection.outcome.overturned', hint: 'review.objection.meaning.overturned' },
  ],
  columns: [{ head: 'review.filedAt', cell: (o, { instant }) => instant(o.filedAt) }],
  loadItem: (id) => get<Objection>(`/v1/objections/${id}`),
  facts: (o, { t, instant }) => (
    <>
      {o.filedBy !== o.subject && (
        <>
          <dt>{t('review.objection.filedBy')}</dt>
          <dd class="mono">{o.filedBy}</dd>
        </>
      )}
      <dt>{t('review.objection.grounds')}</dt>
      <dd class="review-text">{o.grounds}</dd>
      <dt>{t('review.filedAt')}</dt>
      <dd>{instant(o.filedAt)}</dd>
      <dt>{t('review.objection.windowClosed')}</dt>
      <dd>{instant(o.windowClosesAt)}</dd>
    </>
  ),
  followUp: (o) =>
    o.retractionRecordId === undefined ? undefined : { key: 'review.objection.retraction', id: o.retractionRecordId },
};

export default function ObjectionsPage() {
  return <ReviewQueuePage kind={objections} />;
}
