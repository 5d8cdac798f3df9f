/** The agency area's pages. */
import { lazy } from 'preact-iso';
import type { AppRoute } from '../../routes.ts';

export const agencyRoutes: readonly AppRoute[] = [{ path: '/agency', page: lazy(() => import('./index.tsx')) }];
