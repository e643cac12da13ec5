#!/usr/bin/env bash
# Creates (or reuses) the virtual environment for this lock file and links it as .venv.
source "$(dirname "$0")/env.sh"
if [ ! -x "$VENV/bin/python" ] || [ ! -f "$VENV/.complete" ]; then
  py="$("$ROOT/scripts/python310.sh")"
  echo "Creating the environment in $VENV (a few minutes, once per lock file)..."
  rm -rf "$VENV"; mkdir -p "$IEP_CACHE"
  "$py" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --upgrade "pip==24.0" "setuptools==65.5.0" wheel 2> >(grep -v "is ignored" >&2)
  # One resolver pass with every pin: a second pass can upgrade SQLAlchemy or packaging under Rasa.
  # (The machine's pip config names an extra local index that may be absent; its warnings are noise.)
  "$VENV/bin/pip" install --quiet -r "$ROOT/requirements.lock" 2> >(grep -v "is ignored" >&2)
  "$VENV/bin/pip" check
  touch "$VENV/.complete"
fi
# Our package is installed editable; repoint it when this venv was built from another checkout.
if ! (cd /tmp && "$VENV/bin/python" -c "import bot, sys; sys.exit(not bot.__file__.startswith('$ROOT/'))" 2>/dev/null); then
  "$VENV/bin/pip" install --quiet --no-deps --no-build-isolation -e "$ROOT" 2> >(grep -v "is ignored" >&2)
fi
ln -sfn "$VENV" "$ROOT/.venv"
