"""IEP Navigator: the plain-Python core (knowledge, triage, advocate rubric, replies) and its Rasa-facing parts."""
