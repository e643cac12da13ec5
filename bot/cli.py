"""The `iep-navigator` command (also `python -m bot`)."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Iterator, Sequence, TextIO


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="iep-navigator", description="IEP Navigator tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    triage = commands.add_parser("triage", help="Which situations a parent's message describes (JSON lines).")
    triage.add_argument("text", nargs="?", help="the message")
    triage.add_argument("--jsonl", metavar="FILE", help='one {"id": ..., "text": ...} per line; "-" reads stdin')
    triage.add_argument("--model", help="trained model (default: $IEP_MODEL or models/current.tar.gz)")
    commands.add_parser("knowledge", help="Load and check the knowledge base.")
    letter = commands.add_parser("letter", help="Draft a letter from a JSON file of details.")
    letter.add_argument("type", nargs="?", help="letter id (see --list)")
    letter.add_argument("--list", action="store_true", help="list the letters and meeting reasons")
    letter.add_argument("--fields", metavar="TYPE", help="the details a letter needs, with one-line help")
    letter.add_argument("--details", metavar="FILE", help='JSON object of details; "-" reads stdin')
    letter.add_argument("--format", default="text", choices=("text", "html", "docx", "pdf"))
    letter.add_argument("--language", default="en", choices=("en", "es"),
                        help="the parent's language: es reads the details as a Spanish-speaking parent's answers and "
                             "adds the Spanish copy after the English letter (default: en)")
    letter.add_argument("--out", metavar="PATH", help="where to write (text and html default to the screen)")
    letter.add_argument("--date", metavar="YYYY-MM-DD", help="the letter's date (default: today)")
    letter.add_argument("--school-days", type=int, default=None, metavar="N",
                        help="ask for a reply within N school days (default: $IEP_RESPONSE_SCHOOL_DAYS or 10)")
    from bot.cases.cli import add_commands
    from bot.ops.cli import add_commands as add_deployment_commands
    from bot.training.cli import add_commands as add_training_commands

    add_commands(commands)
    add_training_commands(commands)
    add_deployment_commands(commands)
    args = parser.parse_args(argv)
    if args.command == "deployment":
        from bot.ops.cli import run as run_deployment

        return run_deployment(args)
    if args.command in ("case", "purge", "case-db"):
        from bot.cases.cli import run

        return run(args)
    if args.command in ("scenarios", "practice", "training"):
        from bot.serving.rasa_model import open_nlu
        from bot.training.cli import run as run_training

        return run_training(args, load_parser=open_nlu)
    if args.command == "knowledge":
        return _check_knowledge()
    if args.command == "letter":
        from bot.letters.cli import run_letter

        return run_letter(args, parser)
    return _triage(args, parser)


def _check_knowledge() -> int:
    from bot.knowledge import KnowledgeError, load_knowledge

    try:
        k = load_knowledge()
    except KnowledgeError as err:
        print(f"Knowledge error: {err}", file=sys.stderr)
        return 1
    print(f"Knowledge OK: {len(k.situations)} situations, {len(k.rights)} rights, {len(k.letters)} letters, "
          f"{len(k.signs)} advocate signs, {len(k.glossary)} glossary terms, {len(k.faq)} FAQ answers.")
    return 0


def _triage(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if bool(args.text) == bool(args.jsonl):
        parser.error("give either a message or --jsonl FILE")
    from bot.guidance.report import report
    from bot.knowledge import load_knowledge
    from bot.serving.rasa_model import RasaNLU, model_path

    try:
        items = list(_items(args))
        nlu = RasaNLU(model_path(args.model))
    except (OSError, ValueError) as err:
        print(f"iep-navigator: {err}", file=sys.stderr)
        return 2
    knowledge = load_knowledge()
    try:
        for (message_id, _), parse in zip(items, nlu.parse_all(text for _, text in items)):  # read in batches
            out = report(message_id, parse, knowledge)
            out.pop("applies")
            print(json.dumps(out, ensure_ascii=False), flush=True)
    finally:
        nlu.close()
    return 0


def _items(args: argparse.Namespace) -> Iterator[tuple[object, str]]:
    if args.text:
        yield "m1", args.text
        return
    stream: TextIO = sys.stdin if args.jsonl == "-" else open(args.jsonl, encoding="utf-8")
    with stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                yield item.get("id", number), str(item["text"])
            except (json.JSONDecodeError, KeyError, AttributeError) as err:
                raise ValueError(f"{args.jsonl}, line {number}: expected {{\"id\": ..., \"text\": ...}} ({err})") from err
