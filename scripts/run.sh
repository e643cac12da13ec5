#!/usr/bin/env bash
# Starts the action server, the letter link server, the reminder worker, the Rasa server and the demo page on the
# embedded defaults (SQLite tracker store, in-process lock store), under supervisord (deploy/supervisord.conf): a
# process that crashes is named on the terminal and started again, with a growing pause if it keeps crashing,
# while the others keep serving. Ctrl-C stops everything this script started.
source "$(dirname "$0")/env.sh"
source "$ROOT/scripts/defaults.sh"
export VENV RASA_SERVERS=1 IEP_RUN_DIR="${IEP_RUN_DIR:-$ROOT/var}"  # read by deploy/supervisord.conf
mkdir -p "$IEP_RUN_DIR"
logs="${IEP_RUN_DIR#"$ROOT"/}" ctl=".venv/bin/supervisorctl -c deploy/supervisord.conf"
[ "$IEP_RUN_DIR" = "$ROOT/var" ] || ctl+=" -s unix://$IEP_RUN_DIR/supervisor.sock"

cd "$ROOT"
# The case database is brought to the current schema once, before any server opens it.
"$VENV/bin/python" -m bot case-db upgrade || exit 1

# The welcome message, once the Rasa server answers. It runs beside supervisord (this process, after `exec`), not
# as its child, and ends with it.
( (
  echo "Starting (the first answer takes about half a minute)..."
  for _ in $(seq 1 180); do
    kill -0 $$ 2>/dev/null || exit 0
    if curl -fsS --max-time 2 "http://127.0.0.1:$RASA_PORT/webhooks/web/" >/dev/null 2>&1; then
      cat <<MSG

IEP Navigator is running.
  Try the chat widget on the demo page:   http://127.0.0.1:$SITE_PORT/
  Talk to it in this machine's terminal:  make shell   (in another terminal)
  Or over HTTP, as a site's server would (API key in $IEP_API_KEY_FILE):
    curl -s http://127.0.0.1:$RASA_PORT/webhooks/web/messages \\
      -H "X-API-Key: \$(cat $IEP_API_KEY_FILE)" -H 'Content-Type: application/json' \\
      -d '{"text": "the school keeps saying they are monitoring his reading and nothing changes"}'
  SMS: set IEP_SMS_PUBLIC_URL and TWILIO_* (README) and point the number at /webhooks/sms/webhook.
  Letter downloads: $LINK_BASE_URL
  A process that stops is started again (the lines above and below name it).
  Logs: $logs/rasa-$RASA_PORT.log, $logs/actions.log, $logs/links.log, $logs/reminders.log, $logs/site.log.
  Status: $ctl status. Press Ctrl-C to stop.
MSG
      exit 0
    fi
    sleep 1
  done
  echo "The Rasa server does not answer after 3 minutes; see $logs/rasa-$RASA_PORT.log"
) & )

# supervisord replaces this shell, so Ctrl-C and SIGTERM reach it directly; it stops every process it started
# before it exits. --user: it runs as whoever started it (and says so, instead of warning about root).
exec "$VENV/bin/supervisord" -c "$ROOT/deploy/supervisord.conf" --user "$(id -u)"
