import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Relative asset URLs: the built site (dist/) works from any folder of any static host.
  base: './',
  // The Playwright runs set CONVSIGHT_NO_HMR: a file saved during a run must not reload the page under test.
  server: { port: 5173, hmr: process.env.CONVSIGHT_NO_HMR ? false : undefined },
  build: {
    // Every asset a file of its own, never a data: URL: the page's Content-Security-Policy lets it
    // fetch only from its own origin (the default model's spec is small enough to be inlined otherwise).
    assetsInlineLimit: 0,
    // The engine and its shaders are one chunk by design (about 150 kB gzipped).
    chunkSizeWarningLimit: 1000,
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // SwiftShader runs on the CPU: a couple of files at a time keeps each one responsive.
    maxWorkers: 2,
  },
});
