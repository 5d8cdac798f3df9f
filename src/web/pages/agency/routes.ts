/** The agency console's pages: submit one record, bulk upload, the agency's own records. */
import { lazy } from 'preact-iso';
import type { AppRoute } from '../../routes.ts';

export const agencyRoutes: readonly AppRoute[] = [
  { path: '/agency', page: lazy(() => import('./index.tsx')) },
  { path: '/agency/upload', page: lazy(() => import('./upload.tsx')) },
  { path: '/agency/records', page: lazy(() => import('./records.tsx')) },
];
