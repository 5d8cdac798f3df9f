/** One route of the app: a path (preact-iso's pattern, `:name` for a part) and its page, loaded on first visit. */
import type { ComponentType } from 'preact';

export interface AppRoute {
  readonly path: string;
  readonly page: ComponentType;
}
