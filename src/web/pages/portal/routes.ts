/** The portal area's pages. */
import { lazy } from 'preact-iso';
import type { AppRoute } from '../../routes.ts';

export const portalRoutes: readonly AppRoute[] = [{ path: '/me', page: lazy(() => import('./index.tsx')) }];
