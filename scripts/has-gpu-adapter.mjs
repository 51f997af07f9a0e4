// Exits 0 when Dawn (the `webgpu` package) finds a real GPU adapter on this machine, 1 otherwise.
// scripts/install.sh asks this before installing SwiftShader (Debian's chromium) as a fallback.
// The ICD variables are cleared so that only the machine's own Vulkan drivers are tried.
delete process.env.VK_ICD_FILENAMES;
delete process.env.VK_DRIVER_FILES;
process.env.XDG_RUNTIME_DIR ??= (await import('node:os')).tmpdir();

const CPU_ARCHITECTURES = /swiftshader|lavapipe|llvmpipe|warp/i;
let found = false;
try {
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  const gpu = create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  const info = adapter?.info ?? {};
  found = !!adapter && !CPU_ARCHITECTURES.test(`${info.architecture} ${info.description} ${info.vendor}`);
  if (found) console.log(`GPU adapter: ${[info.vendor, info.architecture, info.description].filter(Boolean).join(' / ')}`);
  globalThis.keep = gpu; // Dawn's instance must outlive its adapter (see src/engine/device.ts)
} catch {
  found = false; // no Vulkan loader yet, or no driver: the same answer
}
process.exit(found ? 0 : 1);
