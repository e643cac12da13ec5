# Embedded defaults for running on one machine. Every value can be overridden from the environment;
# deploy/README.md lists them all (bot/ops/deployment.py VARIABLES).
export RASA_PORT="${RASA_PORT:-5005}"
export ACTION_PORT="${ACTION_PORT:-5055}"
export ACTION_SERVER_URL="${ACTION_SERVER_URL:-http://127.0.0.1:$ACTION_PORT/webhook}"
export TRACKER_STORE_URL="${TRACKER_STORE_URL:-sqlite:///$ROOT/var/tracker.db}"  # or postgresql://...
export LOCK_STORE_URL="${LOCK_STORE_URL:-memory}"  # or redis://127.0.0.1:6379/0 for several Rasa servers
export IEP_RASA_WORKERS="${IEP_RASA_WORKERS:-1}"  # Sanic workers per Rasa server (more than 1 needs Redis)
export DATABASE_URL="${DATABASE_URL:-sqlite:///$ROOT/var/cases.db}"
export LINK_PORT="${LINK_PORT:-5056}"
export LINK_BASE_URL="${LINK_BASE_URL:-http://127.0.0.1:$LINK_PORT}"  # what parents' download links start with
export IEP_SECRET_FILE="${IEP_SECRET_FILE:-$ROOT/var/id.secret}"  # or set IEP_ID_SECRET
export IEP_DATA_KEY_FILE="${IEP_DATA_KEY_FILE:-$ROOT/var/data.key}"  # or set IEP_DATA_KEYS (Fernet, newest first)
export IEP_RASA_JWT_SECRET_FILE="${IEP_RASA_JWT_SECRET_FILE:-$ROOT/var/rasa-jwt.secret}"  # or set IEP_RASA_JWT_SECRET
export IEP_ACTION_TOKEN_FILE="${IEP_ACTION_TOKEN_FILE:-$ROOT/var/action.token}"  # or set IEP_ACTION_TOKEN
if [ -z "${IEP_ACTION_TOKEN:-}" ]; then  # endpoints.yml sends it to the action server in a header
  [ -s "$IEP_ACTION_TOKEN_FILE" ] || (umask 077 && mkdir -p "$(dirname "$IEP_ACTION_TOKEN_FILE")" &&
    head -c 32 /dev/urandom | base64 | tr -d '\n/+=' >"$IEP_ACTION_TOKEN_FILE")  # made once, owner-only
  export IEP_ACTION_TOKEN="$(cat "$IEP_ACTION_TOKEN_FILE")"
fi
export RASA_URL="${RASA_URL:-http://127.0.0.1:$RASA_PORT}"  # where the reminder worker reaches Rasa
export SITE_PORT="${SITE_PORT:-8080}"  # the demo family-support page with the chat widget on it
export IEP_PUBLIC_URL="${IEP_PUBLIC_URL:-http://127.0.0.1:$RASA_PORT}"  # where browsers reach the assistant
export IEP_WEB_ORIGINS="${IEP_WEB_ORIGINS:-http://127.0.0.1:$SITE_PORT,http://localhost:$SITE_PORT}"  # sites that may embed it
export IEP_API_KEY_FILE="${IEP_API_KEY_FILE:-$ROOT/var/api.key}"  # or set IEP_API_KEYS (server-to-server use)
export IEP_TRAINING_DATABASE_URL="${IEP_TRAINING_DATABASE_URL:-sqlite:///$ROOT/var/training.db}"  # volunteers' practice results
