/** Keys for a benchmark's own database: made per run, written beside it so its child server can read them. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyMaterial, keyringFrom, parseKeyMaterial, type Keyring } from '../../src/app/keyring.ts';

export function makeBenchKeys(dir: string): { readonly keys: Keyring; readonly file: string } {
  const material = generateKeyMaterial();
  const file = join(dir, 'credence.keys');
  writeFileSync(file, JSON.stringify(material), { mode: 0o600 });
  return { keys: keyringFrom(material), file };
}

export function readBenchKeys(file: string): Keyring {
  const material = parseKeyMaterial(readFileSync(file, 'utf8'));
  if (!material.ok) throw new Error(material.problem.message);
  return keyringFrom(material.value);
}
