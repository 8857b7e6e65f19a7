import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const web = resolve(import.meta.dirname, 'web');

/** One HTML entry per page; the server sends them (src/platform/http/pages.ts), assets go to /assets/. */
export default defineConfig({
  root: web,
  base: '/',
  plugins: [react()],
  build: {
    outDir: resolve(import.meta.dirname, 'dist/web'),
    emptyOutDir: true,
    rollupOptions: {
      input: {
        home: resolve(web, 'index.html'),
        admin: resolve(web, 'admin/index.html'),
        hiring: resolve(web, 'hiring/index.html'),
        'hiring-admin': resolve(web, 'hiring-admin/index.html'),
        diffing: resolve(web, 'diffing/index.html'),
      },
      output: {
        // React in one long-cached chunk shared by every page.
        manualChunks: (id) => (/node_modules\/(react|react-dom|scheduler)\//.test(id) ? 'react' : undefined),
      },
    },
  },
});
