import { defineConfig } from '@playwright/test';

// Debian's chromium (apt-get install chromium): no browser download is possible or needed.
// WebGPU runs on SwiftShader there; navigator.gpu needs these flags and a localhost origin.
const PORT = 5199;
// The built site (npm run build), served by `vite preview` from a sub-folder-agnostic dist/.
const PREVIEW_PORT = 5198;

export default defineConfig({
  testDir: 'test/browser',
  testMatch: '*.spec.ts',
  timeout: 180_000,
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${PORT}`,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--enable-unsafe-webgpu',
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
  projects: [
    { name: 'dev', testIgnore: /built-site\.spec\.ts/ },
    { name: 'built', testMatch: /built-site\.spec\.ts/, use: { baseURL: `http://localhost:${PREVIEW_PORT}` } },
  ],
  webServer: [
    {
      command: `npx vite --port ${PORT} --strictPort`,
      env: { CONVSIGHT_NO_HMR: '1' },
      url: `http://localhost:${PORT}`,
      reuseExistingServer: false,
      timeout: 120_000,
    },
    {
      command: `npx vite build --outDir dist --emptyOutDir --logLevel warn && npx vite preview --outDir dist --port ${PREVIEW_PORT} --strictPort`,
      url: `http://localhost:${PREVIEW_PORT}`,
      reuseExistingServer: false,
      timeout: 180_000,
    },
  ],
});
