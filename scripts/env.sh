# Shared settings for the make targets: where the cached venv and models live, keyed by content.
# Sourced, not run. Everything here is derived from the checkout, so CI and a developer agree.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IEP_CACHE="${IEP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/iep-navigator}"

hash_files() {  # sha256 over the names and contents of the given files, in a stable order
  (cd "$ROOT" && for f in $(printf '%s\n' "$@" | LC_ALL=C sort); do printf '%s\n' "$f"; cat "$f"; done) \
    | sha256sum | cut -c1-16
}

venv_key() { hash_files requirements.lock; }  # the lock pins the whole tree

# Everything that changes what `rasa train` produces: pipeline, domain, training data, the code that
# trains the intent model, and the resolved packages. (Triage and term patterns load at run time.)
training_inputs() {
  (cd "$ROOT" && {
    echo config.yml; echo requirements.lock
    find domain data -path data/scenarios -prune -o -type f -name '*.yml' -print  # scenarios are not training data
    echo bot/serving/nlu_components.py; echo bot/understanding/classifier.py
    echo bot/understanding/glosses.py; echo bot/understanding/data/glosses.yml  # glosses are trained in
    echo bot/understanding/language.py  # when a message is glossed
  })
}
model_key() { hash_files $(training_inputs); }

VENV="$IEP_CACHE/venv-$(venv_key)"
MODEL="$IEP_CACHE/models/model-$(model_key).tar.gz"
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3 SQLALCHEMY_SILENCE_UBER_WARNING=1 \
       TF_ENABLE_ONEDNN_OPTS=0 PYTHONHASHSEED=0 TQDM_DISABLE=1  # TQDM_DISABLE: no progress bars in make output
