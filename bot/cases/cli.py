"""`iep-navigator case show`, `iep-navigator purge` and `iep-navigator case-db upgrade|status|rotate-keys`,
for a site administrator.

`case show` prints what is stored for one conversation. Names, schools and contact details stay
redacted unless --reveal is given (and that use belongs in the administrator's own records).
`case-db rotate-keys` re-wraps every conversation's key with the newest key in IEP_DATA_KEYS and moves values
sealed before conversation keys under their conversation's key (bot/storage/resealing.py, deploy/README.md).
"""
from __future__ import annotations

import argparse
import sys
from datetime import datetime

from sqlalchemy.engine import Engine

from bot.cases.retention import parse_age, purge
from bot.cases.store import Case, CaseStore
from bot.letters.store import conversation_key
from bot.ops.settings import Settings, SettingsError
from bot.storage.resealing import BATCH, Resealed, rotate, seal_plain_events
from bot.storage.schema import StoreError, current_revision, make_engine, sealer_of

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
    db = commands.add_parser("case-db", help="The case database's schema, and data key rotation.")
    db.add_argument("action", choices=("upgrade", "status", "rotate-keys"),
                    help="rotate-keys: re-wrap every conversation key with the newest key in IEP_DATA_KEYS "
                         "(and seal older values with their conversation's key)")
    db.add_argument("--batch", type=int, default=BATCH, metavar="N", help=f"rows per transaction (default {BATCH})")


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
    from bot.storage.schema import tracker_engine_from_env

    engine = make_engine(settings.database_url, migrate=args.action in ("upgrade", "rotate-keys"))
    if args.action == "rotate-keys":
        return _rotate(engine, tracker_engine_from_env(), max(args.batch, 1))
    print(f"case database at revision {current_revision(engine) or 'none'}")
    if args.action == "upgrade" and (tracker := tracker_engine_from_env()) is not None:
        # Conversations stored before events were sealed are sealed once, here, before the servers start.
        sealed = seal_plain_events(tracker, sealer_of(engine))
        if sealed is not None and sealed.sealed:
            print(f"sealed {sealed.sealed} conversation events stored before sealing")
    return 0


def _rotate(engine: Engine, tracker: Engine | None, batch: int) -> int:
    reports = rotate(engine, tracker, sealer_of(engine), batch)
    for report in reports:
        print(_rotation_line(report))
    if tracker is None:
        print("TRACKER_STORE_URL is not set: conversation events were not re-sealed.")
    unreadable = sum(report.unreadable for report in reports)
    if unreadable:
        print(f"{unreadable} values open with none of the keys in IEP_DATA_KEYS: keep the older keys until "
              "you know why.", file=sys.stderr)
        return 1
    print(f"Re-sealed {sum(r.changed for r in reports)} values. Every stored value opens with the newest key"
          + (": the older keys can be dropped." if tracker is not None else "."))
    return 0


def _rotation_line(report: Resealed) -> str:
    line = f"{report.where}: {report.resealed} re-sealed, {report.current} already current"
    if report.sealed:
        line += f", {report.sealed} sealed (were plain)"
    if report.unreadable:
        line += f", {report.unreadable} unreadable"
    return line


def _purge(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage.schema import tracker_engine_from_env

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
