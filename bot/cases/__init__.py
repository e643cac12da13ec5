"""The remembered case: letters sent and their deadlines, reminders, retention, and the case CLI.

May import: bot.knowledge, bot.ops, bot.storage, bot.understanding, bot.guidance, bot.letters.
Never rasa, rasa_sdk, sanic, bot.channels or bot.serving.
"""
