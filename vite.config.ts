import fs from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const web = resolve(import.meta.dirname, 'web');

/** Every page: web/index.html is `home`, web/<page>/index.html is `<page>` (the name sendPage takes). */
function pageEntries(): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const file of fs.readdirSync(web, { recursive: true, encoding: 'utf8' })) {
    if (file !== 'index.html' && !file.endsWith('/index.html')) continue;
    const page = relative(web, dirname(resolve(web, file)))
      .split('\\')
      .join('/');
    entries[page === '' ? 'home' : page] = resolve(web, file);
  }
  return entries;
}

/** One HTML entry per page; the server sends them (src/platform/http/pages.ts), assets go to /assets/. */
export default defineConfig({
  root: web,
  base: '/',
  plugins: [react()],
  build: {
    outDir: resolve(import.meta.dirname, 'dist/web'),
    emptyOutDir: true,
    // ECharts (tree-shaken, ~600 kB, ~200 kB gzipped) is one chunk, loaded only by pages with charts.
    chunkSizeWarningLimit: 700,
    rollupOptions: {
      input: pageEntries(),
      output: {
        // React, and the chart library, each in one long-cached chunk shared by every page.
        manualChunks: (id) =>
          /node_modules\/(react|react-dom|scheduler)\//.test(id)
            ? 'react'
            : /node_modules\/(echarts|zrender|tslib)\//.test(id)
              ? 'charts'
              : undefined,
      },
    },
  },
});
