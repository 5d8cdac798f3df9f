/** The desk area's pages. */
import { lazy } from 'preact-iso';
import type { AppRoute } from '../../routes.ts';

export const deskRoutes: readonly AppRoute[] = [{ path: '/desk', page: lazy(() => import('./index.tsx')) }];
