"""Reading a parent's message: input checks, crisis words, IEP terms, the intent model and the triage
of a story into situations, and scoring triage against labelled messages.

May import: bot.knowledge. Never rasa, rasa_sdk, sanic, bot.channels or bot.serving.
"""
