#!/usr/bin/env bash
# Installs everything convsight needs on Debian/Ubuntu: Chromium (for its SwiftShader Vulkan driver,
# which runs WebGPU on the CPU when there is no GPU, and for the browser tests), the Vulkan loader,
# and the npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
if ! command -v chromium >/dev/null 2>&1 || ! /sbin/ldconfig -p | grep -q libvulkan.so.1; then
  echo "Installing chromium and libvulkan1 with apt-get…"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium libvulkan1 >/dev/null
fi
npm ci --no-audit --no-fund
