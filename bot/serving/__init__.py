"""The Rasa-facing process code: the Rasa and action servers, our NLU components, the speed-ups, the API's
auth, the action-outage answer, whole turns, Rasa's tracker and lock stores, and the reports that run
the trained model.

May import: rasa, rasa_sdk, sanic and every package of ours except bot.channels.
"""
