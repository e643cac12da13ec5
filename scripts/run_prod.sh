#!/usr/bin/env bash
# `make run-prod`: the production topology on this machine. RASA_SERVERS Rasa servers (default 2) on ports
# RASA_PORT, RASA_PORT+1, ... share PostgreSQL (conversations and cases) and Redis (turn order), with one
# action server, the letter link server, the reminder worker and the demo page. deploy/README.md has the
# same topology for a cluster. Ctrl-C stops everything this script started.
source "$(dirname "$0")/env.sh"
export TRACKER_STORE_URL="${TRACKER_STORE_URL:-postgresql://postgres@127.0.0.1:5432/iep_tracker}"
export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/iep_cases}"
export LOCK_STORE_URL="${LOCK_STORE_URL:-redis://127.0.0.1:6379/0?key_prefix=iep}"
source "$ROOT/scripts/defaults.sh"
RASA_SERVERS="${RASA_SERVERS:-2}"
mkdir -p "$ROOT/var"
pids=()
stop() { trap - INT TERM HUP EXIT; echo; echo "Stopping..."; kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop INT TERM HUP EXIT

cd "$ROOT"
# Every store must answer before anything starts: one line naming the variable otherwise.
"$VENV/bin/python" -m bot deployment check --create-databases || exit 1
"$VENV/bin/python" -m bot case-db upgrade || exit 1
# The action server listens on 127.0.0.1 and answers only calls carrying $IEP_ACTION_TOKEN (endpoints.yml).
"$VENV/bin/python" -m bot.serving.action_server --actions actions --port "$ACTION_PORT" >"$ROOT/var/actions.log" 2>&1 &
pids+=($!)
"$VENV/bin/python" -m bot.letters.link_server --port "$LINK_PORT" >"$ROOT/var/links.log" 2>&1 &
pids+=($!)
# One reminder worker serves every server: it wakes conversations through RASA_URL (the first server; any
# would do, since they share the stores).
"$VENV/bin/python" -m bot.channels.reminder_worker >"$ROOT/var/reminders.log" 2>&1 &
pids+=($!)
ports=()
for i in $(seq 0 $((RASA_SERVERS - 1))); do
  port=$((RASA_PORT + i)); ports+=("$port")
  "$VENV/bin/python" -m bot.serving.rasa_server --model "$ROOT/models/current.tar.gz" --endpoints endpoints.yml \
      --credentials credentials.yml --port "$port" --interface 127.0.0.1 >"$ROOT/var/rasa-$port.log" 2>&1 &
  pids+=($!)
done
"$VENV/bin/python" -m bot.channels.demo_site --port "$SITE_PORT" >"$ROOT/var/site.log" 2>&1 &
pids+=($!)

echo "Starting $RASA_SERVERS Rasa servers (about half a minute)..."
for port in "${ports[@]}"; do
  for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$port/webhooks/web/" >/dev/null 2>&1; then break; fi
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || { echo "A server stopped; see var/*.log"; exit 1; }; done
    sleep 1
  done
done
cat <<MSG

IEP Navigator is running in the production layout.
  Rasa servers:   ${ports[*]/#/http://127.0.0.1:}   (put a load balancer in front: deploy/README.md)
  Conversations:  $(python3 -c 'import sys,re; print(re.sub(r":[^:@/]*@", ":***@", sys.argv[1]))' "$TRACKER_STORE_URL")
  Turn locks:     ${LOCK_STORE_URL%%\?*}
  Demo page:      http://127.0.0.1:$SITE_PORT/   (talks to the first server)
  Logs: var/rasa-*.log, var/actions.log, var/links.log, var/reminders.log, var/site.log. Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
