"""What the assistant says: the conversation's replies, the rights and next steps of a situation, the
advocate judgement and its questions, asking for a person, the triage interface's answer, readability.

May import: bot.knowledge, bot.ops, bot.understanding. Never rasa, rasa_sdk, sanic, bot.channels or bot.serving.
"""
