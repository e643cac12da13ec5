#!/usr/bin/env bash
# Starts the action server, the letter link server and the Rasa server on the embedded defaults (SQLite tracker store,
# in-process lock store). Ctrl-C stops everything this script started.
source "$(dirname "$0")/env.sh"
source "$ROOT/scripts/defaults.sh"
mkdir -p "$ROOT/var"
pids=()
stop() { trap - INT TERM HUP EXIT; echo; echo "Stopping..."; kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop INT TERM HUP EXIT

cd "$ROOT"
# The case database is brought to the current schema once, before any server opens it.
"$VENV/bin/python" -m bot case-db upgrade || exit 1
# The action server listens on 127.0.0.1 and answers only calls carrying $IEP_ACTION_TOKEN (endpoints.yml).
"$VENV/bin/python" -m bot.serving.action_server --actions actions --port "$ACTION_PORT" >"$ROOT/var/actions.log" 2>&1 &
pids+=($!)
# Letter downloads (DOCX, PDF) behind unguessable, expiring links.
"$VENV/bin/python" -m bot.letters.link_server --port "$LINK_PORT" >"$ROOT/var/links.log" 2>&1 &
pids+=($!)
# Reminders kept in the case database, delivered once each; also the daily retention purge.
"$VENV/bin/python" -m bot.channels.reminder_worker >"$ROOT/var/reminders.log" 2>&1 &
pids+=($!)
# Our web and SMS channels (credentials.yml). The HTTP API is on for the reminder worker only: every call
# needs a JWT signed with the secret in $IEP_RASA_JWT_SECRET_FILE (never put on the command line).
"$VENV/bin/python" -m bot.serving.rasa_server --model "$ROOT/models/current.tar.gz" --endpoints endpoints.yml \
    --credentials credentials.yml --port "$RASA_PORT" --interface 127.0.0.1 >"$ROOT/var/rasa.log" 2>&1 &
pids+=($!)

# A sample family-support page with the chat widget on it.
"$VENV/bin/python" -m bot.channels.demo_site --port "$SITE_PORT" >"$ROOT/var/site.log" 2>&1 &
pids+=($!)

echo "Starting (the first answer takes about half a minute)..."
for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$RASA_PORT/webhooks/web/" >/dev/null 2>&1; then break; fi
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || { echo "A server stopped; see var/*.log"; exit 1; }; done
  sleep 1
done
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
  Logs: var/rasa.log, var/actions.log, var/links.log, var/reminders.log, var/site.log. Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
