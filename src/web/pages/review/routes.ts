/** The review area's pages. */
import { lazy } from 'preact-iso';
import type { AppRoute } from '../../routes.ts';

export const reviewRoutes: readonly AppRoute[] = [{ path: '/review', page: lazy(() => import('./index.tsx')) }];
