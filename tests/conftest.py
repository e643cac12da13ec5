from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path

import pytest

# Sanic's import sets every DeprecationWarning to "once" for the whole process (sanic/app.py), which beats
# pyproject's by-module filters and prints pages of third-party deprecations: import it here, inside
# catch_warnings, so its filter goes when the block ends and ours stay in charge.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import sanic  # noqa: F401

# Tests never touch the developer's case database: the actions read these when first imported.
_SCRATCH = Path(tempfile.mkdtemp(prefix="iep-tests-"))
os.environ["DATABASE_URL"] = f"sqlite:///{_SCRATCH / 'cases.db'}"
os.environ["IEP_SECRET_FILE"] = str(_SCRATCH / "id.secret")
os.environ.pop("IEP_ID_SECRET", None)

from bot.knowledge import Knowledge, load_knowledge

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="module")
def twilio():
    """A fake Twilio API on loopback, one per test module (tests/fake_twilio.py)."""
    from tests.fake_twilio import FakeTwilio

    return FakeTwilio().start()


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return load_knowledge()


@pytest.fixture(scope="session")
def nlu():
    """The trained Rasa model (make test trains it first): the conversation's own NLU path."""
    from bot.serving.rasa_model import RasaNLU, model_path

    parser = RasaNLU(model_path(str(ROOT / "models" / "current.tar.gz")))
    yield parser
    parser.close()
