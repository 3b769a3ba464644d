"""The `checklist` command: evaluate answers, serve the app, verify a signed summary."""
from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import logging
import os
import socket
import ssl
import sys
import threading
from pathlib import Path
import time

from platformdirs import user_data_dir

from . import settings
from .bundled import DEFAULT_RULES
from .domain.answers import validate
from .domain.engine import evaluate
from .domain.rules import RulesFileError, load_trial
from .web.security import UPLOAD_LIMIT


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="checklist", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    evaluate_parser = commands.add_parser("evaluate", help="print the evaluation of an answers document")
    evaluate_parser.add_argument("--rules", default=DEFAULT_RULES, help="rules file (default: rules.json)")
    evaluate_parser.add_argument("answers", help="answers document (JSON), or - for standard input")
    evaluate_parser.add_argument("--confirm", action="append", default=[], metavar="FACT",
                                 help="count FACT's value although it is implausible for its unit "
                                      "(a value checked with the source); repeatable")
    evaluate_parser.add_argument("--fhir", metavar="BUNDLE", help="a FHIR R4 Bundle (or list of Observations) "
                                 "whose coded labs fill the questions ANSWERS leaves unanswered")
    evaluate_parser.set_defaults(run=run_evaluate)
    serve_parser = commands.add_parser("serve", help="run the checklist app")
    serve_parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve_parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    serve_parser.add_argument("--data", help="data folder (default: a per-user folder)")
    serve_parser.add_argument("--rules", action="append", metavar="FILE",
                              help="a trial's rules file (default: rules.json); repeat it to serve several "
                                   "trials, the first being the default")
    serve_parser.add_argument("--name", action="append", default=[], metavar="HOST",
                              help="a name or address tablets use to reach this server (repeatable; also "
                                   "CHECKLIST_NAMES, comma-separated); any other Host is refused")
    add_setting_flags(serve_parser)
    serve_parser.set_defaults(run=run_serve)
    add_signing_commands(commands)
    add_rules_commands(commands)
    add_log_command(commands)
    arguments = parser.parse_args(argv)
    return arguments.run(arguments)


DEFAULT_PORT = 8750
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
# waitress's own limits, so that a large body is refused before it is read to disk (its default is
# 1 GB): the largest request the app takes is an upload (an exported draft, a signed summary).
WAITRESS_LIMITS = {"max_request_body_size": UPLOAD_LIMIT, "max_request_header_size": 64 * 1024,
                   "connection_limit": 100, "channel_timeout": 60}


def trusted_hosts(host: str, names: list[str]) -> list[str]:
    """The host names the server answers (HOST_NAMES, checked by web/security.py): its loopback names, the address
    it listens on and the names given. A page elsewhere whose name an attacker points at this
    machine (DNS rebinding) is refused. Listening on every address adds this machine's names and
    addresses."""
    trusted = ["localhost", "127.0.0.1", "::1", *names]
    if host in ("0.0.0.0", "::", ""):
        trusted += _this_machine()
    elif host not in trusted:
        trusted.append(host)
    return list(dict.fromkeys(trusted))


def _this_machine() -> list[str]:
    found = [socket.gethostname(), socket.getfqdn(), _address_on_the_network()]
    try:
        found += [info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)]
    except OSError:
        pass
    return [name for name in dict.fromkeys(found) if name]


def _address_on_the_network() -> str:
    """This machine's address on its local network, the one tablets reach: the source address the
    system would use towards a private address (a UDP "connect" only picks a route; nothing is sent)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("10.255.255.255", 9))
            return probe.getsockname()[0]
    except OSError:
        return ""


SETTING_FLAGS = {"UNIT_SYSTEM": "--units", "PAPER_SIZE": "--paper", "SITE_NAME": "--site",
                 "RETENTION_DAYS": "--retention-days", "TIME_ZONE": "--time-zone", "HTTPS": "--https",
                 "HTTP_PORT": "--http-port"}


def add_setting_flags(serve_parser) -> None:
    """The site settings as flags; each beats the environment and the settings file (README, Settings)."""
    helps = {"UNIT_SYSTEM": ("{conventional,si}", "units each quantity starts on"),
             "PAPER_SIZE": ("{A4,Letter}", "the signed summary's paper"),
             "SITE_NAME": ("NAME", "the site's name, in the signing certificate made on the first start"),
             "RETENTION_DAYS": ("DAYS", f"delete drafts unchanged this many days, or {settings.NEVER}"),
             "TIME_ZONE": ("ZONE", "IANA time zone times are shown in, such as Europe/Paris"),
             "HTTP_PORT": ("PORT", "with --https, also listen for plain HTTP here and send it to HTTPS")}
    for key, flag in SETTING_FLAGS.items():
        if key == "HTTPS":
            serve_parser.add_argument(flag, dest=key, action="store_const", const=True,
                                      help="serve HTTPS with the site's own certificate authority, made on "
                                           "first use (tablets trust it from the app's \"Set up a tablet\" page)")
            continue
        metavar, text = helps[key]
        serve_parser.add_argument(flag, dest=key, type=setting_type(key), metavar=metavar, help=text)


def setting_type(key: str):
    """argparse's type for a setting: its check, so that argparse names the flag on a bad value."""
    def parse(text: str):
        try:
            return settings.CHECKS[key](text)
        except ValueError as problem:
            raise argparse.ArgumentTypeError(str(problem)) from None
    parse.__name__ = SETTING_FLAGS[key]
    return parse


def run_serve(arguments) -> int:
    """Serve the app with waitress (or cheroot for --https), production WSGI servers that also run on Windows."""
    from . import create_app
    from .web import summary
    from .web.auth import passcode_problem

    passcode = os.environ.get("CHECKLIST_PASSCODE")
    if arguments.host not in LOOPBACK and not passcode:
        print(f"checklist serve: refusing to serve on {arguments.host}: beyond this machine "
              "the checklist needs a passcode. Set CHECKLIST_PASSCODE, or serve on 127.0.0.1.",
              file=sys.stderr)
        return 2
    if passcode and passcode_problem(passcode):
        print(f"checklist serve: CHECKLIST_PASSCODE will not do: {passcode_problem(passcode)}.", file=sys.stderr)
        return 2
    names = arguments.name + [name.strip() for name in os.environ.get("CHECKLIST_NAMES", "").split(",") if name.strip()]
    config = {"RULES_FILES": [str(path) for path in arguments.rules or [DEFAULT_RULES]], "PASSCODE": passcode,
              "BEHIND_HTTPS_PROXY": os.environ.get("CHECKLIST_BEHIND_HTTPS_PROXY") == "1",
              "HOST_NAMES": trusted_hosts(arguments.host, names)}
    if arguments.data:
        config["DATA_DIR"] = arguments.data
    config |= {key: getattr(arguments, key) for key in SETTING_FLAGS if getattr(arguments, key) is not None}
    try:
        app = create_app(config)
    except (RulesFileError, settings.SettingsError) as problem:
        print(f"checklist serve: {problem}", file=sys.stderr)
        return 2
    if app.config["HTTP_PORT"] and not app.config["HTTPS"]:
        print("checklist serve: the HTTP port redirects to HTTPS: give --https with it.", file=sys.stderr)
        return 2
    with app.app_context():
        name_the_site(app)
        summary.site_key()  # the signing key: made on the first start, shared by every worker after
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "Task queue depth" once per request under load
    try:
        servers = https_servers(app, arguments, names) if app.config["HTTPS"] else [http_server(app, arguments)]
    except OSError as problem:
        print(f"checklist serve: cannot listen on {arguments.host}:{arguments.port}: {problem}", file=sys.stderr)
        return 2
    acronyms = " and ".join(trial.rules["trial"]["acronym"] for trial in app.extensions["trials"].values())
    print(f"Serving the {acronyms} checklist at {servers[0].url}  "
          f"(data in {app.config['DATA_DIR']}; Ctrl+C stops)", flush=True)
    for extra in servers[1:]:
        threading.Thread(target=extra.run, daemon=True).start()
    try:
        servers[0].run()
    except KeyboardInterrupt:
        pass
    finally:
        servers[0].stop()
    return 0


class Listening:
    """A server bound to its address, with the URL it serves and how to run and stop it."""

    def __init__(self, url: str, run, stop=lambda: None):
        self.url, self.run, self.stop = url, run, stop


def http_server(app, arguments, host_for_url: str | None = None) -> Listening:
    """Plain HTTP with waitress, a production WSGI server that also runs on Windows."""
    import waitress

    server = waitress.create_server(app, host=arguments.host, port=arguments.port, threads=8,
                                    ident="checklist", **WAITRESS_LIMITS)
    return Listening(f"http://{host_for_url or url_host(arguments.host)}:{server.effective_port}/", server.run,
                     server.close)


def https_servers(app, arguments, names: list[str]) -> list[Listening]:
    """HTTPS with cheroot (TLS 1.2 or later) and the site's certificate, whose names are the only
    host names answered; with HTTP_PORT, also a plain-HTTP port that redirects to HTTPS."""
    from cheroot import wsgi
    from cheroot.ssl.builtin import BuiltinSSLAdapter

    from . import tls
    from .documents import signing

    served_names = trusted_hosts(arguments.host, names) + _this_machine()
    app.config["HOST_NAMES"] = frozenset(name.lower() for name in served_names)
    app.config["SESSION_COOKIE_SECURE"] = True
    site = tls.site_tls(app.config["DATA_DIR"], app.config["SITE_NAME"] or signing.default_site_name(), served_names)
    server = wsgi.Server((arguments.host, arguments.port), app, numthreads=8, server_name="checklist",
                         timeout=WAITRESS_LIMITS["channel_timeout"])
    server.max_request_body_size = WAITRESS_LIMITS["max_request_body_size"]
    server.max_request_header_size = WAITRESS_LIMITS["max_request_header_size"]
    adapter = BuiltinSSLAdapter(str(site.server_pem), str(site.server_pem))
    adapter.context.minimum_version = ssl.TLSVersion.TLSv1_2
    server.ssl_adapter = adapter
    threading.Thread(target=keep_renewed, args=(adapter.context, app, served_names), daemon=True).start()
    server.prepare()
    port = server.bind_addr[1]
    app.config["HTTPS_PORT"] = port
    servers = [Listening(f"https://{url_host(arguments.host)}:{port}/", server.serve, server.stop)]
    if app.config["HTTP_PORT"]:
        redirect = redirect_to_https(port, app.config["HOST_NAMES"])
        plain = argparse.Namespace(host=arguments.host, port=app.config["HTTP_PORT"])
        servers.append(http_server(redirect, plain))
    return servers


RENEWAL_CHECK_SECONDS = 24 * 3600


def keep_renewed(context: ssl.SSLContext, app, names: list[str]) -> None:
    """Once a day, renew the server certificate when it is due and load it for new connections, so
    a server left running for more than a year keeps a valid certificate (same authority)."""
    from . import tls
    from .documents import signing

    while True:
        time.sleep(RENEWAL_CHECK_SECONDS)
        before = tls.server_certificate_serial(app.config["DATA_DIR"])
        site = tls.site_tls(app.config["DATA_DIR"], app.config["SITE_NAME"] or signing.default_site_name(), names)
        if tls.server_certificate_serial(app.config["DATA_DIR"]) != before:
            context.load_cert_chain(str(site.server_pem), str(site.server_pem))


def redirect_to_https(https_port: int, host_names: frozenset):
    """A WSGI app sending every request to the same path over HTTPS, for the server's names only."""
    def application(environ, start_response):
        host = environ.get("HTTP_HOST", "").lower()
        name = host[1:host.find("]")] if host.startswith("[") else host.split(":")[0]
        if name not in host_names:
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"This server does not answer to that name."]
        path = environ.get("PATH_INFO", "/") + (f"?{environ['QUERY_STRING']}" if environ.get("QUERY_STRING") else "")
        start_response("308 Permanent Redirect", [("Location", f"https://{url_host(name)}:{https_port}{path}"),
                                                  ("Content-Type", "text/plain")])
        return [b"This server speaks HTTPS."]
    return application


def url_host(host: str) -> str:
    """The host part of the URL `serve` prints: listening on every address, this machine's name."""
    if host in ("0.0.0.0", "::", ""):
        host = socket.gethostname()
    return f"[{host}]" if ":" in host else host


def name_the_site(app) -> None:
    """On the first start (no signing key yet) with no site name set: ask for one on a terminal,
    else sign as this computer and say how to rename."""
    from .documents import signing

    if app.config["SITE_NAME"] or signing.load_site_key(app.config["DATA_DIR"]):
        return
    host = signing.default_site_name()
    if sys.stdin.isatty():
        try:
            answer = input(f"The site's name, for the certificate that signs summaries (Enter for {host!r}): ")
        except EOFError:
            answer = ""
        app.config["SITE_NAME"] = settings.site_name(answer) if answer.strip() else None
        return
    print(f"checklist serve: no site name set; summaries are signed as {host!r}. To name the site: "
          f"stop the server, run `checklist keys init --force --site NAME --data {app.config['DATA_DIR']}` "
          "and set site_name in settings.toml (README, Settings).", file=sys.stderr)


def run_evaluate(arguments) -> int:
    """Exit 0 with the evaluation document whatever the verdict; 2 with messages on bad input."""
    try:
        trial = load_trial(arguments.rules)
        document = read_answers(arguments.answers)
    except (RulesFileError, ValueError, OSError) as problem:
        print(f"checklist evaluate: {problem}", file=sys.stderr)
        return 2
    today = dt.date.today()
    if arguments.fhir:
        try:
            document = with_record(trial, document, arguments.fhir, today)
        except (ValueError, OSError) as problem:
            print(f"checklist evaluate: {problem}", file=sys.stderr)
            return 2
    facts, errors = validate(trial, document, today)
    errors |= {fact: f"{fact}: --confirm names no answered fact" for fact in arguments.confirm if fact not in facts}
    if errors:
        for message in errors.values():
            print(f"checklist evaluate: invalid answer: {message}", file=sys.stderr)
        return 2
    json.dump(evaluate(trial, facts, today, frozenset(arguments.confirm)), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


def with_record(trial, document, bundle: str, today: dt.date) -> dict:
    """The answers document with the values a FHIR record proposes for the questions it leaves
    unanswered; each value taken, and each left out, is said on standard error."""
    from .documents.fhir import as_answers, proposals
    if not isinstance(document, dict):
        raise ValueError("the answers document must be a JSON object to add a record's values to")
    day = dt.date.fromisoformat(document["assessment_date"]) if isinstance(document.get("assessment_date"), str) \
        and len(document["assessment_date"]) == 10 else today
    found, skipped = proposals(trial, read_answers(bundle), day)
    taken = [proposal for proposal in found if proposal.fact not in document]
    for proposal in taken:
        print(f"checklist evaluate: from {proposal.source} of {proposal.date}: {proposal.label} "
              f"{proposal.value['value'] if isinstance(proposal.value, dict) else proposal.value} {proposal.unit}"
              f"{f' ({proposal.note})' if proposal.note else ''}", file=sys.stderr)
    for problem in skipped:
        print(f"checklist evaluate: left out: {problem}", file=sys.stderr)
    return {**as_answers(taken), **document}


def read_answers(source: str):
    """Parse an answers document from a file or standard input ('-')."""
    if source == "-":
        text = sys.stdin.read()
    else:
        with open(source, encoding="utf-8") as handle:
            text = handle.read()
    try:
        return json.loads(text)  # NaN and Infinity parse, and validation refuses them by fact
    except json.JSONDecodeError as problem:
        raise ValueError(f"{source}: not valid JSON: {problem}") from None


P12_PASSWORD_VARIABLE = "CHECKLIST_P12_PASSWORD"


def add_rules_commands(commands) -> None:
    """`rules check FILE` and `rules show FILE`: a rules file checked, and shown for review."""
    rules_parser = commands.add_parser("rules", help="check a trial's rules file, or show it for review")
    rules_commands = rules_parser.add_subparsers(dest="rules_command", required=True)
    check_parser = rules_commands.add_parser("check", help="report every problem of a rules file (exit 2 if any)")
    check_parser.add_argument("rules", help="the rules file")
    check_parser.set_defaults(run=run_rules)
    show_parser = rules_commands.add_parser("show", help="the rules in words, as a printable HTML page on standard "
                                                         "output, for review against the protocol")
    show_parser.add_argument("rules", help="the rules file")
    show_parser.set_defaults(run=run_rules)
    fhir_parser = rules_commands.add_parser("fhir", help="the rules' questions as a FHIR R4 Questionnaire (JSON) on "
                                                         "standard output")
    fhir_parser.add_argument("rules", help="the rules file")
    fhir_parser.set_defaults(run=run_rules)


def run_rules(arguments) -> int:
    """`rules check`, `rules show` and `rules fhir`; each exits 2 with every problem of a file that will not load."""
    try:
        trial = load_trial(arguments.rules)
    except RulesFileError as problems:
        print(problems, file=sys.stderr)
        return 2
    if arguments.rules_command == "show":
        from .documents.rules_sheet import rules_sheet
        sys.stdout.write(rules_sheet(trial, Path(arguments.rules).name))
    elif arguments.rules_command == "fhir":
        from .documents.fhir import questionnaire
        print(json.dumps(questionnaire(trial), indent=2, ensure_ascii=False))
    else:
        print(f"{arguments.rules}: {trial.rules['trial']['acronym']} ({trial.id}): {len(trial.questions)} questions, "
              f"{len(trial.derived)} calculated values, {len(trial.criteria)} criteria; no problem found.")
    return 0


def add_signing_commands(commands) -> None:
    """`verify FILE.pdf` and `keys init|import|show`: the signed summary's command line."""
    verify_parser = commands.add_parser("verify", help="check a signed summary PDF")
    verify_parser.add_argument("pdf", help="the summary PDF")
    verify_parser.add_argument("--fingerprint", default="",
                               help="the SHA-256 fingerprint the clinic publishes: refuse any other signer")
    verify_parser.add_argument("--data", help="data folder, to recognise this site's own certificate")
    verify_parser.add_argument("--extract", metavar="DIR", help="once the signature is valid, write the files the "
                               "summary carries (the answers as FHIR, the evaluation) into DIR")
    verify_parser.set_defaults(run=run_verify)
    keys_parser = commands.add_parser("keys", help="the site's signing key for summaries")
    keys_commands = keys_parser.add_subparsers(dest="keys_command", required=True)
    init_parser = keys_commands.add_parser("init", help="create the signing key and a self-signed certificate")
    init_parser.add_argument("--site", help="the site's name, in the certificate (default: this computer's name)")
    init_parser.add_argument("--force", action="store_true",
                             help="replace an existing key; summaries signed before keep its fingerprint")
    import_parser = keys_commands.add_parser(
        "import", help=f"use a PKCS#12 key and certificate (password from {P12_PASSWORD_VARIABLE} or a prompt)")
    import_parser.add_argument("p12", help="the PKCS#12 file (.p12 or .pfx)")
    show_parser = keys_commands.add_parser("show", help="print the signing certificate and its fingerprint")
    for keys_command, run in ((init_parser, run_keys_init), (import_parser, run_keys_import), (show_parser, run_keys_show)):
        keys_command.add_argument("--data", help="data folder (default: the per-user folder `serve` uses)")
        keys_command.set_defaults(run=run)


def add_log_command(commands) -> None:
    log_parser = commands.add_parser("log", help="a trial's screening log as CSV on standard output (de-identified)")
    log_parser.add_argument("--data", help="data folder (default: the per-user folder `serve` uses)")
    log_parser.add_argument("--trial", help="the trial's id (needed when the log holds several trials)")
    log_parser.add_argument("--from", dest="start", type=iso_date, metavar="DATE", help="screened on or after DATE (YYYY-MM-DD)")
    log_parser.add_argument("--to", dest="end", type=iso_date, metavar="DATE", help="screened on or before DATE")
    log_parser.add_argument("--outcome", help="only this outcome (registered, referred, not_eligible, ...)")
    log_parser.add_argument("--identified", action="store_true",
                            help="add each patient's name, record number and date of birth where the draft is "
                                 "still on file: the site's own copy, never for a sponsor")
    log_parser.add_argument("--rules", default=DEFAULT_RULES,
                            help="the trial's rules file, which says which question is the date of birth "
                                 "(default: rules.json)")
    log_parser.set_defaults(run=run_log)


def iso_date(text: str):
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: give it as YYYY-MM-DD") from None


def run_log(arguments) -> int:
    """The screening log's CSV on standard output; exit 2 when the trial or outcome is unknown."""
    from .documents.screening_report import chosen, csv_text
    from .persistence.screening_log import OUTCOMES, ScreeningLog, identities
    from .persistence.storage import DraftStore
    data = Path(data_folder(arguments))
    log = ScreeningLog(data / "screening-log")
    trials = log.trials()
    trial = arguments.trial or (trials[0] if len(trials) == 1 else None)
    if trial is None or trial not in trials:
        known = ", ".join(trials) or "none yet"
        print(f"checklist log: {'choose a trial with --trial' if trial is None else f'no log for {trial}'} "
              f"(trials with a log in {data}: {known})", file=sys.stderr)
        return 2
    if arguments.outcome and arguments.outcome not in OUTCOMES:
        print(f"checklist log: unknown outcome {arguments.outcome!r} (one of {', '.join(OUTCOMES)})", file=sys.stderr)
        return 2
    rows = chosen(log.rows(trial), arguments.start, arguments.end, arguments.outcome)
    who = identities(rows, DraftStore(data / "drafts"), birth_date_fact(arguments.rules, trial)) \
        if arguments.identified else None
    sys.stdout.write(csv_text(rows, who))
    return 0


def birth_date_fact(rules: str, trial_id: str) -> str | None:
    """The date-of-birth question of the rules file, when it is the log's trial's."""
    try:
        trial = load_trial(rules)
    except RulesFileError:
        return None
    return trial.birth_date_fact if trial.id == trial_id else None


def data_folder(arguments) -> str:
    return arguments.data or user_data_dir("checklist", appauthor=False)


def read_file(path: str, command: str) -> bytes | None:
    """The file's bytes, or None after saying on standard error why it cannot be read."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as problem:
        print(f"{command}: cannot read {path}: {problem.strerror}", file=sys.stderr)
        return None


def run_verify(arguments) -> int:
    """Exit 0 naming the signer when the signature is valid and covers the whole file, else 1."""
    from .documents import signing  # pyHanko loads only for the commands that sign or verify

    for library in ("pyhanko", "pyhanko_certvalidator"):  # the verdict says why; never their tracebacks
        logging.getLogger(library).setLevel(logging.CRITICAL)
    content = read_file(arguments.pdf, "checklist verify")
    if content is None:
        return 2
    site = signing.load_site_key(data_folder(arguments))
    result = signing.verify_pdf(content, site=site, expected_fingerprint=arguments.fingerprint)
    if not result.valid:
        print(f"checklist verify: {arguments.pdf}: NOT VALID: {result.reason}", file=sys.stderr)
        return 1
    whose = ("this site's own certificate" if result.site_own else
             "matches the fingerprint given" if arguments.fingerprint else
             "compare it with the fingerprint the clinic publishes")
    print(f"{arguments.pdf}: valid, signed by {result.signer}, covering the whole file; "
          f"signing time {result.signing_time} by the signer's clock; "
          f"certificate SHA-256 {result.fingerprint} ({whose})")
    if arguments.extract:
        folder = Path(arguments.extract)
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in signing.embedded_files(content).items():
            (folder / name).write_bytes(data)
            print(f"extracted {folder / name}")
    return 0


def run_keys_init(arguments) -> int:
    from .documents import signing

    site = arguments.site or signing.default_site_name()
    before = signing.load_site_key(data_folder(arguments)) if arguments.force else None
    try:
        key = signing.create_site_key(data_folder(arguments), site, replace=arguments.force)
    except signing.SigningKeyError as problem:
        print(f"checklist keys init: {problem}", file=sys.stderr)
        return 2
    if before:
        print(f"checklist keys init: WARNING: replaced the signing key of {before.subject}. Summaries signed "
              f"before keep verifying against the old certificate, SHA-256 {before.fingerprint}; keep that "
              "fingerprint published beside the new one.", file=sys.stderr)
    print(f"Created the signing key and a self-signed certificate for {key.subject} "
          f"in {signing.keys_folder(data_folder(arguments))}.")
    print(f"Certificate SHA-256 fingerprint: {key.fingerprint}")
    print("Publish this fingerprint where physicians can find it: they compare it with the one on each summary.")
    return 0


def run_keys_import(arguments) -> int:
    from .documents import signing

    content = read_file(arguments.p12, "checklist keys import")
    if content is None:
        return 2
    password = os.environ.get(P12_PASSWORD_VARIABLE)
    if password is None and sys.stdin.isatty():
        password = getpass.getpass(f"Password for {arguments.p12} (empty if none): ")
    folder = data_folder(arguments)
    before = signing.load_site_key(folder)
    try:
        key = signing.import_pkcs12(folder, content, password.encode() if password else None)
    except signing.SigningKeyError as problem:
        hint = f" (its password goes in {P12_PASSWORD_VARIABLE})" if password is None else ""
        print(f"checklist keys import: {arguments.p12}: {problem}{hint}; nothing was changed.", file=sys.stderr)
        return 2
    if before:
        print(f"Replaced the signing certificate {before.fingerprint}.")
    print(f"Summaries are now signed by {key.subject}.")
    print(f"Certificate SHA-256 fingerprint: {key.fingerprint}")
    return 0


def run_keys_show(arguments) -> int:
    from .documents import signing

    key = signing.load_site_key(data_folder(arguments))
    if key is None:
        print(f"checklist keys show: no signing key in {signing.keys_folder(data_folder(arguments))} yet; "
              "`checklist keys init` creates one.", file=sys.stderr)
        return 1
    print(f"Signer: {key.subject}")
    print(f"Certificate SHA-256 fingerprint: {key.fingerprint}")
    return 0
