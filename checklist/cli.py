"""The `checklist` command: evaluate answers, serve the app, verify a signed summary."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from .answers import validate
from .engine import evaluate
from .rules import DEFAULT_RULES, RulesFileError, load_trial


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="checklist", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    evaluate_parser = commands.add_parser("evaluate", help="print the evaluation of an answers document")
    evaluate_parser.add_argument("--rules", default=DEFAULT_RULES, help="rules file (default: rules.json)")
    evaluate_parser.add_argument("answers", help="answers document (JSON), or - for standard input")
    evaluate_parser.set_defaults(run=run_evaluate)
    arguments = parser.parse_args(argv)
    return arguments.run(arguments)


def run_evaluate(arguments) -> int:
    """Exit 0 with the evaluation document whatever the verdict; 2 with messages on bad input."""
    try:
        trial = load_trial(arguments.rules)
        document = read_answers(arguments.answers)
    except (RulesFileError, ValueError, OSError) as problem:
        print(f"checklist evaluate: {problem}", file=sys.stderr)
        return 2
    today = dt.date.today()
    facts, errors = validate(trial, document, today)
    if errors:
        for message in errors.values():
            print(f"checklist evaluate: invalid answer: {message}", file=sys.stderr)
        return 2
    json.dump(evaluate(trial, facts, today), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


def _refuse_constant(name):
    raise ValueError(f"{name} is not a number JSON allows")


def read_answers(source: str):
    """Parse an answers document from a file or standard input ('-')."""
    text = sys.stdin.read() if source == "-" else open(source, encoding="utf-8").read()
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as problem:
        raise ValueError(f"{source}: not valid JSON: {problem}") from None
