/**
 * Personal identifiers at rest, for every adapter: each column that names a subject, a passport or who filed an
 * objection holds the identifier's lookup token (HMAC-SHA256 under a key kept outside the database); the
 * `identities` table holds each identifier sealed (AES-256-GCM) under its token, so those allowed read it back.
 * Both directions are cached: a token is computed once per identifier, an identifier opened once per token.
 */
import type { IdentifierProtector } from './ports.ts';

/** Caches are dropped whole when they reach this size: bounded memory, and a city's hot set fits. */
const cacheMax = 1_000_000;

export class IdentityNotFoundError extends Error {
  readonly code = 'identity_not_found';
}

/** Turns stored lookup tokens back into identifiers (row mappers take one). */
export interface Opener {
  clear(token: string): string;
}

export class Identities implements Opener {
  readonly #protector: IdentifierProtector;
  readonly #readSealed: (token: string) => string | undefined;
  readonly #tokens = new Map<string, string>();
  readonly #clears = new Map<string, string>();
  /** Tokens whose identity row is committed, and those the open transaction stored or found (known once it commits). */
  readonly #stored = new Set<string>();
  readonly #pending = new Set<string>();

  constructor(protector: IdentifierProtector, readSealed: (token: string) => string | undefined) {
    this.#protector = protector;
    this.#readSealed = readSealed;
  }

  /** The lookup token of an identifier. */
  token(clear: string): string {
    let token = this.#tokens.get(clear);
    if (token === undefined) {
      token = this.#protector.lookup(clear);
      this.#remember(token, clear);
    }
    return token;
  }

  tokens(clears: readonly string[]): string[] {
    return clears.map((c) => this.token(c));
  }

  /** The sealed form to store under the token. */
  seal(clear: string): string {
    return this.#protector.seal(clear);
  }

  /** The identifier behind a stored token. */
  clear(token: string): string {
    let clear = this.#clears.get(token);
    if (clear === undefined) {
      const sealed = this.#readSealed(token);
      if (sealed === undefined) throw new IdentityNotFoundError(`no identity is stored for a token in use`);
      clear = this.#protector.open(sealed);
      this.#remember(token, clear);
    }
    return clear;
  }

  /**
   * For an adapter whose reads are asynchronous: opens every token of a result at once, fetching the sealed forms
   * the caches lack in one call, and returns an opener that knows them all (whatever the caches drop meanwhile).
   */
  async openAll(
    tokens: Iterable<string>,
    fetchSealed: (tokens: readonly string[]) => Promise<Map<string, string>>,
  ): Promise<Opener> {
    const local = new Map<string, string>();
    const missing: string[] = [];
    for (const token of new Set(tokens)) {
      const clear = this.#clears.get(token);
      if (clear === undefined) missing.push(token);
      else local.set(token, clear);
    }
    if (missing.length > 0) {
      for (const [token, sealed] of await fetchSealed(missing)) {
        const clear = this.#protector.open(sealed);
        local.set(token, clear);
        this.#remember(token, clear);
      }
    }
    return {
      clear: (token) => {
        const clear = local.get(token);
        if (clear === undefined) throw new IdentityNotFoundError(`no identity is stored for a token in use`);
        return clear;
      },
    };
  }

  /**
   * Whether the identity row of this token is known to be there for the open transaction (no need to look): committed
   * earlier, or stored or found by this transaction itself.
   */
  isStored(token: string): boolean {
    return this.#stored.has(token) || this.#pending.has(token);
  }

  /** The open transaction has this token's identity row (stored or found). */
  storedInTransaction(token: string): void {
    this.#pending.add(token);
  }

  /** Keeps what a committed transaction stored, within the bound (a rolled-back one's rows are gone). */
  transactionEnded(committed: boolean): void {
    if (committed) {
      if (this.#stored.size + this.#pending.size > cacheMax) this.#stored.clear();
      for (const token of this.#pending) {
        if (this.#stored.size >= cacheMax) break;
        this.#stored.add(token);
      }
    }
    this.#pending.clear();
  }

  /** How many tokens are known to be stored (for tests of the bound). */
  get storedKnown(): number {
    return this.#stored.size;
  }

  /** Both directions at once: an identifier opened is one whose token need not be computed again. */
  #remember(token: string, clear: string): void {
    if (this.#clears.size >= cacheMax) this.#clears.clear();
    this.#clears.set(token, clear);
    if (this.#tokens.size >= cacheMax) this.#tokens.clear();
    this.#tokens.set(clear, token);
  }
}
