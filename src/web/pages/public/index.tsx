/** The public area (to be built). */
import { Page } from '../../components/page.tsx';
import { useI18n } from '../../i18n.ts';

export default function PublicPage() {
  const { t } = useI18n();
  return <Page title={t('public.title')} />;
}
