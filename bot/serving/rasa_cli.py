"""Rasa's command line (train, data validate, test) with a quiet build: the warnings we have read and
keep on purpose are filtered, each exactly and with the reason beside it, and third-party deprecations
are left out by module, so a warning that is still printed is one to read."""
from __future__ import annotations

import logging
import sys
import warnings

# (category, start of the message as a regular expression, why we keep it)
DELIBERATE: tuple[tuple[type[Warning], str], ...] = (
    # Intents that only our code or our buttons set: a crisis found by bot/understanding/safety.py, unreadable
    # input, the reminder worker's external event, and button payloads. They have no examples on purpose.
    (UserWarning, r"The intent '(crisis|bad_input|EXTERNAL_reminder|confirm_delete|choose_situation|change_field"
                  r"|carry_on)' is listed in the domain file, but is not found in the NLU training data"),
    # FAQ answers come from bot/knowledge/faq.yml through action_answer_faq, not from Rasa responses: our
    # intent model learns the retrieval intents at full depth itself (bot/understanding/classifier.py), so
    # Rasa's response selector, its utter_ actions and their responses are not used.
    (UserWarning, r"Action 'utter_(general_info|advocate_question)' is listed as a response action"),
    (UserWarning, r"(?s)Your training data contains an example .* for the '(general_info|advocate_question)/\w+' intent"),
    (UserWarning, r"You have defined training data with examples for training a response selector"),
    # Rasa 3.6 says this whenever it validates a domain's slots, whatever the domain holds.
    (UserWarning, r"Slot auto-fill has been removed in 3.0"),
    # `rasa test core` plots an empty entity confusion matrix: our story tests check actions, not entities.
    (UserWarning, r"Attempting to set identical (left == right|bottom == top)"),
)
# Logged, not warned: the same empty entity evaluation.
QUIET_LOGS = {"rasa.model_testing": "No labels to evaluate"}


def quiet() -> None:
    for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
        warnings.filterwarnings("ignore", category=category, module=r"(?!bot\.|actions\.)")
    for category, message in DELIBERATE:
        warnings.filterwarnings("ignore", message=message, category=category)


class _Without(logging.Filter):
    def __init__(self, words: str) -> None:
        super().__init__()
        self.words = words

    def filter(self, record: logging.LogRecord) -> bool:
        return self.words not in record.getMessage()


def main() -> None:
    quiet()
    for name, words in QUIET_LOGS.items():
        logging.getLogger(name).addFilter(_Without(words))
    with warnings.catch_warnings():  # Sanic turns every DeprecationWarning to "once" when imported
        import sanic  # noqa: F401
    import rasa.utils.common
    from rasa.__main__ import main as rasa_main

    rasa_filters = rasa.utils.common._filter_warnings

    def rasa_then_ours(*args: object, **kwargs: object) -> None:
        rasa_filters(*args, **kwargs)  # Rasa puts "once" for every UserWarning first: ours go in front again
        quiet()

    rasa.utils.common._filter_warnings = rasa_then_ours
    sys.argv = ["rasa", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
