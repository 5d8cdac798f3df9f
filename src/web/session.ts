/**
 * Who is logged in: read from GET /v1/session at start, set by a login, cleared by a logout. A subject's session
 * also names its subject (the identifier it logged in with), which the portal's routes are about.
 */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { ApiError, del, get, post, useCsrfToken } from './api.ts';

export type Role = 'agency' | 'service-point' | 'reviewer' | 'admin' | 'subject';

export interface Session {
  readonly role: Role;
  readonly name: string;
  readonly scope: readonly string[];
  readonly csrfToken: string;
  /** For a subject: its identifier. */
  readonly subject?: string;
  readonly expiresAt?: string;
}

export async function readSession(): Promise<Session | null> {
  try {
    const session = await get<Session>('/v1/session');
    useCsrfToken(session.csrfToken);
    return session;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export async function logIn(login: string, password: string): Promise<Session> {
  const session = await post<Session>('/v1/session', { login, password });
  useCsrfToken(session.csrfToken);
  return session;
}

export async function logOut(): Promise<void> {
  try {
    await del('/v1/session');
  } finally {
    useCsrfToken(undefined);
  }
}

export interface SessionState {
  readonly session: Session | null;
  readonly ready: boolean;
  setSession(session: Session | null): void;
}

export const SessionContext = createContext<SessionState>({ session: null, ready: false, setSession: () => undefined });

export function useSession(): SessionState {
  return useContext(SessionContext);
}
