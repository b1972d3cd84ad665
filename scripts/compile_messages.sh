#!/usr/bin/env bash
# Compile the translation catalogues (locale/*/LC_MESSAGES/*.po → .mo; the .mo files are not
# committed). make run and make test call this; so does the image build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure_debian_packages.sh msgfmt=gettext
.venv/bin/python manage.py compilemessages --ignore '.venv' --ignore 'frontend' --verbosity 0
