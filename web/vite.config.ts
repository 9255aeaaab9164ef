/**
 * Vite config of the admin console: `npm run build:web` (= `vite build web`) writes
 * web/dist, which the API serves at /console/. JSX goes through esbuild (no plugin).
 * `vite web` / `vite preview web` proxy /v1 to the local API, so the console stays
 * same-origin with it there too.
 */
import { defineConfig } from 'vite';

const api = 'http://127.0.0.1:18080';
const proxy = { '/v1': { target: api, changeOrigin: false } };

export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  esbuild: { jsx: 'automatic' },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  server: { proxy },
  preview: { proxy },
});
