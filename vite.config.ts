/**
 * The web app's build (src/web -> dist/web). `npm ci` runs it (the `prepare` script), so a clone serves the app
 * from `npm start` with no extra step; `credence serve` serves dist/web. JSX is Preact's (src/web/tsconfig.json).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('./src/web', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  publicDir: 'public',
  build: {
    outDir: fileURLToPath(new URL('./dist/web', import.meta.url)),
    emptyOutDir: true,
    // Charts are their own chunk, loaded by the pages that draw them.
    chunkSizeWarningLimit: 600,
    sourcemap: false,
  },
  server: {
    // `npm run web:dev`: the API of a running `credence serve` behind Vite's dev server.
    proxy: { '/v1': 'http://127.0.0.1:8080' },
  },
});
