"""Reading a parent's message: input checks, its language (English or Spanish, and the words that switch
it), crisis words, IEP terms, the intent model (with its Spanish glosses) and the triage of a story into
situations, and scoring triage against labelled messages.

May import: bot.knowledge. Never rasa, rasa_sdk, sanic, bot.channels or bot.serving.
"""
