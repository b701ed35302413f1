#!/usr/bin/env bash
# Regenerates hpp's pstats test corpus with every installed interpreter:
# each pyenv version under $(pyenv root)/versions and Debian's python3.
# For each it writes DIR/*.prof (corpus.py gen) and DIR/expect.json.gz,
# what that interpreter's own pstats reads from them (corpus.py expect).
# Usage: testdata/pstats/make.sh     (from anywhere)
set -euo pipefail
cd "$(dirname "$0")"
root=${PYENV_ROOT:-$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")}
gen() { # gen PY DIR
  rm -rf "$2" && mkdir -p "$2"
  "$1" corpus.py gen "$2"
  "$1" corpus.py expect "$2"
  echo "$2: $("$1" -c 'import sys; print(sys.version.split()[0])') $(du -sh "$2" | cut -f1)"
}
for v in "$root"/versions/*/; do
  v=${v%/}
  gen "$v/bin/python" "py$(basename "$v")"
done
gen /usr/bin/python3 "debian-python3"
