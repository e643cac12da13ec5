"""`iep-navigator deployment check` (every store reachable, before anything starts) and
`iep-navigator deployment variables` (the documented list, as the Markdown table in deploy/README.md)."""
from __future__ import annotations

import argparse
import os
import sys

from bot.ops.deployment import VARIABLES, DeploymentError, check, create_databases


def add_commands(commands: argparse._SubParsersAction) -> None:
    deployment = commands.add_parser("deployment", help="Check or list the deployment's configuration.")
    what = deployment.add_subparsers(dest="deployment_command", required=True)
    checking = what.add_parser("check", help="Try every store; one line per problem; exit 1 if any.")
    checking.add_argument("--create-databases", action="store_true",
                          help="create missing PostgreSQL databases first (needs a role allowed to create them)")
    what.add_parser("variables", help="The environment variables, as a Markdown table.")


def run(args: argparse.Namespace) -> int:
    if args.deployment_command == "variables":
        print("| variable | default (make run) | what it is |\n|---|---|---|")
        for variable in VARIABLES:
            print(f"| `{variable.name}` | `{variable.default}` | {variable.what} |")
        return 0
    problems: list[str] = []
    if args.create_databases:
        try:
            for created in create_databases(os.environ):
                print(f"Created the database {created}.")
        except DeploymentError as err:
            problems.append(str(err))
    problems = problems or check(os.environ)
    for problem in problems:
        print(f"IEP Navigator cannot start: {problem}", file=sys.stderr)
    if not problems:
        print("Configuration OK: every store answered.")
    return 1 if problems else 0
