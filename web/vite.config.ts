// The console's build: web/ → web/dist, served by the service at / (src/plugins/console.plugin.ts).
// Hashed file names under assets/ (cached as immutable), no inline script (the page's CSP allows
// only 'self'), no module-preload polyfill (every supported browser has modulepreload).
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
})
