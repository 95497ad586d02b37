import { defineConfig } from 'vite';

// The page `wisp ui` serves: one bundle, relative asset paths, no CDN.
export default defineConfig({
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
});
