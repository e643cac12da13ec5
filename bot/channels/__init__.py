"""Our Rasa input channels: the web widget's API and the SMS webhook. They call the plain-Python core."""
