/** Keys for tests: made once per test process, never written anywhere but a test's own temporary folder. */
import { generateKeyMaterial, keyringFrom, type Keyring } from '../../src/app/keyring.ts';

/** The material, for a test that runs the command line on a store these keys opened (as a key file). */
export const testKeyMaterial = generateKeyMaterial();
export const testKeys: Keyring = keyringFrom(testKeyMaterial);
