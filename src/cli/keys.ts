/**
 * Where the CLI finds the service's keys: `--keys FILE`, else CREDENCE_KEY_FILE, else CREDENCE_KEYS (the file's
 * JSON itself), else, for the demo city only, the key file the demo wrote beside its database. Anything else is
 * a clear error: a register of personal data never starts with a default key.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { generateKeyMaterial, keyringFrom, parseKeyMaterial, type Keyring } from '../app/keyring.ts';
import { UsageError } from './errors.ts';

export const demoKeyFileOf = (db: string) => `${db}.keys`;

const howToGetKeys =
  'pass --keys FILE or set CREDENCE_KEY_FILE (make a key file with: credence keys generate --out FILE; keep it out of the database and its backups)';

function fromText(text: string, where: string): Keyring {
  const material = parseKeyMaterial(text);
  if (!material.ok) throw new UsageError(material.problem.code, `${where}: ${material.problem.message}`);
  return keyringFrom(material.value);
}

function fromFile(path: string): Keyring {
  if (!existsSync(path)) throw new UsageError('keys_missing', `the key file ${path} does not exist; ${howToGetKeys}`);
  return fromText(readFileSync(path, 'utf8'), path);
}

/** The keys, and whether they are the demo city's own (the service says so when it starts). */
export function loadKeys(options: { readonly keys?: string; readonly db: string }): {
  keyring: Keyring;
  demoFile?: string;
} {
  if (options.keys !== undefined) return { keyring: fromFile(options.keys) };
  const file = process.env.CREDENCE_KEY_FILE;
  if (file !== undefined && file !== '') return { keyring: fromFile(file) };
  const inline = process.env.CREDENCE_KEYS;
  if (inline !== undefined && inline !== '') return { keyring: fromText(inline, 'CREDENCE_KEYS') };
  const demoFile = demoKeyFileOf(options.db);
  if (existsSync(demoFile)) {
    const material = parseKeyMaterial(readFileSync(demoFile, 'utf8'));
    if (material.ok && material.value.demo === true) return { keyring: keyringFrom(material.value), demoFile };
  }
  throw new UsageError('keys_missing', `no keys for ${options.db}: ${howToGetKeys}`);
}

/** Writes a new key file readable by its owner only; never overwrites one (its loss makes the data unreadable). */
export function writeKeyFile(path: string, options: { readonly demo?: boolean } = {}): void {
  if (existsSync(path)) throw new UsageError('keys_exist', `${path} exists; a key file is never overwritten`);
  writeFileSync(path, `${JSON.stringify(generateKeyMaterial(options), null, 2)}\n`, { mode: 0o600, flag: 'wx' });
}
