/** The public area's pages (no login): published rules and their versions, published lists, statistics, audit. */
import { lazy } from 'preact-iso';
import type { AppRoute } from '../../routes.ts';

export const publicRoutes: readonly AppRoute[] = [
  { path: '/catalogs', page: lazy(() => import('./catalogs.tsx')) },
  { path: '/catalogs/:scheme', page: lazy(() => import('./catalog.tsx')) },
  { path: '/catalogs/:scheme/diff', page: lazy(() => import('./diff.tsx')) },
  { path: '/lists', page: lazy(() => import('./lists.tsx')) },
  { path: '/lists/:list', page: lazy(() => import('./list.tsx')) },
  { path: '/statistics', page: lazy(() => import('./statistics.tsx')) },
  { path: '/audit', page: lazy(() => import('./audit.tsx')) },
];
