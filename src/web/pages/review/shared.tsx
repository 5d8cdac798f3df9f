/**
 * What an item under review shows in either queue (queue.tsx): the published catalogs (to name the rule, the
 * version that judged a record, its legal basis and a list's repair policy), the record under review read from
 * the subject's explanation (a staff read, logged in the subject's access log), and the decision form, which
 * refuses to send a decision without an outcome or reasons.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { reasonLengthMax } from '../../../core/constants.ts';
import { get } from '../../api.ts';
import { asApiError, ErrorNote, Show, useLoad } from '../../components/async.tsx';
import { useI18n, type Localized } from '../../i18n.ts';
import type { MessageKey } from '../../messages/index.ts';
import type { ApiError } from '../../api.ts';
import './review.css';

/* ---------- The published catalogs ---------- */

export interface RepairPolicy {
  readonly minimumDays: number;
  readonly conditions: readonly string[];
  readonly reviewWorkingDays: number;
}

interface PublishedRule {
  readonly code: string;
  readonly title: Localized;
  readonly legalBasis: string;
  readonly repair?: RepairPolicy;
}

interface PublishedList {
  readonly id: string;
  readonly title: Localized;
  readonly legalBasis: string;
  readonly repair?: RepairPolicy;
}

interface PublishedVersion {
  readonly scheme: string;
  readonly version: number;
  readonly effectiveFrom: string;
  readonly catalog: {
    readonly scheme: { readonly id: string; readonly title: Localized; readonly lists: readonly PublishedList[] };
    readonly rules: readonly PublishedRule[];
  };
}

let published: Promise<readonly PublishedVersion[]> | undefined;

/** Every published version of every scheme, read once per page load (they never change once published). */
function publishedVersions(): Promise<readonly PublishedVersion[]> {
  published ??= (async () => {
    const { schemes } = await get<{
      schemes: { scheme: string; versions: { version: number }[] }[];
    }>('/v1/catalogs');
    return Promise.all(
      schemes.flatMap((s) =>
        s.versions.map((v) =>
          get<PublishedVersion>(`/v1/catalogs/${encodeURIComponent(s.scheme)}/versions/${v.version}`),
        ),
      ),
    );
  })();
  published.catch(() => {
    published = undefined;
  });
  return published;
}

export interface Judgement {
  readonly version: PublishedVersion;
  readonly rule: PublishedRule;
}

/** The versions that judged a record: per scheme, the one in force at its effectiveAt, if it has the rule. */
function judgementsOf(versions: readonly PublishedVersion[], code: string, effectiveAt: string): Judgement[] {
  const atMs = Date.parse(effectiveAt);
  const inForce = new Map<string, PublishedVersion>();
  for (const v of versions) {
    const fromMs = Date.parse(v.effectiveFrom);
    if (fromMs > atMs) continue;
    const found = inForce.get(v.scheme);
    const foundMs = found === undefined ? -Infinity : Date.parse(found.effectiveFrom);
    if (found === undefined || fromMs > foundMs || (fromMs === foundMs && v.version > found.version))
      inForce.set(v.scheme, v);
  }
  const out: Judgement[] = [];
  for (const version of inForce.values()) {
    const rule = version.catalog.rules.find((r) => r.code === code);
    if (rule !== undefined) out.push({ version, rule });
  }
  return out.sort((a, b) => a.version.scheme.localeCompare(b.version.scheme));
}

/* ---------- The record under review ---------- */

export interface RecordFact {
  readonly id: number;
  readonly agency: string;
  readonly agencyRef: string;
  readonly code: string;
  readonly effectiveAt: string;
  readonly recordedAt: string;
  readonly evidence: string;
  readonly amount?: number;
  readonly caseRef?: string;
  readonly retracts?: number;
  readonly disputed?: boolean;
}

export interface Listing {
  readonly list: string;
  readonly scheme: string;
  readonly version: number;
  readonly recordId: number;
  readonly start: string;
  readonly end: string;
}

export interface RecordUnderReview {
  readonly record: RecordFact | undefined;
  /** Whether a later record retracts it (an overturned objection's retraction, an agency's own). */
  readonly retracted: boolean;
  readonly judgements: readonly Judgement[];
  /** The listings it brings now. */
  readonly listings: readonly Listing[];
}

/** The record, from the subject's explanation (staff read it: logged), and the catalogs that judged it. */
export async function loadRecord(subject: string, recordId: number): Promise<RecordUnderReview> {
  const [explanation, versions] = await Promise.all([
    get<{ records: RecordFact[]; standing: { schemes: { listings: Listing[] }[] } }>(
      `/v1/subjects/${encodeURIComponent(subject)}/explanation`,
    ),
    publishedVersions(),
  ]);
  const record = explanation.records.find((r) => r.id === recordId);
  return {
    record,
    retracted: explanation.records.some((r) => r.retracts === recordId),
    judgements: record === undefined ? [] : judgementsOf(versions, record.code, record.effectiveAt),
    listings: explanation.standing.schemes.flatMap((s) => s.listings).filter((l) => l.recordId === recordId),
  };
}

/** One line per scheme whose version judged the record, or `none` when no published version has its rule. */
function PerScheme({
  judgements,
  none = '—',
  children,
}: {
  readonly judgements: readonly Judgement[];
  readonly none?: ComponentChildren;
  readonly children: (judgement: Judgement) => ComponentChildren;
}) {
  if (judgements.length === 0) return <>{none}</>;
  return (
    <>
      {judgements.map((j) => (
        <div key={j.version.scheme}>{children(j)}</div>
      ))}
    </>
  );
}

export function RecordFacts({ loaded }: { readonly loaded: RecordUnderReview }) {
  const { t, pick, instant, number } = useI18n();
  const { record, judgements } = loaded;
  if (record === undefined) return <p class="note note-warn">{t('review.record.missing')}</p>;
  return (
    <dl class="facts">
      <dt>{t('common.rule')}</dt>
      <dd>
        <PerScheme judgements={judgements} none={<code>{record.code}</code>}>
          {(j) => (
            <>
              {pick(j.rule.title)} <code>{record.code}</code>
            </>
          )}
        </PerScheme>
      </dd>
      <dt>{t('review.record.version')}</dt>
      <dd>
        <PerScheme judgements={judgements}>
          {(j) =>
            t('review.record.versionOf', { scheme: pick(j.version.catalog.scheme.title), version: j.version.version })
          }
        </PerScheme>
      </dd>
      <dt>{t('common.legalBasis')}</dt>
      <dd>
        <PerScheme judgements={judgements}>
          {(j) => (
            <>
              {j.rule.legalBasis}
              {judgements.length > 1 && <span class="muted"> ({pick(j.version.catalog.scheme.title)})</span>}
            </>
          )}
        </PerScheme>
      </dd>
      <dt>{t('common.evidence')}</dt>
      <dd>{record.evidence}</dd>
      <dt>{t('review.record.effectiveAt')}</dt>
      <dd>{instant(record.effectiveAt)}</dd>
      <dt>{t('review.record.agency')}</dt>
      <dd>
        <code>{record.agency}</code> · {t('review.record.reference', { ref: record.agencyRef })}
      </dd>
      <dt>{t('review.record.recordedAt')}</dt>
      <dd>{instant(record.recordedAt)}</dd>
      {record.amount !== undefined && (
        <>
          <dt>{t('review.record.amount')}</dt>
          <dd>{number(record.amount)}</dd>
        </>
      )}
      {record.caseRef !== undefined && (
        <>
          <dt>{t('review.record.caseRef')}</dt>
          <dd>{record.caseRef}</dd>
        </>
      )}
      <dt>{t('common.status')}</dt>
      <dd>
        {loaded.retracted ? (
          <span class="badge">{t('review.record.retracted')}</span>
        ) : record.disputed === true ? (
          <span class="badge badge-warn">{t('review.record.disputed')}</span>
        ) : (
          <span class="badge">{t('review.record.standing')}</span>
        )}
      </dd>
    </dl>
  );
}

/** The record of an objection or repair application, loaded when it is opened. */
export function RecordSection({
  subject,
  recordId,
  round,
  children,
}: {
  readonly subject: string;
  readonly recordId: number;
  /** Changes after a decision, so that the record is read again. */
  readonly round: number;
  readonly children?: (loaded: RecordUnderReview) => ComponentChildren;
}) {
  const { t } = useI18n();
  const [loaded, reload] = useLoad(() => loadRecord(subject, recordId), [subject, recordId, round]);
  return (
    <section aria-labelledby="review-record">
      <h3 id="review-record">{t('review.record.title', { id: String(recordId) })}</h3>
      <Show loaded={loaded} onRetry={reload}>
        {(data) => (
          <>
            <RecordFacts loaded={data} />
            {children?.(data)}
          </>
        )}
      </Show>
    </section>
  );
}

/* ---------- The decision form ---------- */

export interface OutcomeChoice {
  readonly value: string;
  readonly label: MessageKey;
  readonly hint: MessageKey;
}

/**
 * An outcome and the reasons for it, both required: checked here before anything is sent (the reasons are told
 * to the subject), and the API's own refusal (a reviewer of the filing agency, a decided item) shown with its code.
 */
export function DecisionForm({
  choices,
  onDecide,
}: {
  readonly choices: readonly OutcomeChoice[];
  readonly onDecide: (outcome: string, reasons: string) => Promise<void>;
}) {
  const { t } = useI18n();
  const [outcome, setOutcome] = useState<string | undefined>();
  const [reasons, setReasons] = useState('');
  const [problems, setProblems] = useState<{ outcome?: string; reasons?: string }>({});
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    const found = {
      ...(outcome === undefined ? { outcome: t('review.decision.outcomeNeeded') } : {}),
      ...(reasons.trim() === '' ? { reasons: t('review.decision.reasonsNeeded') } : {}),
    };
    setProblems(found);
    if (found.outcome !== undefined || found.reasons !== undefined || outcome === undefined) return;
    setBusy(true);
    try {
      await onDecide(outcome, reasons.trim());
    } catch (e) {
      setError(asApiError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="form" noValidate onSubmit={submit} aria-labelledby="decision-heading">
      <h3 id="decision-heading">{t('review.decision.title')}</h3>
      <fieldset class="choices" aria-describedby={problems.outcome ? 'outcome-problem' : undefined}>
        <legend>{t('review.decision.outcome')}</legend>
        {choices.map((c) => (
          <div class="choice" key={c.value}>
            <input
              type="radio"
              id={`outcome-${c.value}`}
              name="outcome"
              value={c.value}
              checked={outcome === c.value}
              aria-describedby={`outcome-${c.value}-hint`}
              onChange={() => setOutcome(c.value)}
            />
            <label for={`outcome-${c.value}`}>{t(c.label)}</label>
            <span class="hint" id={`outcome-${c.value}-hint`}>
              {t(c.hint)}
            </span>
          </div>
        ))}
        {problems.outcome && (
          <p class="problem" id="outcome-problem" role="alert">
            {problems.outcome}
          </p>
        )}
      </fieldset>
      <div class="field">
        <label for="decision-reasons">{t('review.decision.reasons')}</label>
        <span class="hint" id="decision-reasons-hint">
          {t('review.decision.reasonsHint', { max: reasonLengthMax })}
        </span>
        <textarea
          id="decision-reasons"
          name="reasons"
          rows={5}
          maxLength={reasonLengthMax}
          aria-required="true"
          aria-invalid={problems.reasons ? 'true' : undefined}
          aria-describedby={
            problems.reasons ? 'decision-reasons-hint decision-reasons-problem' : 'decision-reasons-hint'
          }
          value={reasons}
          onInput={(e) => setReasons(e.currentTarget.value)}
        />
        {problems.reasons && (
          <p class="problem" id="decision-reasons-problem" role="alert">
            {problems.reasons}
          </p>
        )}
      </div>
      {error && <ErrorNote error={error} />}
      <div class="row">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? t('review.decision.sending') : t('review.decision.submit')}
        </button>
      </div>
    </form>
  );
}
