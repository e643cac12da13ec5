#!/usr/bin/env bash
# `make run-prod`: the production topology on this machine. RASA_SERVERS Rasa servers (default 2) on ports
# RASA_PORT, RASA_PORT+1, ... share PostgreSQL (conversations and cases) and Redis (turn order), with one
# action server, the letter link server, the reminder worker and the demo page. deploy/README.md has the
# same topology for a cluster. They run under supervisord (deploy/supervisord.conf, as `make run`): a process
# that crashes is named on the terminal and started again while the others keep serving. Ctrl-C stops
# everything this script started.
source "$(dirname "$0")/env.sh"
export TRACKER_STORE_URL="${TRACKER_STORE_URL:-postgresql://postgres@127.0.0.1:5432/iep_tracker}"
export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/iep_cases}"
export LOCK_STORE_URL="${LOCK_STORE_URL:-redis://127.0.0.1:6379/0?key_prefix=iep}"
source "$ROOT/scripts/defaults.sh"
export VENV RASA_SERVERS="${RASA_SERVERS:-2}" IEP_RUN_DIR="${IEP_RUN_DIR:-$ROOT/var}"  # read by deploy/supervisord.conf
mkdir -p "$IEP_RUN_DIR"
logs="${IEP_RUN_DIR#"$ROOT"/}" ctl=".venv/bin/supervisorctl -c deploy/supervisord.conf"
[ "$IEP_RUN_DIR" = "$ROOT/var" ] || ctl+=" -s unix://$IEP_RUN_DIR/supervisor.sock"

cd "$ROOT"
# Every store must answer before anything starts: one line naming the variable otherwise.
"$VENV/bin/python" -m bot deployment check --create-databases || exit 1
"$VENV/bin/python" -m bot case-db upgrade || exit 1
ports=()
for i in $(seq 0 $((RASA_SERVERS - 1))); do ports+=($((RASA_PORT + i))); done

# The welcome message, once every Rasa server answers. It runs beside supervisord (this process, after `exec`),
# not as its child, and ends with it.
( (
  echo "Starting $RASA_SERVERS Rasa servers (about half a minute)..."
  for port in "${ports[@]}"; do
    for _ in $(seq 1 180); do
      kill -0 $$ 2>/dev/null || exit 0
      if curl -fsS --max-time 2 "http://127.0.0.1:$port/webhooks/web/" >/dev/null 2>&1; then continue 2; fi
      sleep 1
    done
    echo "The Rasa server on port $port does not answer after 3 minutes; see $logs/rasa-$port.log"
    exit 0
  done
  cat <<MSG

IEP Navigator is running in the production layout.
  Rasa servers:   ${ports[*]/#/http://127.0.0.1:}   (put a load balancer in front: deploy/README.md)
  Conversations:  $(python3 -c 'import sys,re; print(re.sub(r":[^:@/]*@", ":***@", sys.argv[1]))' "$TRACKER_STORE_URL")
  Turn locks:     ${LOCK_STORE_URL%%\?*}
  Demo page:      http://127.0.0.1:$SITE_PORT/   (talks to the first server)
  A process that stops is started again (the lines above and below name it).
  Logs: $logs/rasa-*.log, $logs/actions.log, $logs/links.log, $logs/reminders.log, $logs/site.log.
  Status: $ctl status. Press Ctrl-C to stop.
MSG
) & )

# supervisord replaces this shell, so Ctrl-C and SIGTERM reach it directly; it stops every process it started
# before it exits. --user: it runs as whoever started it (and says so, instead of warning about root).
exec "$VENV/bin/supervisord" -c "$ROOT/deploy/supervisord.conf" --user "$(id -u)"
