#!/usr/bin/env bash
# Packs the publishable packages of this repository (npm workspaces under packages/), each
# with only its own dependencies, into dist/packages/:
#   @fibrix/sdk     the typed client of the region API          (axios, @sinclair/typebox)
#   @fibrix/pulumi  the Pulumi resources on pulumi-resource-fibrix (@pulumi/pulumi)
#   @fibrix/cdktf   the CDKTF constructs of terraform-provider-fibrix (cdktf, constructs)
# The server, rack agent, CLI and both provider plugins are the root package, fibrix-metal.
# Each package compiles only what its entry point reaches (its tsconfig.json `files`).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=dist/packages
mkdir -p "$OUT"
npm run build --workspaces --silent
npm pack --workspaces --pack-destination "$OUT" --silent
ls -1 "$OUT"
