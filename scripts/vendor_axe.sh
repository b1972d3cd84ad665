#!/usr/bin/env bash
# Refresh tests/vendor/axe-core/ (axe.min.js and its licences) from the npm registry: the accessibility
# checker the Chromium tests inject into every page (videos/tests/test_accessibility_browser.py).
# Committed, like the Uppy bundle, so the suite needs no network; pinned by version and tarball hash.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.14.1
SHA256=e6b0ce02b84d892e2e33e403485e7f3d6c29e2be6df65daf44d89ba564139745
OUT=tests/vendor/axe-core
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "axe-core@$VERSION" >/dev/null)
echo "$SHA256  $tmp/axe-core-$VERSION.tgz" | sha256sum --check --quiet
tar -xzf "$tmp/axe-core-$VERSION.tgz" -C "$tmp"
mkdir -p "$OUT"
cp "$tmp/package/axe.min.js" "$tmp/package/LICENSE" "$tmp/package/LICENSE-3RD-PARTY.txt" "$OUT/"
echo "axe-core $VERSION in $OUT"
