/** The review area (to be built). */
import { RequireRole } from '../../components/guard.tsx';
import { Page } from '../../components/page.tsx';
import { useI18n } from '../../i18n.ts';

export default function ReviewPage() {
  const { t } = useI18n();
  return (
    <Page title={t('review.title')}>
      <RequireRole roles={['reviewer', 'admin']}>{() => null}</RequireRole>
    </Page>
  );
}
