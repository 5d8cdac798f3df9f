/** The service-point desk's pages: one person, and a passenger list. */
import { lazy } from 'preact-iso';
import type { AppRoute } from '../../routes.ts';

export const deskRoutes: readonly AppRoute[] = [
  { path: '/desk', page: lazy(() => import('./index.tsx')) },
  { path: '/desk/batch', page: lazy(() => import('./batch.tsx')) },
];
