"""The assistant's knowledge, kept once as data: situations, rights with citations, letters,
the advocate rubric, glossary, FAQ answers and every sentence a parent sees, keyed by language;
with its typed readers, the calendar (dates) and the states.

May import: the standard library and third-party packages only; nothing else of ours.
"""
from bot.knowledge.loader import KnowledgeError, load_knowledge
from bot.knowledge.model import (
    AdvocateSign,
    FaqEntry,
    GlossaryTerm,
    Knowledge,
    Letter,
    Right,
    Situation,
    Texts,
)

__all__ = [
    "AdvocateSign", "FaqEntry", "GlossaryTerm", "Knowledge", "KnowledgeError", "Letter",
    "Right", "Situation", "Texts", "load_knowledge",
]
