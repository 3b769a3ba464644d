"""The `checklist` command: evaluate answers, serve the app, verify a signed summary."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
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
    serve_parser = commands.add_parser("serve", help="run the checklist app")
    serve_parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve_parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    serve_parser.add_argument("--data", help="data folder (default: a per-user folder)")
    serve_parser.add_argument("--rules", default=DEFAULT_RULES, help="rules file (default: rules.json)")
    serve_parser.set_defaults(run=run_serve)
    arguments = parser.parse_args(argv)
    return arguments.run(arguments)


DEFAULT_PORT = 8750
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def run_serve(arguments) -> int:
    """Serve the app with waitress, a production WSGI server that also runs on Windows."""
    import waitress

    from . import create_app

    if arguments.host not in LOOPBACK and not os.environ.get("CHECKLIST_PASSCODE"):
        print(f"checklist serve: refusing to serve on {arguments.host}: beyond this machine "
              "the checklist needs a passcode. Set CHECKLIST_PASSCODE, or serve on 127.0.0.1.",
              file=sys.stderr)
        return 2
    config = {"RULES_FILE": str(arguments.rules), "PASSCODE": os.environ.get("CHECKLIST_PASSCODE"),
              "BEHIND_HTTPS_PROXY": os.environ.get("CHECKLIST_BEHIND_HTTPS_PROXY") == "1"}
    if arguments.data:
        config["DATA_DIR"] = arguments.data
    try:
        app = create_app(config)
    except RulesFileError as problem:
        print(f"checklist serve: {problem}", file=sys.stderr)
        return 2
    try:
        server = waitress.create_server(app, host=arguments.host, port=arguments.port, threads=8,
                                        ident="checklist")
    except OSError as problem:
        print(f"checklist serve: cannot listen on {arguments.host}:{arguments.port}: {problem}", file=sys.stderr)
        return 2
    host = f"[{arguments.host}]" if ":" in arguments.host else arguments.host
    print(f"Serving the {app.extensions['trial'].rules['trial']['acronym']} checklist at "
          f"http://{host}:{server.effective_port}/  (data in {app.config['DATA_DIR']}; Ctrl+C stops)", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    return 0


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
