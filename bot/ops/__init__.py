"""Running the assistant: settings and secrets from the environment, the deployment's checks of its
stores, rate limits, and the log policy that keeps a parent's words out of logs.

May import: the standard library and third-party packages only; nothing else of ours.
"""
