"""Crisis routing from day one: danger gets crisis information first; figures of speech do not."""
from __future__ import annotations

import pytest

from bot.safety import CrisisDetector

DETECTOR = CrisisDetector.from_file()

CRISIS = [
    "my son said he wants to kill himself",
    "I think my daughter is suicidal",
    "she has been cutting herself since the bullying started",
    "he talks about wanting to die",
    "im so done i want to end my life",
    "my husband hits me and my son",
    "my kid is not safe at home",
    "her stepdad beats her",
    "he told the counselor he was being abused",
    "my child is sucidal what do i do",
    "self harm started again",
    "mi hijo dice que quiere morir",
    "my son took an overdose last night",
    "he says everyone would be better off without me",
    "I don't want to live anymore",
]

ORDINARY = [
    "this IEP is killing me",
    "the behavior plan is abusive to his schedule",
    "the paperwork is killing me honestly",
    "they cut his speech minutes",
    "he hits his head when he is frustrated in class",
    "my son got hurt at recess and the aide wasn't there",
    "the school keeps saying they're monitoring his reading",
    "I'm dying to know when the meeting is",
    "the suspension was three days",
    "we need a behavior intervention plan",
]


@pytest.mark.parametrize("text", CRISIS)
def test_danger_is_recognised(text):
    assert DETECTOR.is_crisis(text)


@pytest.mark.parametrize("text", ORDINARY)
def test_figures_of_speech_and_school_trouble_are_not_a_crisis(text):
    assert not DETECTOR.is_crisis(text)
