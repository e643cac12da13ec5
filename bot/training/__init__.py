"""Volunteer training: the scenario library, practice and its scoring, walkthroughs, the training store,
the training pages and the training CLI. The trained model is handed in by the process that serves them.

May import: bot.knowledge, bot.ops, bot.storage, bot.understanding, bot.guidance, bot.letters, bot.cases.
Never rasa, rasa_sdk, sanic, bot.channels or bot.serving.
"""
