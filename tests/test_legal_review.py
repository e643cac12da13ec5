"""The legal review of December 2026 (../shared/legal-review.md), held against ../shared/idea-facts.md.

One test per finding fixed in the knowledge files, letter templates and training scenarios. Each test fails on the
old wording (it is quoted from the review) and checks that the corrected condition is there. The deadline and code
findings (1, 2, 19, 20, 33, 36) are tested with the deadline code.
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import yaml

from bot.letters import drafting, flow

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "data" / "scenarios"
TEMPLATES = ROOT / "templates" / "letters" / "en"
TODAY = date(2026, 11, 24)


def flat(text: str) -> str:
    return " ".join(text.split())


def scenario(name: str) -> dict:
    return yaml.safe_load((SCENARIOS / f"{name}.yml").read_text(encoding="utf-8"))


def why(name: str) -> str:
    return flat(scenario(name)["key"]["why"])


def all_scenarios() -> dict[str, dict]:
    return {path.stem: yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted(SCENARIOS.glob("*.yml"))}


def right(knowledge, key: str) -> str:
    return flat(knowledge.rights[key].text.get())


def letter(knowledge, letter_id: str, **details: str) -> str:
    base = {"parent_name": "Maria Lopez", "child_name": "Sam Lopez", "school": "Lincoln Elementary"}
    request = flow.LetterFlow(knowledge).request(letter_id, {**base, **details}, "en", TODAY, 10)
    return drafting.LetterWriter(knowledge).render(request).text


# --- Finding 3 and 4: the 60 days run from the school's receipt of consent, not from the request -----------------

def test_3_a_written_request_does_not_start_the_evaluation_clock():
    text = why("eval_request_intervention_first_formal")
    assert "starts the clock" not in text
    assert "clock starts when the school gets his signed consent, not when he asks" in text


def test_4_a_short_request_does_not_start_the_timeline():
    text = why("eval_request_letters_unsure")
    assert "starts the timeline" not in text
    assert "Once the school gets her signed consent" in text
    for name, data in all_scenarios().items():  # and no other training key says so either
        words = flat(data["key"]["why"]).lower()
        assert not re.search(r"starts the (clock|timeline)", words) or "consent" in words, name
        assert "request starts" not in words, name


# --- Finding 5: a summer move is not a transfer "within the same school year" ------------------------------------

def test_5_a_summer_move_needs_an_iep_in_place_when_school_starts(knowledge):
    data = scenario("transition_moving_states_unsure")
    text = flat(data["key"]["why"])
    assert "the new school must give services like the ones in the old IEP" not in text
    assert "must have an IEP in place for each child who qualifies when the school year starts" in text
    assert "for moves during the school year" in text and "may first do its own evaluation" in text
    assert "transfer_students" in data["key"]["rights"]
    transfer = knowledge.rights["transfer_students"]
    assert "300.323(a)" in transfer.citation and "when the school year starts" in right(knowledge, "transfer_students")


# --- Finding 6: placement is the kind of setting, not the room or building ----------------------------------------

def test_6_placement_is_the_kind_of_setting_not_the_location(knowledge):
    text = right(knowledge, "placement_parent_participation")
    assert "any group that decides where your child learns, such as the class" not in text
    assert "Placement means the kind of setting" in text and "exact room or building" in text
    reason = knowledge.signs["placement_without_parent"].reason.get()
    assert "decided on a move without you" not in reason and "kind of class or program" in reason
    assert "Change of classroom" not in knowledge.situations["placement_change"].title.get()
    assert "change in the kind of setting" in why("placement_moved_without_meeting_upset")


# --- Finding 7: the two years run from when the parent knew or should have known ---------------------------------

def test_7_the_due_process_limit_counts_from_should_have_known(knowledge):
    text = right(knowledge, "dispute_options")
    assert "within two years of when you knew about the problem" not in text
    assert "within two years of when you knew or should have known about the problem" in text
    assert "Your state may set a different time limit" in text


# --- Finding 8: revise "as appropriate", not "must change" whenever a parent shares information ------------------

def test_8_the_team_revises_the_iep_as_needed(knowledge):
    assert "It must also change the IEP when" not in right(knowledge, "iep_review_revision")
    assert "revise the IEP as needed" in right(knowledge, "iep_review_revision")
    assert "The team must change the IEP" not in right(knowledge, "meeting_any_time")
    parent_data = (TEMPLATES / "reasons" / "parent_data.txt.j2").read_text()
    assert "when a parent shares new information that matters" not in parent_data
    assert "revise the IEP as appropriate to address information that a parent shares" in parent_data


# --- Finding 9: the RTI point is federal guidance about RTI, and FAQ and glossary say so ---------------------------

def test_9_faq_and_glossary_say_the_rti_point_comes_from_guidance(knowledge):
    faq = flat(knowledge.faq["general_info/mtss_rti"].text.get())
    term = flat(knowledge.glossary["mtss_rti"].text.get())
    assert "the school may not use MTSS or RTI to delay or deny testing" not in faq
    assert "the school cannot use it to delay or deny testing" not in term
    for text in (faq, term, right(knowledge, "rti_no_delay")):
        assert "Federal guidance about RTI" in text or "federal guidance about RTI" in text, text


# --- Finding 10: training keys teach the RTI point only as guidance, and list the right they lean on -------------

def test_10_training_keys_teach_the_rti_point_as_guidance():
    old = {"eval_request_intervention_first_formal": "an intervention group cannot be used to delay it",
           "general_tier2_vs_iep_unsure": "the school cannot make her wait for Tier 2 to end",
           "eval_denied_rti_limited_english": "A reading group cannot be used to delay testing"}
    for name, words in old.items():
        assert words not in why(name), name
    rti = scenario("eval_denied_rti_limited_english")["key"]
    assert "Federal guidance about RTI" in flat(rti["why"]) and "rti_no_delay" in rti["rights"]
    for name, data in all_scenarios().items():
        text = flat(data["key"]["why"])
        if re.search(r"\b(delay|wait for)\b", text) and re.search(r"\b(RTI|MTSS|Tier|group)\b", text):
            assert "guidance" in text and "rti_no_delay" in data["key"]["rights"], name


# --- Finding 11: an outside evaluation is considered if it meets the school's criteria ----------------------------

def test_11_outside_evaluations_are_considered_if_they_meet_the_schools_standards(knowledge):
    for name in ("outside_neuropsych_formal", "outside_ot_report_spanglish", "eligibility_dyslexia_private_eval_unsure",
                 "thin_speech_private_slp_upset", "eval_disagree_private_neuropsych_formal"):
        text = why(name)
        assert "standards" in text, name
        assert "iee_consideration" in scenario(name)["key"]["rights"], name
    assert "The team must look at the private report" not in why("thin_speech_private_slp_upset")
    assert "meets the school's standards" in knowledge.fields["evaluator"].why.get()
    for name, data in all_scenarios().items():  # every key that says "must consider" a report keeps the condition
        text = flat(data["key"]["why"])
        if re.search(r"must (consider|look at)", text) and re.search(r"report|evaluation", text):
            assert "standards" in text, name


# --- Finding 12: Prior Written Notice is for identification, evaluation, placement or services, not a meeting -----

def test_12_a_refused_meeting_gets_a_request_for_reasons_without_300_503(knowledge):
    refused = letter(knowledge, "pwn_request",
                     decision="The principal said there is no need to meet until the annual review in May.")
    assert "300.503" not in refused and "Prior Written Notice of this decision" not in refused
    assert "tell me in writing why it will not hold the IEP meeting I asked for" in refused
    testing = letter(knowledge, "pwn_request", decision="The team said no to testing Sam for dyslexia.")
    assert "I am asking for Prior Written Notice of this decision (34 CFR 300.503)." in testing
    assert "IEP meeting I asked for" not in testing
    unclear = letter(knowledge, "pwn_request", decision="They said he is doing fine.")
    assert ("If the school is proposing or refusing to start or change Sam's evaluation, eligibility, placement or "
            "services, I am asking for Prior Written Notice of this decision (34 CFR 300.503).") in unclear
    assert "If the decision is not to hold an IEP meeting I asked for" in unclear


# --- Finding 13: an informal call is not a meeting; a scheduled conference call can be ----------------------------

def test_13_only_an_informal_phone_call_is_not_a_meeting(knowledge):
    text = right(knowledge, "formal_meeting_vs_checkin")
    assert "a phone call or a talk in the hall" not in text and "an informal phone call" in text
    assert not why("informal_phone_checkins_formal").startswith("A phone call")
    assert "An informal phone call" in why("informal_phone_checkins_formal")


# --- Finding 14: the citation after "in writing" supports the sentence it follows ---------------------------------

def test_14_meeting_in_writing_ends_on_the_sentence_its_citation_supports(knowledge):
    text = right(knowledge, "meeting_in_writing")
    assert knowledge.rights["meeting_in_writing"].citation == "34 CFR 300.503"
    assert text.endswith("it must tell you why in writing.") and "says no to a change you ask for" in text


# --- Finding 16: the evaluation steps cite the written refusal and the 30-day meeting ----------------------------

def test_16_evaluation_steps_cite_what_they_state(knowledge):
    entry = knowledge.faq["general_info/evaluation_steps"]
    assert {"prior_written_notice", "iep_implementation"} <= set(entry.rights)


# --- Finding 17: make-up services are not claimed from 300.151(b) in a letter to the team -------------------------

def test_17_the_missed_services_letter_does_not_cite_300_151(knowledge):
    template = (TEMPLATES / "reasons" / "services_not_delivered.txt.j2").read_text()
    assert "compensatory_services" not in template
    assert "compensatory_services" not in knowledge.reasons["services_not_delivered"].basis
    text = letter(knowledge, "meeting_request", meeting_reason="services_not_delivered", service="speech, 60 minutes",
                  concern="No speech since October.", availability="mornings")
    assert "300.151" not in text and "make-up services for the time that was missed." in text


# --- Finding 21: the IEP states time away from nondisabled children --------------------------------------------

def test_21_iep_content_is_about_time_away_from_nondisabled_children(knowledge):
    text = right(knowledge, "iep_content")
    assert "apart from other children" not in text and "children without disabilities" in text


# --- Finding 22: a 504 plan can include special education too ---------------------------------------------------

def test_22_a_504_plan_can_include_special_education():
    text = why("general_504_or_iep_unsure")
    assert "A 504 plan gives supports and changes so she can access school" not in text
    assert "regular or special education" in text


# --- Finding 23: no link is assumed before a review, and the duty follows the review ---------------------------

def test_23_suspensions_do_not_by_themselves_mean_the_iep_must_change():
    data = scenario("behavior_third_suspension_texting")
    text = flat(data["key"]["why"])
    assert "needs to change" not in text and "behavior linked to his disability, and no behavior plan" not in text
    assert "must meet within 10 school days to check whether the behavior is linked to his disability" in text
    assert "manifestation_determination" in data["key"]["rights"]


# --- Finding 24: a new program, not a new building, makes the placement change --------------------------------

def test_24_the_program_not_the_building_is_the_placement_change():
    text = why("behavior_restraint_program_upset")
    assert "A move to another building is a change of placement" not in text
    assert "separate behavior program is a change in the kind of setting" in text


# --- Finding 25: the school may not require a reason for an IEE, so the letter does not either ---------------------

def test_25_the_iee_letter_can_be_made_without_a_reason(knowledge):
    assert knowledge.fields["disagreement"].optional
    details = {"parent_name": "Maria Lopez", "child_name": "Sam Lopez", "school": "Lincoln Elementary"}
    assert drafting.missing_details("iee_request", details, knowledge) == []
    text = letter(knowledge, "iee_request")
    assert "independent educational evaluation (IEE) at public expense" in text
    assert "Here is what I disagree with" not in text
    with_reason = letter(knowledge, "iee_request", disagreement="It did not test reading.")
    assert "Here is what I disagree with:\nIt did not test reading." in with_reason


# --- Finding 37: the free copies are cited ----------------------------------------------------------------------

def test_37_free_copies_of_the_iep_and_report_are_cited(knowledge):
    entry = knowledge.faq["general_info/cost"]
    assert {"parent_participation", "eligibility_not_diagnosis"} <= set(entry.rights)  # 300.322(f), 300.306(a)(2)
