/**
 * /audit: the latest signed checkpoint of the audit log and the key that signs it, with what they mean and how
 * anyone checks them (the signature, the proofs API, and `credence audit verify` for whoever holds the database).
 */
import { get, saveFile } from '../../api.ts';
import { Show, useLoad } from '../../components/async.tsx';
import { Page } from '../../components/page.tsx';
import { useI18n } from '../../i18n.ts';
import { withNodes } from './parts.tsx';

interface Checkpoint {
  readonly size: number;
  readonly root: string;
  readonly at: string;
  readonly keyId: string;
  readonly signature: string;
  readonly signedText: string;
}

interface PublicKey {
  readonly keyId: string;
  readonly publicKeyPem: string;
}

const loadAudit = async () => {
  const [checkpoint, key] = await Promise.all([
    get<Checkpoint>('/v1/audit/checkpoints/latest'),
    get<PublicKey>('/v1/audit/public-key'),
  ]);
  return { checkpoint, key };
};

export default function AuditPage() {
  const { t, number, instant } = useI18n();
  const [loaded, reload] = useLoad(loadAudit, []);
  return (
    <Page
      title={t('public.audit.title')}
      intro={
        <>
          <p>{t('public.audit.intro1')}</p>
          <p>{t('public.audit.intro2')}</p>
        </>
      }
    >
      <Show loaded={loaded} onRetry={reload}>
        {({ checkpoint, key }) => (
          <>
            <section aria-labelledby="checkpoint">
              <h2 id="checkpoint">{t('public.audit.checkpoint')}</h2>
              <dl class="facts">
                <dt>{t('public.audit.size')}</dt>
                <dd>{number(checkpoint.size)}</dd>
                <dt>{t('public.audit.root')}</dt>
                <dd class="mono">{checkpoint.root}</dd>
                <dt>{t('public.audit.at')}</dt>
                <dd>{instant(checkpoint.at)}</dd>
                <dt>{t('public.audit.keyId')}</dt>
                <dd class="mono">{checkpoint.keyId}</dd>
                <dt>{t('public.audit.signature')}</dt>
                <dd class="mono">{checkpoint.signature}</dd>
              </dl>
              <h3>{t('public.audit.signedText')}</h3>
              <pre class="block">{checkpoint.signedText}</pre>
            </section>
            <section aria-labelledby="public-key">
              <h2 id="public-key">{t('public.audit.publicKey')}</h2>
              <p>{t('public.audit.publicKeyIntro')}</p>
              <pre class="block">{key.publicKeyPem}</pre>
              <button
                type="button"
                onClick={() => saveFile(`credence-audit-${key.keyId}.pem`, key.publicKeyPem, 'application/x-pem-file')}
              >
                {t('public.audit.downloadKey')}
              </button>
            </section>
            <section aria-labelledby="check">
              <h2 id="check">{t('public.audit.check')}</h2>
              <ol>
                <li>{t('public.audit.check1')}</li>
                <li>
                  {withNodes(t('public.audit.check2'), {
                    url: <code>{`/v1/audit/proofs/inclusion?seq=1&size=${checkpoint.size}`}</code>,
                  })}
                </li>
                <li>
                  {withNodes(t('public.audit.check3'), {
                    url: <code>{`/v1/audit/proofs/consistency?from=1&to=${checkpoint.size}`}</code>,
                  })}
                </li>
                <li>
                  {withNodes(t('public.audit.check4'), {
                    command: <code>credence audit verify --public-key {`credence-audit-${key.keyId}.pem`}</code>,
                  })}
                </li>
              </ol>
            </section>
          </>
        )}
      </Show>
    </Page>
  );
}
