#!/usr/bin/env bash
# Install what meter-verify needs on a Debian machine (run as root): Tesseract OCR, ssocr,
# Chromium (for the review page's browser tests) and a Devanagari font (the Hindi review
# page) from apt, and a .venv at the repository root with the package and its deps.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v tesseract >/dev/null 2>&1 || need_apt+=(tesseract-ocr)
# ssocr: the seven-segment OCR baseline that scripts/eval_read.py measures the recognizer against
command -v ssocr >/dev/null 2>&1 || need_apt+=(ssocr)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
python3 -c "import ensurepip, venv" >/dev/null 2>&1 || need_apt+=(python3-venv)
# the browser tests of the review page drive Debian's Chromium (Playwright's own download is not used)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
# the review page in Hindi needs a Devanagari font, or every label renders as empty boxes
{ command -v fc-list >/dev/null 2>&1 && fc-list :lang=hi family | grep -q . ; } || need_apt+=(fonts-noto-core)
# seven-segment fonts: one of the worlds the recognizer's training rows are drawn in (samples/synth/rows.py)
[ -d /usr/share/fonts/truetype/dseg ] || need_apt+=(fonts-dseg)
# PostgreSQL: the tests run the store-facing suite against a throwaway cluster as well as SQLite
# (tests/pgcluster.py); the product itself needs no local server, only a --db URL
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || command -v initdb >/dev/null 2>&1 \
    || need_apt+=(postgresql)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "setup: installing ${need_apt[*]} with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv" >&2
    python3 -m venv .venv
fi
# Re-install only when the packaging metadata changed since the last install.
stamp=.venv/.meter-verify-installed
if [ ! -f "$stamp" ] || [ setup.cfg -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ] \
   || ! .venv/bin/python -c "import pipeline" >/dev/null 2>&1; then
    echo "setup: installing meter-verify into .venv" >&2
    .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
    touch "$stamp"
fi
