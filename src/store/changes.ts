/**
 * The change outbox, for every adapter: a transaction notes what it changed for decisions as it writes, and the
 * adapter stores the note as one outbox row just before it commits (nothing, if nothing changed).
 */
import type { Change } from './ports.ts';
import { num, str, type Row } from './rows.ts';

export class ChangeNote {
  readonly #subjects = new Set<string>();
  readonly #passports: { passport: string; subject: string }[] = [];
  #catalogs = false;

  subjects(tokens: Iterable<string>): void {
    for (const token of tokens) this.#subjects.add(token);
  }

  passport(passport: string, subject: string): void {
    this.#passports.push({ passport, subject });
    this.#subjects.add(subject);
  }

  catalogs(): void {
    this.#catalogs = true;
  }

  /** The outbox row's body, or undefined when the transaction changed nothing a decision reads. */
  body(): string | undefined {
    if (this.#subjects.size === 0 && this.#passports.length === 0 && !this.#catalogs) return undefined;
    return JSON.stringify({ subjects: [...this.#subjects], passports: this.#passports, catalogs: this.#catalogs });
  }
}

/** Changes remembered as committed through this handle, at most (the oldest are forgotten first). */
const ownChangesMax = 100_000;

/**
 * The ids of the changes a store handle committed itself, for Store.committedHere: its process told its own
 * observers of them when they committed. Forgotten once asked about (the outbox's reader asks once per change).
 */
export class OwnChanges {
  readonly #ids = new Set<number>();

  committed(id: number): void {
    this.#ids.add(id);
    if (this.#ids.size > ownChangesMax) {
      const oldest = this.#ids.values().next().value;
      if (oldest !== undefined) this.#ids.delete(oldest);
    }
  }

  taken(id: number): boolean {
    return this.#ids.delete(id);
  }
}

export function changeFromRow(row: Row): Change {
  const body = JSON.parse(str(row.body)) as Omit<Change, 'id'>;
  return { id: num(row.id), subjects: body.subjects, passports: body.passports, catalogs: body.catalogs };
}
