// Getting a GPUDevice: navigator.gpu in a browser, Dawn (the `webgpu` package) in Node.
//
// In Node on a machine without a GPU, Dawn finds no usable Vulkan driver (Mesa's lavapipe is
// rejected), so we point the Vulkan loader at SwiftShader, the CPU Vulkan driver that Debian's
// chromium package ships. The user sets nothing; a real GPU is still preferred when present.

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * Dawn's options for Node. Dawn rounds timestamp queries to 2^16 ns (0.066 ms) by default, for
 * browsers' sake (fine-grained timers help timing attacks); that makes the bench's GPU timestamps
 * useless on a real GPU, where most kernels take less. Node runs no untrusted pages: exact ones.
 */
const DAWN_OPTIONS = ['disable-dawn-features=timestamp_quantization'];

export const INSTALL_HINT =
  'WebGPU needs a GPU driver or SwiftShader. On Debian/Ubuntu: `sudo apt-get install -y chromium libvulkan1` ' +
  '(chromium ships SwiftShader, libvulkan1 is the Vulkan loader). In a browser, use one with WebGPU enabled ' +
  '(Chrome/Edge 113+, or Chromium with --enable-unsafe-webgpu) and serve the page from http://localhost or https.';

export interface AcquiredDevice {
  device: GPUDevice;
  adapter: GPUAdapter | null;
  /** Dawn's GPU object, or navigator.gpu (Node keeps Dawn's alive in device.ts, see dawnInstances). */
  instance: unknown;
}

/** Limits we ask for: everything the adapter offers that large models need, not WebGPU's defaults. */
export function wantedLimits(adapter: GPUAdapter, override?: Partial<Record<string, number>>): Record<string, number> {
  const names = [
    'maxStorageBufferBindingSize',
    'maxBufferSize',
    'maxStorageBuffersPerShaderStage',
    'maxComputeWorkgroupStorageSize',
    'maxComputeInvocationsPerWorkgroup',
    'maxComputeWorkgroupSizeX',
    'maxComputeWorkgroupSizeY',
    'maxComputeWorkgroupsPerDimension',
  ];
  const limits: Record<string, number> = {};
  const available = adapter.limits as unknown as Record<string, number>;
  for (const name of names) limits[name] = available[name];
  for (const [name, value] of Object.entries(override ?? {})) {
    if (value !== undefined) limits[name] = Math.min(value, available[name] ?? value);
  }
  return limits;
}

export function isNode(): boolean {
  return typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';
}

async function requestFrom(gpu: GPU, limitOverride?: Partial<Record<string, number>>): Promise<{ adapter: GPUAdapter; device: GPUDevice } | null> {
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return null;
  const requiredFeatures: GPUFeatureName[] = [];
  if (adapter.features.has('timestamp-query')) requiredFeatures.push('timestamp-query');
  const device = await adapter.requestDevice({
    requiredLimits: wantedLimits(adapter, limitOverride),
    requiredFeatures,
  });
  return { adapter, device };
}

/** True when this machine may have a GPU that Vulkan can drive (device nodes exist). */
function mayHaveGpu(fs: typeof import('node:fs')): boolean {
  if (fs.existsSync('/dev/nvidia0')) return true;
  try {
    return fs.readdirSync('/dev/dri').some((n) => n.startsWith('renderD'));
  } catch {
    return false;
  }
}

/**
 * Dawn's GPU objects, one per driver choice, kept for the life of the process and shared by every
 * engine. Dawn processes a device's events on the instance from a callback it schedules itself;
 * if the instance is garbage-collected first (after an engine is destroyed, say), that callback
 * runs on freed memory and Node dies with SIGSEGV. Keeping them does not keep Node from exiting.
 */
const dawnInstances = new Map<string, GPU>();

function dawnInstance(driver: string, create: () => GPU): GPU {
  let instance = dawnInstances.get(driver);
  if (!instance) {
    instance = create();
    dawnInstances.set(driver, instance);
  }
  return instance;
}

async function acquireNodeDevice(limitOverride?: Partial<Record<string, number>>): Promise<AcquiredDevice> {
  const fs = process.getBuiltinModule('node:fs') as typeof import('node:fs');
  // Dawn prints a harmless error when it has no runtime dir.
  if (!process.env.XDG_RUNTIME_DIR) {
    const dir = `${process.getBuiltinModule('node:os').tmpdir()}/convsight-xdg-${process.getuid?.() ?? 0}`;
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    process.env.XDG_RUNTIME_DIR = dir;
  }
  // The package name is held in a variable so that Vite never tries to bundle Dawn for the browser.
  const dawnPackage = 'webgpu';
  const webgpu = (await import(/* @vite-ignore */ dawnPackage)) as {
    create: (options: string[]) => GPU;
    globals: Record<string, unknown>;
  };
  Object.assign(globalThis, webgpu.globals);

  const userChoseDriver = !!process.env.VK_ICD_FILENAMES || !!process.env.VK_DRIVER_FILES;
  if (userChoseDriver || mayHaveGpu(fs)) {
    const instance = dawnInstance('as found', () => webgpu.create(DAWN_OPTIONS));
    const got = await requestFrom(instance, limitOverride);
    if (got) return { ...got, instance };
    if (userChoseDriver) throw new Error(`No WebGPU adapter with the Vulkan driver named by VK_ICD_FILENAMES/VK_DRIVER_FILES. ${INSTALL_HINT}`);
  }
  if (!fs.existsSync(SWIFTSHADER_ICD)) {
    throw new Error(`No GPU adapter found and SwiftShader is missing (${SWIFTSHADER_ICD}). ${INSTALL_HINT}`);
  }
  const instance = dawnInstance('swiftshader', () => {
    // The Vulkan loader reads this at instance creation, so a fresh instance picks it up.
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    return webgpu.create(DAWN_OPTIONS);
  });
  const got = await requestFrom(instance, limitOverride);
  if (!got) throw new Error(`SwiftShader is installed but gave no WebGPU adapter (is libvulkan1 installed?). ${INSTALL_HINT}`);
  return { ...got, instance };
}

export async function acquireDevice(limitOverride?: Partial<Record<string, number>>): Promise<AcquiredDevice> {
  if (typeof navigator !== 'undefined' && 'gpu' in navigator && navigator.gpu) {
    const got = await requestFrom(navigator.gpu, limitOverride);
    if (!got) throw new Error(`navigator.gpu gave no adapter. ${INSTALL_HINT}`);
    return { ...got, instance: navigator.gpu };
  }
  if (isNode()) return acquireNodeDevice(limitOverride);
  throw new Error(`This browser has no WebGPU (navigator.gpu is missing). ${INSTALL_HINT}`);
}
