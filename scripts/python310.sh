#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter: PATH first, then pyenv's versions. Rasa 3.6 needs 3.8-3.10.
set -euo pipefail
is310() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; }
for cand in python3.10 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10*/bin/python3.10; do
  path="$(command -v "$cand" 2>/dev/null || true)"
  if [ -n "$path" ] && is310 "$path"; then
    # pyenv shims resolve to whatever version is active: ask the interpreter for its real path.
    "$path" -c 'import sys; print(sys.executable)'; exit 0
  fi
done
echo "No Python 3.10 found. Install it (for example 'pyenv install 3.10') and run make again." >&2
exit 1
