"""Talk to a person: the helpline comes from the environment, and the referral is never empty."""
from __future__ import annotations

import pytest

from bot.guidance.handoff import PARENT_CENTERS, Helpline, referral_lines, state_name
from bot.ops.settings import Settings, SettingsError

FULL = {"IEP_HELPLINE_NAME": "the Sample Family Center", "IEP_HELPLINE_PHONE": "555-0100",
        "IEP_HELPLINE_EMAIL": "help@example.org", "IEP_HELPLINE_HOURS": "weekdays  9 am to 5 pm\nEastern",
        "IEP_HELPLINE_CALLBACK": "within one business day"}


def test_the_helpline_is_read_from_the_environment():
    helpline = Helpline.from_settings(Settings.from_env({**FULL, "IEP_HELP_CONTACT": "our line"}))
    assert helpline == Helpline("the Sample Family Center", "555-0100", "help@example.org",
                                "weekdays 9 am to 5 pm Eastern", "within one business day", "our line")
    assert Helpline.from_settings(Settings.from_env({})) == Helpline() and not Helpline().reachable


@pytest.mark.parametrize("env,variable", [({"IEP_HELPLINE_EMAIL": "not an address"}, "IEP_HELPLINE_EMAIL"),
                                          ({"IEP_HELPLINE_HOURS": "x" * 201}, "IEP_HELPLINE_HOURS")])
def test_a_bad_helpline_value_stops_start_up_naming_the_variable(env, variable):
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env(env)


@pytest.mark.parametrize("helpline", [Helpline(), Helpline(name="a name only"), Helpline(hours="weekdays"),
                                      Helpline(callback="tomorrow")])
def test_without_a_way_to_reach_anyone_the_parent_center_is_the_referral(knowledge, helpline):
    lines = referral_lines(knowledge, helpline, None, "en")
    assert lines[0] == knowledge.message("handoff_no_helpline")
    assert lines[-1].endswith(PARENT_CENTERS)
    assert not any("weekdays" in line or "tomorrow" in line for line in lines)  # hours of a line nobody can call


def test_state_names_come_from_the_states_we_know():
    assert state_name("ca") == "California" and state_name("PR") == "Puerto Rico"
    assert state_name(None) is None and state_name("ZZ") is None


@pytest.mark.parametrize("text", ["can i talk to a real person", "i need a human", "call me",
                                  "quiero hablar con una persona", "cn i tlk 2 a person"])
def test_asking_for_a_person_is_understood_in_many_voices(nlu, text):
    assert nlu.parse(text)["intent"]["name"] == "human_handoff"


@pytest.mark.parametrize("text", ["are you a bot", "am i talking to a human", "¿eres un robot?"])
def test_asking_whether_this_is_a_person_is_still_a_bot_question(nlu, text):
    assert nlu.parse(text)["intent"]["name"] == "bot_challenge"
