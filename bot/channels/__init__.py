"""How parents and volunteers reach the assistant: the web widget's API and the SMS webhook (our Rasa
input channels), conversation tokens, transcripts, SMS texts and dialog, Twilio, the SMS outbox, the
reminder worker, and the demo site with the widget.

May import: rasa, sanic and every package of ours. Nothing of ours imports it (Rasa loads it by name).
"""
