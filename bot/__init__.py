"""IEP Navigator. One package per capability; dependencies point one way, down this list:

knowledge < ops < storage < understanding < guidance < letters < cases < training < serving < channels

The core (knowledge, understanding, guidance, letters, cases, training) never imports rasa, rasa_sdk,
sanic, bot.serving or bot.channels; tests/test_architecture.py checks it. `bot.cli` is the console script.
"""
