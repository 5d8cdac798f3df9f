/** Loading data from the API into a page: the data, or a loading line, or the error with its code and a retry. */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api.ts';
import { useI18n } from '../i18n.ts';

export type Loaded<T> =
  | { readonly state: 'loading' }
  | { readonly state: 'failed'; readonly error: ApiError }
  | { readonly state: 'ready'; readonly data: T };

export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(0, 'unexpected', error instanceof Error ? error.message : String(error));
}

/** Runs `load` when a dependency changes; `reload` runs it again (after a change the page made). */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): [Loaded<T>, () => void] {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    setLoaded((l) => (l.state === 'ready' ? l : { state: 'loading' }));
    load().then(
      (data) => current && setLoaded({ state: 'ready', data }),
      (error: unknown) => current && setLoaded({ state: 'failed', error: asApiError(error) }),
    );
    return () => {
      current = false;
    };
    // The caller names what the load depends on.
  }, [...deps, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return [loaded, reload];
}

export function ErrorNote({ error, onRetry }: { readonly error: ApiError; readonly onRetry?: () => void }) {
  const { t } = useI18n();
  return (
    <div class="note note-error" role="alert">
      <p>
        <strong>{t('error.title')}:</strong> {error.code === 'network' ? t('error.network') : error.message}
      </p>
      {error.code !== 'network' && <p class="muted">{t('error.code', { code: error.code })}</p>}
      {onRetry && (
        <button type="button" onClick={onRetry}>
          {t('error.retry')}
        </button>
      )}
    </div>
  );
}

export function Loading() {
  const { t } = useI18n();
  return (
    <p class="muted" role="status">
      {t('app.loading')}
    </p>
  );
}

/** Shows the loaded data through `children`, or the loading line, or the error. */
export function Show<T>({
  loaded,
  onRetry,
  children,
}: {
  readonly loaded: Loaded<T>;
  readonly onRetry?: () => void;
  readonly children: (data: T) => ComponentChildren;
}) {
  if (loaded.state === 'loading') return <Loading />;
  if (loaded.state === 'failed') return <ErrorNote error={loaded.error} {...(onRetry ? { onRetry } : {})} />;
  return <>{children(loaded.data)}</>;
}
