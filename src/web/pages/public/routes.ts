/** The public area's pages. */
import { lazy } from 'preact-iso';
import type { AppRoute } from '../../routes.ts';

export const publicRoutes: readonly AppRoute[] = [{ path: '/catalogs', page: lazy(() => import('./index.tsx')) }];
