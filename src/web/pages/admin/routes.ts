/** The admin area's pages. */
import { lazy } from 'preact-iso';
import type { AppRoute } from '../../routes.ts';

export const adminRoutes: readonly AppRoute[] = [{ path: '/admin', page: lazy(() => import('./index.tsx')) }];
