import { defineConfig } from 'vitest/config';

export default defineConfig({
  server: { port: 5173 },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // SwiftShader runs on the CPU: a couple of files at a time keeps each one responsive.
    maxWorkers: 2,
  },
});
