"""Written requests: drafting from Jinja2 templates, the details read from a story, the letter form's
questions, the DOCX and PDF files, the letter store, the download-link server and the letter CLI.

May import: bot.knowledge, bot.ops, bot.storage, bot.understanding, bot.guidance.
Never rasa, rasa_sdk, sanic, bot.channels or bot.serving.
"""
