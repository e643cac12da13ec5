#!/usr/bin/env bash
# Talk to the assistant in the terminal (starts its own action server).
source "$(dirname "$0")/env.sh"
source "$ROOT/scripts/defaults.sh"
mkdir -p "$ROOT/var"; cd "$ROOT"
"$VENV/bin/python" -m bot.serving.action_server --actions actions --port "$ACTION_PORT" >"$ROOT/var/actions.log" 2>&1 &
apid=$!
trap 'kill $apid 2>/dev/null || true' EXIT
"$VENV/bin/rasa" shell --model "$ROOT/models/current.tar.gz" --endpoints endpoints.yml
