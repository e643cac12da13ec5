# Embedded defaults for running on one machine. Every value can be overridden from the environment.
export RASA_PORT="${RASA_PORT:-5005}"
export ACTION_PORT="${ACTION_PORT:-5055}"
export ACTION_SERVER_URL="${ACTION_SERVER_URL:-http://127.0.0.1:$ACTION_PORT/webhook}"
export IEP_TRACKER_DB="${IEP_TRACKER_DB:-$ROOT/var/tracker.db}"
export DATABASE_URL="${DATABASE_URL:-sqlite:///$ROOT/var/cases.db}"
