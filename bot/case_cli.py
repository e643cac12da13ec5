"""`iep-navigator case show`, `iep-navigator purge` and `iep-navigator case-db upgrade`, for a site administrator.

`case show` prints what is stored for one conversation. Names, schools and contact details stay
redacted unless --reveal is given (and that use belongs in the administrator's own records).
"""
from __future__ import annotations

import argparse
import sys
from datetime import datetime

from bot.cases import Case, CaseStore
from bot.retention import parse_age, purge
from bot.schema import StoreError, current_revision, make_engine
from bot.settings import Settings, SettingsError
from bot.store import conversation_key

REDACTED = "[redacted]"
SHOWN_FIELDS = ("meeting_reason", "urgent")  # details that never identify anyone


def add_commands(commands: argparse._SubParsersAction) -> None:
    case = commands.add_parser("case", help="Show what is stored for one conversation.")
    case_commands = case.add_subparsers(dest="case_command", required=True)
    show = case_commands.add_parser("show", help="print one conversation's case (redacted)")
    show.add_argument("conversation_id", help="the conversation (sender) id")
    show.add_argument("--reveal", action="store_true", help="also print the letters' names, school and contact")
    purge_cmd = commands.add_parser("purge", help="Delete everything inactive longer than the retention period.")
    purge_cmd.add_argument("--older-than", default=None, metavar="AGE",
                           help="like 90d, 12w or 36h (default: $IEP_RETENTION_DAYS days, 90)")
    db = commands.add_parser("case-db", help="The case database's schema.")
    db.add_argument("action", choices=("upgrade", "status"))


def run(args: argparse.Namespace) -> int:
    try:
        settings = Settings.from_env()
        if args.command == "case-db":
            return _db(args, settings)
        if args.command == "purge":
            return _purge(args, settings)
        return _show(args, settings)
    except (SettingsError, StoreError, ValueError) as err:
        print(f"iep-navigator: {err}", file=sys.stderr)
        return 2


def _db(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.database_url, migrate=args.action == "upgrade")
    print(f"case database at revision {current_revision(engine) or 'none'}")
    return 0


def _purge(args: argparse.Namespace, settings: Settings) -> int:
    from bot.reminder_worker import tracker_engine_from_env

    age = parse_age(args.older_than) if args.older_than else parse_age(f"{settings.retention_days}d")
    report = purge(make_engine(settings.database_url), tracker_engine_from_env(), age, datetime.now())
    rows = ", ".join(f"{table} {count}" for table, count in sorted(report.rows.items()) if count) or "no rows"
    print(f"Purged {report.cases} cases inactive for more than {age.days} days ({rows}); "
          f"{report.conversations} conversations' messages.")
    return 0


def _show(args: argparse.Namespace, settings: Settings) -> int:
    key = conversation_key(args.conversation_id, settings.id_secret())
    case = CaseStore(make_engine(settings.database_url)).get(key)
    if case is None:
        print("No case is stored for that conversation.")
        return 1
    print(render(case, args.reveal))
    return 0


def render(case: Case, reveal: bool = False) -> str:
    lines = [f"Case {case.key[:12]}… (language {case.language}, state {case.state or 'not given'}, "
             f"channel {case.channel or 'unknown'})",
             f"  opened {case.created_at:%Y-%m-%d %H:%M}, last active {case.last_active_at:%Y-%m-%d %H:%M}, "
             f"reminders {'off' if case.reminders_off else 'on'}",
             f"  situations: {', '.join(case.situations) or 'none'}"]
    for letter in case.letters:
        sent = f"sent {letter.sent_on}" if letter.sent_on else "not sent"
        answered = f", answered {letter.answered_on}" if letter.answered_on else ""
        lines.append(f"  letter {letter.id}: {letter.letter}, dated {letter.letter_date}, {sent}{answered}, "
                     f"reply asked by {letter.respond_by}")
        for name, value in sorted(letter.details.items()):
            if value:
                lines.append(f"      {name}: {value if reveal or name in SHOWN_FIELDS else REDACTED}")
    for deadline in case.deadlines:
        note = " (approximate)" if deadline.approximate else ""
        lines.append(f"  deadline {deadline.id}: {deadline.rule}, from {deadline.start_on} due {deadline.due_on}{note}")
    for reminder in case.reminders:
        lines.append(f"  reminder {reminder.id}: {reminder.kind} about {reminder.subject}, due {reminder.due_at:%Y-%m-%d %H:%M}, "
                     f"{reminder.status} (attempts {reminder.attempts})")
    return "\n".join(lines)
