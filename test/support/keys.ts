/** Keys for tests: made once per test process, never written anywhere. */
import { generateKeyMaterial, keyringFrom, type Keyring } from '../../src/app/keyring.ts';

export const testKeys: Keyring = keyringFrom(generateKeyMaterial());
