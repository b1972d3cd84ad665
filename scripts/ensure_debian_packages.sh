#!/usr/bin/env bash
# Install Debian's packages for the commands that are missing, when we are allowed to; otherwise
# say what to install. Arguments: COMMAND=PACKAGE pairs, e.g. ffprobe=ffmpeg chromium=chromium.
# A pair marked optional (chromium=chromium?) only warns when it cannot be installed.
set -euo pipefail
missing=() optional=()
for pair in "$@"; do
  cmd="${pair%%=*}" pkg="${pair#*=}"
  command -v "$cmd" >/dev/null && continue
  if [[ "$pkg" == *"?" ]]; then optional+=("${pkg%\?}"); else missing+=("$pkg"); fi
done
[ ${#missing[@]} -eq 0 ] && [ ${#optional[@]} -eq 0 ] && exit 0
all=("${missing[@]}" "${optional[@]}")

SUDO=()
can_install=0
if command -v apt-get >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    can_install=1
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n) can_install=1
  fi
fi
if [ "$can_install" = 1 ]; then
  echo "Installing from Debian's packages: ${all[*]}…"
  if "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
     "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${all[@]}" >/dev/null; then
    exit 0
  fi
  [ ${#missing[@]} -eq 0 ] && { echo "Could not install ${optional[*]}; going on without." >&2; exit 0; }
  echo "apt-get could not install ${all[*]}." >&2
  exit 1
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "Missing: ${missing[*]}. Install with: sudo apt-get install ${all[*]}" >&2
  exit 1
fi
echo "Optional and missing: ${optional[*]} (sudo apt-get install ${optional[*]}); going on without." >&2
