// What to do when the browser has no WebGPU: which browsers have it, which flags turn it on.

import { el } from '../dom.ts';

export function noWebGpuHelp(reason: string): HTMLElement {
  return el('div', { class: 'help', id: 'no-webgpu' },
    el('h2', {}, 'This page needs WebGPU'),
    el('p', {}, reason),
    el('ul', {},
      el('li', {}, 'Chrome or Edge 113 or newer on Windows, macOS and ChromeOS; Chrome 121+ on Android 12+ — WebGPU is on by default.'),
      el('li', {}, 'Chrome on Linux: open chrome://flags, enable “Unsafe WebGPU Support” (#enable-unsafe-webgpu) and “Vulkan”, and restart; or start Chromium with --enable-unsafe-webgpu.'),
      el('li', {}, 'Safari 26 (macOS, iOS): on by default; older Safari: Develop → Feature Flags → WebGPU.'),
      el('li', {}, 'Firefox 141+ on Windows has it; elsewhere set dom.webgpu.enabled in about:config.'),
      el('li', {}, 'The page must come from https:// or http://localhost (WebGPU exists only in secure contexts).'),
      el('li', {}, 'Without a GPU, Chromium still runs WebGPU on SwiftShader (its CPU Vulkan driver), slowly.')),
    el('p', {}, 'The command line runs the same methods without a browser: npm run cli -- --help.'));
}
