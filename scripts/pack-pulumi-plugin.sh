#!/usr/bin/env bash
# Builds pulumi-resource-fibrix-v<version>-linux-amd64.tar.gz, the native Pulumi provider plugin
# as `pulumi plugin install resource fibrix <version> --file <tarball>` takes it: the launcher
# `pulumi-resource-fibrix` at the top, and beside it the compiled JavaScript and the npm
# packages it loads. It runs on Node.js >= 20 found on PATH (the plugin is plain JavaScript;
# the linux-amd64 in the name is where Pulumi looks for it, nothing in it is native).
#
# Which files go in is measured, not listed: the plugin is started in-process and made to run
# every kind of call once (Check, Diff, Create/Update previews, Read, Invoke, GetSchema), and
# whatever it has loaded by then (require.cache) is packed: those dist/ files, and the whole
# directories of the npm packages they came from.
#
#   scripts/pack-pulumi-plugin.sh [--out DIR] [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

OUT="$ROOT/dist/plugins"
BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    *) echo "usage: $0 [--out DIR] [--no-build]" >&2; exit 2 ;;
  esac
done

node -e 'const [maj] = process.versions.node.split("."); if (+maj < 20) { console.error("Node >= 20 needed"); process.exit(1); }'
VERSION=$(node -p 'require("./package.json").version')
NAME="pulumi-resource-fibrix-v${VERSION}-linux-amd64"
[ "$BUILD" = 1 ] && npx tsc -p tsconfig.build.json

STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT

# The files the plugin loads, relative to the repository (one per line).
node - "$ROOT" > "$STAGE/files.txt" <<'JS'
const path = require("node:path");
const root = process.argv[2];
const struct = require("google-protobuf/google/protobuf/struct_pb");
const provproto = require("@pulumi/pulumi/proto/provider_pb");
const { ProviderService } = require(path.join(root, "dist/provider/pulumi/native/provider-service.js"));
const { EngineLog } = require(path.join(root, "dist/provider/pulumi/native/engine-log.js"));
require(path.join(root, "dist/provider/pulumi/native/main.js"));

const s = (o) => struct.Struct.fromJavaScript(o);
const samples = {
  Region: { name: "r", dnsDomain: "r.example" },
  Rack: { name: "k", regionId: "rgn_0000000000000001", subnet: "10.0.0.0/24", dhcpRange: { start: "10.0.0.10", end: "10.0.0.20" } },
  Machine: { hostname: "m", rackId: "rck_0000000000000001", macs: ["52:54:00:00:00:01"], power: { type: "ipmi", address: "10.0.0.2", user: "u", password: "p" } },
  VirtualMachine: { name: "v", poolId: "pool_0000000000000001", image: "i", cores: 1, memoryMiB: 128, diskGiB: 1 },
  Pool: { name: "p" },
};
(async () => {
  const svc = new ProviderService({ engine: new EngineLog() });
  const cfg = new provproto.ConfigureRequest();
  cfg.setArgs(s({ endpoint: "http://127.0.0.1:9", apiKey: "fbx_x" }));
  await svc.configure(cfg);
  await svc.getSchema();
  await svc.getPluginInfo();
  for (const [t, news] of Object.entries(samples)) {
    const urn = `urn:pulumi:s::p::fibrix:index:${t}::x`;
    const c = new provproto.CheckRequest();
    c.setUrn(urn); c.setType(`fibrix:index:${t}`); c.setOlds(s({})); c.setNews(s(news));
    const checked = (await svc.check(c)).getInputs();
    const d = new provproto.DiffRequest();
    d.setUrn(urn); d.setType(`fibrix:index:${t}`); d.setId("x"); d.setOlds(s(news)); d.setNews(checked); d.setOldInputs(s(news));
    await svc.diff(d);
    const cr = new provproto.CreateRequest();
    cr.setUrn(urn); cr.setType(`fibrix:index:${t}`); cr.setProperties(checked); cr.setPreview(true);
    await svc.create(cr);
    const u = new provproto.UpdateRequest();
    u.setUrn(urn); u.setType(`fibrix:index:${t}`); u.setId("x"); u.setOlds(s(news)); u.setNews(checked); u.setPreview(true);
    await svc.update(u);
    // Reaches the SDK client and its error path (nothing listens on port 9).
    const r = new provproto.ReadRequest();
    r.setUrn(urn); r.setType(`fibrix:index:${t}`); r.setId("x");
    await svc.read(r).catch(() => undefined);
  }
  const inv = new provproto.InvokeRequest();
  inv.setTok("fibrix:index:getRegions"); inv.setArgs(s({}));
  await svc.invoke(inv).catch(() => undefined);
  for (const f of Object.keys(require.cache)) {
    const rel = path.relative(root, f);
    if (!rel.startsWith("..")) process.stdout.write(`${rel}\n`);
  }
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
JS

DEST="$STAGE/$NAME"
mkdir -p "$DEST"
# dist/ files as loaded (with their source maps), and whole npm package directories.
grep '^dist/' "$STAGE/files.txt" | while read -r f; do
  mkdir -p "$DEST/$(dirname "$f")"
  cp "$f" "$DEST/$f"
  [ -f "$f.map" ] && cp "$f.map" "$DEST/$f.map"
done
grep '^node_modules/' "$STAGE/files.txt" \
  | sed -E 's#^((node_modules/)(@[^/]+/)?[^/]+)/.*#\1#' | sort -u > "$STAGE/packages.txt"
# A package nested in another's node_modules comes with its parent's directory.
while read -r p; do
  mkdir -p "$DEST/$(dirname "$p")"
  cp -R "$p" "$DEST/$p"
done < "$STAGE/packages.txt"
# Nothing native may be needed (the plugin runs on any Node >= 20).
if find "$DEST" -name '*.node' | grep -q .; then
  echo "pack-pulumi-plugin: a native module was loaded: $(find "$DEST" -name '*.node' | head -3)" >&2
  exit 1
fi

mkdir -p "$DEST/provider/pulumi"
cp provider/pulumi/schema.json "$DEST/provider/pulumi/schema.json"
node -e '
  const p = require("./package.json");
  const out = { name: p.name, version: p.version, private: true, license: p.license,
    description: "pulumi-resource-fibrix: the native Pulumi provider of fibrix-metal (needs Node.js >= 20 on PATH)",
    engines: p.engines };
  require("fs").writeFileSync(process.argv[1], JSON.stringify(out, null, 2) + "\n");
' "$DEST/package.json"
cat > "$DEST/pulumi-resource-fibrix" <<'LAUNCHER'
#!/usr/bin/env node
// The fibrix Pulumi provider plugin; started by the Pulumi engine. Needs Node.js >= 20 on PATH.
require("./dist/provider/pulumi/native/main.js").main();
LAUNCHER
chmod +x "$DEST/pulumi-resource-fibrix"
cp LICENSE "$DEST/" 2>/dev/null || true

mkdir -p "$OUT"
tar -C "$DEST" -czf "$OUT/$NAME.tar.gz" .
echo "$OUT/$NAME.tar.gz ($(du -h "$OUT/$NAME.tar.gz" | cut -f1), $(wc -l < "$STAGE/packages.txt") npm packages, $(grep -c '^dist/' "$STAGE/files.txt") compiled files)"
