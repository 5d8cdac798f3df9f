/** The desk area (to be built). */
import { RequireRole } from '../../components/guard.tsx';
import { Page } from '../../components/page.tsx';
import { useI18n } from '../../i18n.ts';

export default function DeskPage() {
  const { t } = useI18n();
  return (
    <Page title={t('desk.title')}>
      <RequireRole roles={['service-point']}>{() => null}</RequireRole>
    </Page>
  );
}
