"""`iep-navigator letter`: volunteers and tests draft any letter from a JSON file of details.

Each detail is read exactly as the chat reads an answer, so "next tuesday" works here too, and a bad
value is reported by name. Exit code 2 for anything the user can fix. `--language es` reads the details as a
Spanish-speaking parent's answers ("el próximo jueves", "omitir") and makes what that parent gets in the chat:
the English letter the school gets, then the Spanish copy (bot/letters/bilingual.py), in every format.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from bot.knowledge import Knowledge, load_knowledge
from bot.letters.bilingual import draft
from bot.letters.details import read_answer
from bot.letters.drafting import LetterError, LetterWriter, missing_details
from bot.letters.files import LetterFiles
from bot.letters.flow import LetterFlow
from bot.ops.settings import Settings, SettingsError

USAGE_ERROR = 2


class DetailsError(ValueError):
    """The details file cannot be used; the message says why."""


def run_letter(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    knowledge = load_knowledge()
    if args.list:
        print(_listing(knowledge))
        return 0
    if args.fields:
        if args.fields not in knowledge.letters:
            return _fail(f"unknown letter '{args.fields}'. Letters: {', '.join(knowledge.letters)}")
        print(_fields(args.fields, knowledge))
        return 0
    if not args.type or not args.details:
        parser.error("give a letter TYPE and --details FILE (or --list, or --fields TYPE)")
    if args.type not in knowledge.letters:
        return _fail(f"unknown letter '{args.type}'. Letters: {', '.join(knowledge.letters)}")
    if args.format in ("docx", "pdf") and not args.out:
        return _fail(f"--format {args.format} needs --out PATH")
    try:
        today = date.fromisoformat(args.date) if args.date else date.today()
        school_days = args.school_days if args.school_days is not None else Settings.from_env().response_school_days
        if not 1 <= school_days <= 60:
            raise SettingsError("--school-days must be from 1 to 60")
        language = getattr(args, "language", None) or "en"
        flow = LetterFlow(knowledge)
        # Read as the chat reads this parent's answers; what the chat knows from the language, it knows here too.
        details = {**flow.language_details(args.type, language),
                   **read_details(args.type, _load_json(args.details), knowledge, today, language)}
        request = flow.request(args.type, details, language, today, school_days)
        missing = missing_details(args.type, request.details, knowledge)
        if missing:
            return _fail(f"{args.type} needs these details: {', '.join(missing)} (see --fields {args.type})")
        # The English letter; for a Spanish-speaking parent, their Spanish copy after it (one text, one file).
        letters = draft(LetterWriter(knowledge), request)
        body = LetterFiles().render(letters, args.format, request.details.get("parent_name", ""))
    except (DetailsError, LetterError, SettingsError, ValueError, OSError) as err:
        return _fail(str(err))
    if args.out and args.out != "-":
        Path(args.out).write_bytes(body)
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
    return 0


def read_details(letter: str, raw: object, knowledge: Knowledge, today: date, language: str = "en") -> dict[str, str]:
    if not isinstance(raw, dict):
        raise DetailsError('the details file must hold one JSON object, like {"parent_name": "Ana Ruiz"}')
    unknown = sorted(k for k in raw if k not in knowledge.fields)
    if unknown:
        raise DetailsError(f"unknown detail(s): {', '.join(unknown)} (see --fields {letter})")
    reason = raw.get("meeting_reason") if letter == "meeting_request" else None
    usable = set(LetterFlow(knowledge).fields(letter, {"meeting_reason": reason}))
    unused = sorted(k for k in raw if k not in usable)
    if unused:  # saying so beats a letter that quietly leaves out what the volunteer typed
        raise DetailsError(f"{letter} does not use: {', '.join(unused)} (see --fields {letter})")
    details: dict[str, str] = {}
    for key, value in raw.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if not isinstance(value, (str, int, float, bool)):
            raise DetailsError(f"{key}: expected text, got {type(value).__name__}")
        text = ("yes" if value else "no") if isinstance(value, bool) else str(value)
        answer = read_answer(knowledge.fields[key], text, knowledge, language, today)
        if answer.value is None:
            raise DetailsError(f"{key}: could not use '{text[:60]}': {knowledge.fields[key].help.get('en')}")
        details[key] = answer.value
    return details


def _load_json(path: str) -> object:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise DetailsError(f"{path} is not valid JSON: {err}") from err


def _listing(knowledge: Knowledge) -> str:
    lines = ["Letters:"]
    lines += [f"  {key:<28} {letter.description.get('en')}" for key, letter in knowledge.letters.items()]
    lines += ["", "Meeting reasons (meeting_reason for meeting_request):"]
    lines += [f"  {key:<28} {reason.label.get('en')}" for key, reason in knowledge.reasons.items()]
    return "\n".join(lines)


def _fields(letter: str, knowledge: Knowledge) -> str:
    lines = [f"{letter}: {knowledge.letters[letter].description.get('en')}"]
    flow = LetterFlow(knowledge)
    reasons = knowledge.reasons if letter == "meeting_request" else {}
    for field in flow.fields(letter, {}):
        spec = knowledge.fields[field]
        lines.append(f"  {field:<22} {'optional' if spec.optional else 'required':<9} {spec.help.get('en')}")
    for reason in reasons.values():
        if reason.fields:
            extra = ", ".join(f"{f}{'' if knowledge.fields[f].optional else ' (required)'}" for f in reason.fields)
            lines.append(f"  with meeting_reason={reason.id}: {extra}")
    return "\n".join(lines)


def _fail(message: str) -> int:
    print(f"iep-navigator letter: {message}", file=sys.stderr)
    return USAGE_ERROR
