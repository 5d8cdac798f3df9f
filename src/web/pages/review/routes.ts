/** The review area's pages: the objection queue and the repair queue. */
import { lazy } from 'preact-iso';
import type { AppRoute } from '../../routes.ts';

export const reviewRoutes: readonly AppRoute[] = [
  { path: '/review', page: lazy(() => import('./index.tsx')) },
  { path: '/review/repairs', page: lazy(() => import('./repairs.tsx')) },
];
