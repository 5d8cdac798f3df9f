/** The portal area (to be built). */
import { RequireRole } from '../../components/guard.tsx';
import { Page } from '../../components/page.tsx';
import { useI18n } from '../../i18n.ts';

export default function PortalPage() {
  const { t } = useI18n();
  return (
    <Page title={t('portal.title')}>
      <RequireRole roles={['subject']}>{() => null}</RequireRole>
    </Page>
  );
}
