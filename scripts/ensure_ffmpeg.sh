#!/usr/bin/env bash
# Install Debian's ffmpeg when it is missing and we are allowed to; otherwise say what to do.
set -euo pipefail
if command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null; then
  exit 0
fi
if command -v apt-get >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    SUDO=()
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    echo "ffmpeg is not installed. Install it with: sudo apt-get install ffmpeg" >&2
    exit 1
  fi
  echo "Installing ffmpeg from Debian's packages…"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ffmpeg >/dev/null
  exit 0
fi
echo "ffmpeg is not installed and this is not a Debian-like system: install ffmpeg (with ffprobe) yourself." >&2
exit 1
