"""`iep-navigator scenarios ...`, `iep-navigator practice` and `iep-navigator training report`."""
from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import Callable, Sequence, TextIO

from bot.knowledge import Knowledge, load_knowledge
from bot.ops.settings import Settings
from bot.training.practice import AnswerError, ask, read_answer, score, volunteer_name
from bot.training.scenarios import Scenario, ScenarioError, load_scenarios, pick
from bot.training.walkthrough import Parser


def add_commands(commands: argparse._SubParsersAction) -> None:
    scenarios = commands.add_parser("scenarios", help="The volunteer-training scenario library.")
    which = scenarios.add_subparsers(dest="scenarios_command", required=True)
    listing = which.add_parser("list", help="List scenarios (filter by tag, difficulty or situation).")
    _filters(listing)
    which.add_parser("check", help="Validate every scenario file; count scenarios per situation.")
    show = which.add_parser("show", help="The assistant's annotated conversation for a scenario.")
    show.add_argument("id")
    show.add_argument("--format", choices=("md", "html"), default="md")
    show.add_argument("--out", metavar="FILE", help="write here instead of the screen")
    show.add_argument("--model", help="trained model (default: $IEP_MODEL or models/current.tar.gz)")
    practice = commands.add_parser("practice", help="Practise with a scenario and be scored.")
    practice.add_argument("--volunteer", help="your name or the code your coordinator gave you")
    practice.add_argument("--session", default="", help="the coordinator's name for this training session")
    practice.add_argument("--count", type=int, default=1, help="how many scenarios (default 1)")
    practice.add_argument("--id", help="practise this scenario")
    _filters(practice)
    training = commands.add_parser("training", help="Coordinator tools.")
    reports = training.add_subparsers(dest="training_command", required=True)
    report = reports.add_parser("report", help="Each volunteer's score by situation; the most missed scenarios.")
    report.add_argument("--csv", action="store_true", help="CSV instead of a table")
    report.add_argument("--session", help="only this session")


def _filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tag", action="append", default=[], help="only scenarios with this tag (repeatable)")
    parser.add_argument("--difficulty", choices=("easy", "medium", "hard"))
    parser.add_argument("--situation", help="only scenarios about this situation id")


def run(args: argparse.Namespace, stdin: TextIO | None = None, stdout: TextIO | None = None,
        load_parser: Callable[[str | None], Parser] | None = None) -> int:
    """`load_parser` loads the trained model for `scenarios show` (bot/cli.py passes Rasa's)."""
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout  # read now: tests and shells swap them
    knowledge = load_knowledge()
    if args.command == "training":
        return _report(args, stdout)
    try:
        scenarios = load_scenarios(knowledge)
    except ScenarioError as err:
        print(f"iep-navigator: scenario error: {err}", file=sys.stderr)
        return 1
    if args.command == "practice":
        return _practice(args, scenarios, knowledge, stdin, stdout)
    if args.scenarios_command == "check":
        return _check(scenarios, knowledge, stdout)
    if args.scenarios_command == "list":
        for s in pick(scenarios, args.tag, args.difficulty, args.situation):
            print(f"{s.id:44} {s.difficulty:6} {', '.join(s.key.situations):40} {s.title}", file=stdout)
        return 0
    if load_parser is None:
        print("iep-navigator: showing a walkthrough needs the trained model", file=sys.stderr)
        return 2
    return _show(args, scenarios, knowledge, stdout, load_parser)


def _check(scenarios: Sequence[Scenario], knowledge: Knowledge, stdout: TextIO) -> int:
    print(f"{len(scenarios)} scenarios, all valid.", file=stdout)
    print(f"{'situation':26} main  also", file=stdout)
    for situation in knowledge.situations:
        main = sum(1 for s in scenarios if s.key.situations[0] == situation)
        also = sum(1 for s in scenarios if situation in s.key.situations[1:])
        print(f"{situation:26} {main:4}  {also:4}", file=stdout)
    return 0


def _show(args: argparse.Namespace, scenarios: Sequence[Scenario], knowledge: Knowledge, stdout: TextIO,
          load_parser: Callable[[str | None], Parser]) -> int:
    from bot.training.walkthrough import to_html, to_markdown, walk

    found = {s.id: s for s in scenarios}
    if args.id not in found:
        print(f"iep-navigator: {knowledge.message('practice_unknown_scenario', 'en')} ({args.id})", file=sys.stderr)
        return 2
    nlu = load_parser(args.model)
    try:
        walkthrough = walk(found[args.id], nlu.parse(found[args.id].opening), knowledge)
    finally:
        nlu.close()
    rendered = (to_html if args.format == "html" else to_markdown)(walkthrough, knowledge)
    if args.out:
        Path(args.out).write_text(rendered, encoding="utf-8")
    else:
        stdout.write(rendered)
    return 0


def _practice(args: argparse.Namespace, scenarios: Sequence[Scenario], knowledge: Knowledge, stdin: TextIO,
              stdout: TextIO) -> int:
    k, lang = knowledge, "en"
    say: Callable[..., None] = lambda *lines: print(*lines, sep="\n", file=stdout, flush=True)  # noqa: E731

    def read(prompt: str) -> str:
        say(prompt)
        line = stdin.readline()
        if not line:  # the input ended: stop cleanly rather than ask forever
            raise EOFError
        return line

    chosen = [s for s in scenarios if s.id == args.id] if args.id else pick(scenarios, args.tag, args.difficulty,
                                                                              args.situation)
    if not chosen:
        say(k.message("practice_unknown_scenario" if args.id else "practice_cli_none_match", lang))
        return 2
    try:
        return _rounds(args, chosen, k, read, say)
    except EOFError:
        return 2


def _rounds(args: argparse.Namespace, chosen: Sequence[Scenario], k: Knowledge, read: Callable[[str], str],
            say: Callable[..., None]) -> int:
    from bot.training.store import TrainingStore, training_engine

    lang = "en"
    name = args.volunteer
    while True:
        try:
            name = volunteer_name(name if name is not None else read(k.message("practice_name_missing", lang)))
            break
        except AnswerError as err:
            say(k.message(err.message_key, lang))
            name = None
    store = TrainingStore(training_engine(Settings.from_env().training_database_url))
    situations, rights = list(k.situations), list(k.rights)
    letters, levels = list(k.letters), list(k.levels)
    for scenario in chosen[: max(1, args.count)]:
        say("", k.message("practice_cli_scenario", lang, title=scenario.title, difficulty=scenario.difficulty))
        say(k.message("practice_cli_opening", lang), "", scenario.opening, "")
        while (question := read(k.message("practice_cli_ask", lang))).strip():
            fact = ask(scenario, question)
            say(f"  {fact.answer if fact else k.message('practice_no_fact', lang)}")
        while True:
            raw = {
                "situations": _choose(read, k.message("practice_cli_situations", lang), situations,
                                      [k.situations[s].title.get(lang) for s in situations], say),
                "rights": _choose(read, k.message("practice_cli_rights", lang), rights,
                                  [f"{k.rights[r].name.get(lang)} ({k.rights[r].citation})" for r in rights], say),
                "letter": (_choose(read, k.message("practice_cli_letter", lang), ["none", *letters],
                                   [k.message("practice_no_letter", lang)] + [k.letters[x].name.get(lang) for x in letters],
                                   say, start=0) or ["none"])[0],
                "advocate": (_choose(read, k.message("practice_cli_advocate", lang), levels,
                                     [k.levels[v].get(lang) for v in levels], say) or [""])[0],
            }
            try:
                answer = read_answer(raw, k)
                break
            except AnswerError as err:  # nothing is stored until every part is answered
                say(k.message(err.message_key, lang))
        scored = score(scenario, answer, k, lang)
        store.record(name, scenario, answer, scored, datetime.now(), args.session)
        say("", *scored.feedback, "", k.message("practice_cli_saved", lang))
    return 0


def _choose(read: Callable[[str], str], prompt: str, ids: Sequence[str], labels: Sequence[str],
            say: Callable[..., None], start: int = 1) -> list[str]:
    say("", *(f"  {number:2}. {label}" for number, label in enumerate(labels, start=start)))
    picked = []
    for part in read(prompt).replace(" ", ",").split(","):
        if part.strip().isdigit() and 0 <= int(part) - start < len(ids):
            picked.append(ids[int(part) - start])
    return picked


def _report(args: argparse.Namespace, stdout: TextIO) -> int:
    from bot.training.store import TrainingStore, training_engine

    report = TrainingStore(training_engine(Settings.from_env().training_database_url)).report(args.session)
    if args.csv:
        stdout.write(report.csv())
        return 0
    print(f"{'volunteer':24} {'situation':26} {'rounds':>6} {'average':>7}", file=stdout)
    for row in report.by_situation:
        print(f"{row.volunteer:24} {row.situation:26} {row.rounds:6} {row.average:7.0f}", file=stdout)
    print("\nMost missed scenarios:", file=stdout)
    for scenario, rounds, average in report.most_missed:
        print(f"  {scenario:44} {rounds:3} rounds, average {average:.0f}", file=stdout)
    return 0
