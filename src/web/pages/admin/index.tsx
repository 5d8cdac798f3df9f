/** The admin area (to be built). */
import { RequireRole } from '../../components/guard.tsx';
import { Page } from '../../components/page.tsx';
import { useI18n } from '../../i18n.ts';

export default function AdminPage() {
  const { t } = useI18n();
  return (
    <Page title={t('admin.title')}>
      <RequireRole roles={['admin']}>{() => null}</RequireRole>
    </Page>
  );
}
