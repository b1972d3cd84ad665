#!/usr/bin/env bash
# Rebuild static/vendor/uppy/ (uppy.min.js, uppy.min.css, LICENSE) from the exact versions pinned
# in frontend/package-lock.json. The output is committed, so CI and deployments never need npm;
# run this after changing a version in frontend/package.json, and commit the lock file with it.
set -euo pipefail
cd "$(dirname "$0")/../frontend"
OUT=../static/vendor/uppy

npm ci --no-audit --no-fund --ignore-scripts >/dev/null
# --ignore-scripts: esbuild's postinstall only checks its binary, which npm already put in place.
ESBUILD=node_modules/.bin/esbuild
mkdir -p "$OUT"
# An IIFE that defines window.Uppy; es2020 is what the browsers hls.js supports understand too.
"$ESBUILD" uppy.js --bundle --minify --format=iife --global-name=Uppy --target=es2020 \
  --legal-comments=none --metafile=node_modules/.uppy-meta.json --outfile="$OUT/uppy.min.js" --log-level=warning
"$ESBUILD" uppy.css --bundle --minify --outfile="$OUT/uppy.min.css" --log-level=warning

# One LICENSE for the bundle: the licence of every package that ended up in it, Uppy's first.
node - "$OUT/LICENSE" <<'JS'
const fs = require("fs"), path = require("path");
const meta = JSON.parse(fs.readFileSync("node_modules/.uppy-meta.json", "utf8"));
const packages = new Set();
for (const input of Object.keys(meta.inputs)) {
  const match = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (match) packages.add(match[1]);
}
const names = [...packages].sort((a, b) => (b.startsWith("@uppy/") - a.startsWith("@uppy/")) || a.localeCompare(b));
const sections = names.map((name) => {
  const dir = path.join("node_modules", name);
  const { version, license } = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
  const file = fs.readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
  // A few small packages state their licence only in their README: take that section.
  const text = file
    ? fs.readFileSync(path.join(dir, file), "utf8")
    : (fs.readFileSync(path.join(dir, "README.md"), "utf8").match(/^##+ Licen[cs]e.*\n([\s\S]*?)(?=^## |(?![\s\S]))/im) || [])[1];
  if (!text) throw new Error(`${name} states no licence text`);
  return `${name} ${version} (${license})\n\n${text.trim()}\n`;
});
const header = "uppy.min.js and uppy.min.css bundle these packages (scripts/build_uppy.sh):\n" +
  names.map((name) => `  ${name}`).join("\n") + "\n";
fs.writeFileSync(process.argv[2], [header, ...sections].join("\n" + "=".repeat(78) + "\n\n"));
JS
ls -l "$OUT"
