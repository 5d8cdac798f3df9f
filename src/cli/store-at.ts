/** Opening the register where the command line's options say, with its keys: for the CLI and its worker threads. */
import type { Keyring } from '../app/keyring.ts';
import type { Store } from '../store/ports.ts';
import { openPostgresStore } from '../store/postgres/postgres-store.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { loadKeys } from './keys.ts';

/** Where the register is: PostgreSQL at `url`, else the SQLite file `base`; `keys` the key file given, if any. */
export interface StorePlace {
  readonly url?: string;
  readonly base: string;
  readonly keys?: string;
}

export function keysAt(place: StorePlace): { keyring: Keyring; demoFile?: string } {
  return loadKeys({ db: place.base, ...(place.keys === undefined ? {} : { keys: place.keys }) });
}

export async function openStoreAt(place: StorePlace, create = false): Promise<{ store: Store; keys: Keyring }> {
  const keys = keysAt(place).keyring;
  const store =
    place.url === undefined
      ? openSqliteStore(place.base, { create, keys })
      : await openPostgresStore(place.url, { create, keys });
  return { store, keys };
}
