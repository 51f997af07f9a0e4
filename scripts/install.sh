#!/usr/bin/env bash
# Installs what convsight needs on Debian/Ubuntu, saying what it does at each step:
#   1. the npm packages (npm ci: exactly package-lock.json's versions; nothing else is downloaded,
#      then or at run time);
#   2. only when this machine has no GPU adapter that WebGPU can use: Debian's chromium, whose
#      SwiftShader Vulkan driver runs WebGPU on the CPU, and libvulkan1, the Vulkan loader;
#   3. with --with-browser (the tests, CI): chromium for the Playwright tests in any case.
# Uses sudo for apt-get when not run as root.
set -euo pipefail
cd "$(dirname "$0")/.."

WITH_BROWSER=0
for arg in "$@"; do
  case "$arg" in
    --with-browser) WITH_BROWSER=1 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown option '$arg' (known: --with-browser)" >&2; exit 1 ;;
  esac
done

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
apt_install() {
  echo "convsight setup: installing $* with apt-get…"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

echo "convsight setup: installing the npm packages (npm ci)…"
npm ci --no-audit --no-fund --loglevel=error

NEED=()
if node scripts/has-gpu-adapter.mjs 2>/dev/null; then  # Dawn reports each rejected driver on stderr
  echo "convsight setup: WebGPU will run on this GPU; SwiftShader is not needed."
else
  echo "convsight setup: no GPU adapter found: WebGPU will run on the CPU with SwiftShader (from Debian's chromium)."
  [ -f /usr/lib/chromium/vk_swiftshader_icd.json ] || NEED+=(chromium)
  /sbin/ldconfig -p | grep -q libvulkan.so.1 || NEED+=(libvulkan1)
fi
if [ "$WITH_BROWSER" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
  [[ " ${NEED[*]-} " == *" chromium "* ]] || NEED+=(chromium)
fi
if [ ${#NEED[@]} -gt 0 ]; then
  apt_install "${NEED[@]}"
else
  echo "convsight setup: the system packages needed are already here."
fi
echo "convsight setup: done."
