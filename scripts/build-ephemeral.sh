#!/usr/bin/env bash
# Builds (or finds in the cache) the rack's commissioning/deploy environment: kernel + initramfs
# from Debian packages (busybox-static; this machine's kernel or linux-image-cloud-amd64 fetched
# with apt-get download). The lab's bootable disk image is made by backend/rack/boot/disk-image.ts.
# Usage: scripts/build-ephemeral.sh [CACHE_DIR]   (default .data/boot; needs `npm run build` first)
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${1:-.data/boot}"
node dist/backend/rack/boot/ephemeral-env.js "$CACHE"
