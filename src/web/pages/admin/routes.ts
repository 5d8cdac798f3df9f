/** The administrator's pages: schemes, a scheme's catalog (draft, diff, publish), tokens, accounts, agencies. */
import { lazy } from 'preact-iso';
import type { AppRoute } from '../../routes.ts';

export const adminRoutes: readonly AppRoute[] = [
  { path: '/admin', page: lazy(() => import('./index.tsx')) },
  { path: '/admin/catalogs/:scheme', page: lazy(() => import('./catalog.tsx')) },
  { path: '/admin/tokens', page: lazy(() => import('./tokens.tsx')) },
  { path: '/admin/accounts', page: lazy(() => import('./accounts.tsx')) },
  { path: '/admin/agencies', page: lazy(() => import('./agencies.tsx')) },
];
