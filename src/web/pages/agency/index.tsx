/** The agency area (to be built). */
import { RequireRole } from '../../components/guard.tsx';
import { Page } from '../../components/page.tsx';
import { useI18n } from '../../i18n.ts';

export default function AgencyPage() {
  const { t } = useI18n();
  return (
    <Page title={t('agency.title')}>
      <RequireRole roles={['agency']}>{() => null}</RequireRole>
    </Page>
  );
}
