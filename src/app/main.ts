// The page: finds WebGPU, starts the engine and says which adapter runs it.

import { createEngine } from '../index.ts';

const status = document.getElementById('adapter')!;

async function start(): Promise<void> {
  try {
    const engine = await createEngine();
    const { vendor, architecture, description } = engine.adapterInfo;
    status.textContent = `WebGPU ready: ${[vendor, architecture, description].filter(Boolean).join(' · ') || 'unnamed adapter'}`;
    status.className = 'status ready';
  } catch (e) {
    status.textContent = e instanceof Error ? e.message : String(e);
    status.className = 'status error';
  }
}

start();
