"""Our own database: its tables and migrations (Alembic), sealing with the data keys and each conversation's
own key (destroyed with the conversation), re-sealing on rotation, the cache of opened events, and the SMS
contacts table. Rasa's tracker and lock stores, which are Rasa plugins, live in bot.serving.

May import: bot.ops. Never rasa, rasa_sdk, sanic, or any capability package.
"""
