/** The subject portal's pages: about the subject of the session (or an organisation it represents), never named in the address. */
import { lazy } from 'preact-iso';
import type { AppRoute } from '../../routes.ts';

export const portalRoutes: readonly AppRoute[] = [
  { path: '/me', page: lazy(() => import('./index.tsx')) },
  { path: '/me/records', page: lazy(() => import('./records.tsx')) },
  { path: '/me/notices', page: lazy(() => import('./notices.tsx')) },
  { path: '/me/objections', page: lazy(() => import('./objections.tsx')) },
  { path: '/me/data', page: lazy(() => import('./my-data.tsx')) },
];
