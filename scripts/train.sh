#!/usr/bin/env bash
# Trains the model unless one for exactly these training inputs is cached; links it as models/current.tar.gz.
source "$(dirname "$0")/env.sh"
mkdir -p "$IEP_CACHE/models" "$ROOT/models"
if [ "${1:-}" = "--force" ] || [ ! -f "$MODEL" ]; then
  echo "Training the model (training data changed or no model yet)..."
  start=$(date +%s)
  tmp="$IEP_CACHE/models/.training-$$"
  # Rasa's own cache of trained components keys on their config and data, not their code: a change to how the
  # intent model trains would reuse the old one. Our model cache above keys on that code too, so Rasa's is off.
  (cd "$ROOT" && RASA_MAX_CACHE_SIZE=0 "$VENV/bin/python" -m bot.serving.rasa_cli train --quiet --config config.yml --domain domain --data data \
      --out "$tmp" --fixed-model-name model)
  mv "$tmp/model.tar.gz" "$MODEL"; rm -rf "$tmp"
  echo "Trained in $(( $(date +%s) - start )) s: $MODEL"
else
  echo "Model is up to date: $MODEL"
fi
ln -sfn "$MODEL" "$ROOT/models/current.tar.gz"
