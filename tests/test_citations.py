"""Every citation the assistant shows is one the fact sheet lists for that right (../shared/idea-facts.md).

- A right in rights.yml cites only what its key's core-citation cell in the fact sheet's key table lists, down to
  the paragraph ("300.323(e)" is covered by a cell "300.323(e)-(f)" or "300.323", not by "300.323(c)").
  WIDENED lists the only exceptions, each asked for by a legal review finding and stated in the key's fact-sheet
  sections. Every regulation a right cites also appears in one of its key's sections.
- FAQ answers, glossary terms, situations, letters, meeting reasons and training scenario keys name only rights keys
  that exist in rights.yml and in the key table.
- Letter templates write no citation by hand: they call cite("<right>"), for a right their letter (or meeting
  reason) lists in letters.yml. Every "(34 CFR ...)" in the golden letters is the citation of such a right.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.knowledge import load_knowledge

ROOT = Path(__file__).resolve().parents[1]
FACTS = Path(__file__).resolve().parents[2] / "shared" / "idea-facts.md"
TEMPLATES = ROOT / "templates" / "letters" / "en"
GOLDEN = ROOT / "tests" / "golden" / "letters"
SCENARIOS = ROOT / "data" / "scenarios"

# Citations wider than the key-table cell: key -> {reference: (fact-sheet section that states it, why)}.
WIDENED = {
    "transfer_students": {
        "300.323(a)": ("13", "legal review findings 5 and 28: an IEP in effect when the school year starts, the "
                             "rule for a move between school years"),
    },
}

# Regulations a key's own section does not state, though its key-table cell lists them: key -> {regulation: section}.
ALSO_STATED = {
    "iep_binding": {"300.17": "1"},  # FAPE is given under an IEP (300.17(d)): section 1, while the key points to 13
}

_REF = re.compile(
    r"(?P<sec>\d{3}\.\d+)(?P<path>(?:\([a-z0-9]+\))*)"
    r"(?:\s*[-\u2013]\s*(?:(?P<sec2>\d{3}\.\d+)\b|(?P<path2>\([a-z0-9]+\))))?"
    r"|(?<=, )(?P<cpath>(?:\([a-z0-9]+\))+)(?:\s*[-\u2013]\s*(?P<cpath2>\([a-z0-9]+\)))?")
_PART = re.compile(r"\(([a-z0-9]+)\)")


def _span(low: str, high: str) -> list[str]:
    """'c'..'f' or '1'..'7': the paragraphs a range like (c)-(f) names."""
    if low.isdigit() and high.isdigit():
        return [str(n) for n in range(int(low), int(high) + 1)]
    if len(low) == len(high) == 1 and low <= high:
        return [chr(c) for c in range(ord(low), ord(high) + 1)]
    return [low, high]


def references(text: str) -> set[tuple[str, tuple[str, ...]]]:
    """Each regulation a citation names, as (section, paragraph path): "34 CFR 300.530(d), (f)" gives
    ("300.530", ("d",)) and ("300.530", ("f",)); "300.151-300.153" gives three sections."""
    found: set[tuple[str, tuple[str, ...]]] = set()
    section = None
    for m in _REF.finditer(text):
        if m.group("sec"):
            section = m.group("sec")
            path = tuple(_PART.findall(m.group("path")))
            if m.group("sec2"):
                part, first, last = section.split(".")[0], int(section.split(".")[1]), int(m.group("sec2").split(".")[1])
                found |= {(f"{part}.{n}", ()) for n in range(first, last + 1)}
            elif m.group("path2") and path:
                found |= {(section, path[:-1] + (p,)) for p in _span(path[-1], _PART.findall(m.group("path2"))[0])}
            else:
                found.add((section, path))
        elif section:  # ", (f)" or ", (e)-(f)" after a section: more paragraphs of it
            path = tuple(_PART.findall(m.group("cpath")))
            if m.group("cpath2"):
                found |= {(section, path[:-1] + (p,)) for p in _span(path[-1], _PART.findall(m.group("cpath2"))[0])}
            else:
                found.add((section, path))
    return found


def covered(ref: tuple[str, tuple[str, ...]], cell: set[tuple[str, tuple[str, ...]]]) -> bool:
    return any(ref[0] == sec and ref[1][:len(path)] == path for sec, path in cell)


def _key_table_sections(section: str) -> list[str]:
    """"18-20" -> ["18", "19", "20"]; "3, 6" -> ["3", "6"]."""
    numbers: list[str] = []
    for part in section.split(","):
        low, _, high = part.strip().partition("-")
        numbers += [str(n) for n in range(int(low), int(high or low) + 1)]
    return numbers


def _key_table() -> dict[str, tuple[list[str], str]]:
    return {key: (_key_table_sections(sections), cell) for key, sections, cell in
            re.findall(r"^\| (\w+) \| ([\d, -]+) \| (.+?) \|$", FACTS.read_text(), re.M)}


def _sections() -> dict[str, str]:
    text = FACTS.read_text()
    return {m.group(1): m.group(2) for m in re.finditer(r"^## (\d+)\. (.*?)(?=^## |\Z)", text, re.M | re.S)}


KEY_TABLE = _key_table()
SECTIONS = _sections()
KNOWLEDGE = load_knowledge()


def test_the_fact_sheet_parses():
    assert len(KEY_TABLE) >= 37 and {"fape", "transfer_students", "language_access"} <= set(KEY_TABLE)
    assert set(SECTIONS) >= {str(n) for n in range(1, 26)}
    assert references("34 CFR 300.323(e)-(f)") == {("300.323", ("e",)), ("300.323", ("f",))}
    assert references("34 CFR 300.530(d), (f)") == {("300.530", ("d",)), ("300.530", ("f",))}
    assert references("34 CFR 300.151-300.153, 300.506") == {("300.151", ()), ("300.152", ()), ("300.153", ()),
                                                             ("300.506", ())}
    assert references("34 CFR 300.324(b)(1)(ii), 300.503(a)(2)") == {("300.324", ("b", "1", "ii")),
                                                                     ("300.503", ("a", "2"))}
    assert covered(("300.323", ("e", "1")), references("34 CFR 300.323(e)-(f)"))
    assert not covered(("300.323", ("c",)), references("34 CFR 300.323(e)-(f)"))


@pytest.mark.parametrize("key", sorted(KNOWLEDGE.rights))
def test_a_right_cites_only_its_key_table_cell(key):
    assert key in KEY_TABLE, f"{key} is not in the fact sheet's key table"
    sections, cell = KEY_TABLE[key]
    right = KNOWLEDGE.rights[key]
    assert _key_table_sections(right.section) == sections, f"{key}: section {right.section} is not {sections}"
    allowed = references(cell)
    widened = WIDENED.get(key, {})
    cited = references(right.citation)
    assert cited, f"{key}: no regulation in '{right.citation}'"
    for ref in cited:
        name = ref[0] + "".join(f"({p})" for p in ref[1])
        if covered(ref, allowed):
            continue
        assert name in widened, f"{key}: {name} is not in its key-table cell '{cell}' (add it to WIDENED with a reason)"
        where, _ = widened[name]
        assert covered(ref, references(SECTIONS[where])), f"{key}: section {where} does not state {name}"
    for memo in re.findall(r"OSEP Memo [\d-]+", right.citation):
        assert memo in cell, f"{key}: {memo} is not in '{cell}'"
    # Every regulation the citation writes (a range by its ends) is stated in one of the key's sections, in the
    # section of a widening, or where ALSO_STATED says.
    texts = [SECTIONS[s] for s in sections + [w for w, _ in widened.values()] + list(ALSO_STATED.get(key, {}).values())]
    for number in re.findall(r"\d{3}\.\d+", right.citation):
        assert any(number in text for text in texts), f"{key}: {number} appears in none of sections {sections}"


def test_every_widened_citation_is_still_used():
    for key, refs in WIDENED.items():
        for name in refs:
            assert name.split("(")[0] in KNOWLEDGE.rights[key].citation, f"{key}: drop {name} from WIDENED"


def test_every_right_key_named_anywhere_exists():
    rights = set(KNOWLEDGE.rights)
    assert rights <= set(KEY_TABLE)
    named = {}
    for key, entry in KNOWLEDGE.faq.items():
        named[f"faq {key}"] = set(entry.rights)
    for key, term in KNOWLEDGE.glossary.items():
        named[f"glossary {key}"] = {term.right} if term.right else set()
    for key, situation in KNOWLEDGE.situations.items():
        named[f"situation {key}"] = set(situation.rights)
    for key, item in KNOWLEDGE.letters.items():
        named[f"letter {key}"] = set(item.basis)
    for key, reason in KNOWLEDGE.reasons.items():
        named[f"meeting reason {key}"] = set(reason.basis)
    for path in sorted(SCENARIOS.glob("*.yml")):
        key = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("key") or {}
        named[f"scenario {path.stem}"] = set(key.get("rights") or [])
    unknown = {where: sorted(keys - rights) for where, keys in named.items() if keys - rights}
    assert not unknown, unknown


def _template_rights(path: Path) -> set[str]:
    """What a template may cite: its letter's basis, or for a meeting reason, the reason's and the letter's."""
    if path.parent.name == "reasons":
        return set(KNOWLEDGE.reasons[path.name.removesuffix(".txt.j2")].basis) | \
            set(KNOWLEDGE.letters["meeting_request"].basis)
    name = path.name.removesuffix(".txt.j2")
    return set(KNOWLEDGE.letters[name].basis) if name in KNOWLEDGE.letters else set()


@pytest.mark.parametrize("path", sorted(TEMPLATES.rglob("*.txt.j2")), ids=lambda p: p.name)
def test_a_letter_template_cites_only_through_its_letters_rights(path):
    text = path.read_text(encoding="utf-8")
    body = re.sub(r"\{#.*?#\}", "", text, flags=re.S)  # comments may explain a rule; letters may not state one
    assert not re.search(r"CFR|\b\d{3}\.\d+\b|OSEP", body), f"{path.name} writes a citation by hand"
    cited = set(re.findall(r"cite\(\"(\w+)\"\)", body))
    assert cited <= _template_rights(path), f"{path.name} cites {sorted(cited - _template_rights(path))}"
    for key in cited:  # each cited right's sections state the regulations it cites
        sections, _ = KEY_TABLE[key]
        for ref in references(KNOWLEDGE.rights[key].citation):
            assert any(ref[0] in SECTIONS[s] for s in sections), f"{path.name}: {key} cites {ref[0]}"


def test_every_citation_in_a_golden_letter_belongs_to_its_letter():
    letters = sorted(GOLDEN.glob("*.txt"))
    assert letters
    for path in letters:
        parts = path.stem.split("-")
        letter = parts[0]
        allowed = set(KNOWLEDGE.letters[letter].basis)
        if letter == "meeting_request":
            allowed |= set(KNOWLEDGE.reasons[parts[1]].basis)
        citations = {KNOWLEDGE.rights[key].citation for key in allowed}
        for found in re.findall(r"\((34 CFR (?:[^()]|\([^()]*\))*)\)", path.read_text(encoding="utf-8")):
            assert found in citations, f"{path.name}: ({found}) is not the citation of a right of this letter"
