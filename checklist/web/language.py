"""The language of the pages: English or Spanish, through Flask-Babel's gettext catalogs.

The pages for everyone (the start page, sign-in) and the patient's pages are translated; the
clinician's checklist, summary and log stay in English, like the protocol they quote (their pages
are always rendered in English). The language is the one chosen with the switch on a translated
page (a cookie: remembered on the device), else the best match of the browser's Accept-Language,
else English. The wording catalogue shared with the offline page (domain/messages.json) is
translated through the same catalogs (`say`; babel.cfg extracts it). The catalogs are
the .po files under checklist/translations, compiled in memory when the app starts: no
generated .mo file is kept in the repository or the wheel. Patient wording that belongs to a
trial (its questions, its glossary) is translated beside each text in its rules file instead
(domain/patients.py picks the language).
"""
from __future__ import annotations

import io
import json
from pathlib import Path
from urllib.parse import urlsplit

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from flask import Blueprint, current_app, redirect, request, url_for
from flask_babel import Babel, Domain, get_locale, get_translations

from ..domain.wording import MESSAGES, PLACEHOLDER

LANGUAGES = {"en": "English", "es": "Español"}
# The pages shown in the reader's language; every other page is the clinician's, in English.
TRANSLATED_BLUEPRINTS = {"patients", "language"}
TRANSLATED_ENDPOINTS = {"drafts.index", "drafts.create", "drafts.import_draft", "auth.sign_in"}
CATALOGS = Path(__file__).resolve().parent.parent / "translations"
COOKIE = "language"
A_YEAR = 365 * 24 * 3600

bp = Blueprint("language", __name__)
babel = Babel()


def init_app(app) -> None:
    babel.init_app(app, locale_selector=chosen_language)
    catalogs = compiled_catalogs()
    babel.domain_instance = CatalogDomain(catalogs)  # where Flask-Babel looks for it
    app.extensions["catalogues"] = {language: {key: catalogs[language].gettext(text) if language in catalogs else text
                                               for key, text in MESSAGES.items()} for language in LANGUAGES}
    app.jinja_env.policies["ext.i18n.trimmed"] = True  # as babel.cfg extracts them
    app.register_blueprint(bp)
    app.add_template_global(current_language)
    app.add_template_global(LANGUAGES, "languages")
    app.add_template_global(translated)
    app.add_template_global(script_words)
    app.add_template_global(say)  # a global, so that the macros imported without context have it too


def translated() -> bool:
    """Whether this page is shown in the reader's language (and offers the switch)."""
    return request.blueprint in TRANSLATED_BLUEPRINTS or request.endpoint in TRANSLATED_ENDPOINTS


def chosen_language() -> str:
    if not translated():
        return "en"
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default="en")


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale else "en"


def say(key: str, **values) -> str:
    """wording.say in the page's language (the catalogue translated once per language: a reply
    says a dozen of its messages, and gettext per message would cost more than the rest of them)."""
    text = current_app.extensions["catalogues"][current_language() if translated() else "en"][key]
    return PLACEHOLDER.sub(lambda match: str(values[match.group(1)]), text) if values else text


def plural_forms(one: str, other: str) -> list[str]:
    """[one, other]: a message's forms for a count of one and for more, in the page's language, for
    a script to choose from (extracted as a keyword: `-k plural_forms:1,2`)."""
    words = get_translations()
    return [words.ungettext(one, other, 1), words.ungettext(one, other, 2)]


def script_words() -> dict:
    """What the page's scripts say (static/checklist.js, offline.js), in the page's language, with
    %(name)s placeholders they fill; plural forms as [one, other], the two of English and Spanish."""
    words = get_translations()
    return {
        "offline_waiting": plural_forms("Offline: %(num)d answer waiting. Keep going; it will be sent when the server is back.",
                                 "Offline: %(num)d answers waiting. Keep going; they will be sent when the server is back."),
        "sending": plural_forms("Sending %(num)d saved answer…", "Sending %(num)d saved answers…"),
        "not_saved": words.ugettext("Not saved: %(why)s."),
        "why_400": words.ugettext("the page has expired; reload it and answer again"),
        "why_404": words.ugettext("this draft no longer exists (it may have been deleted on another device)"),
        "why_413": words.ugettext("the answer is too large"),
        "why_507": words.ugettext("the server's disk is full; the answer is kept here and will be sent again"),
        "why_5xx": words.ugettext("the server failed; the answer is kept here and will be sent again"),
        "why_other": words.ugettext("the server refused it (%(status)s)"),
        "refused_offline": words.ugettext("Some answers given offline were not saved: %(why)s"),
        "not_sent": plural_forms("%(num)d answer given offline could not be sent: %(why)s",
                          "%(num)d answers given offline could not be sent: %(why)s"),
        "sent_404": words.ugettext("the draft no longer exists (deleted on another device)"),
        "sent_409": words.ugettext("the draft is for another trial than this server's"),
        "sent_413": words.ugettext("too much to send at once"),
        "sent_422": words.ugettext("the server refused them"),
        "clear_waiting": plural_forms("%(num)d answer given offline has not reached the server yet and will be lost. Clear anyway?",
                               "%(num)d answers given offline have not reached the server yet and will be lost. Clear anyway?"),
        "clear_confirm": words.ugettext("Remove every checklist page kept on this device?"),
        "cleared": words.ugettext("This device is cleared"),
        "show_details": words.ugettext("Show details"),
        "hide_details": words.ugettext("Hide details"),
        # a patient's pre-screen, painted offline (templates/partials/patient_verdict.html, patient_progress.html)
        "may_not_fit": plural_forms("One answer suggests this trial may not fit: talk to your care team about it.",
                             "%(num)d answers suggest this trial may not fit: talk to your care team about them."),
        "nothing_rules_out": plural_forms("Nothing you told us rules this trial out. Your care team must check this %(num)d thing:",
                                   "Nothing you told us rules this trial out. Your care team must check these %(num)d things:"),
        "nothing_at_all": words.ugettext("Nothing you told us rules this trial out. Only the trial team can confirm that you can take part."),
        "to_answer": plural_forms("%(num)d of your questions above is still unanswered.",
                           "%(num)d of your questions above are still unanswered."),
        "also_check": words.ugettext("Your care team will also check"),
        "you_were_not_sure": words.ugettext("you were not sure"),
        "you_answered": words.ugettext("You answered: %(question)s %(answer)s"),
        "answered": words.ugettext("%(answered)d of %(total)d questions answered."),
        "all_answered": words.ugettext("You have answered every question. You can change any answer."),
        "yes": words.ugettext("Yes"), "no": words.ugettext("No"),
    }


def extract_catalogue(fileobj, keywords, comment_tags, options):
    """Babel's extractor for domain/messages.json: each message a msgid, its key as a comment."""
    for line, (key, text) in enumerate(json.load(fileobj).items(), start=2):
        yield line, None, text, [key]


def compiled_catalogs() -> dict[str, Translations]:
    """Each language's catalog, compiled from its .po file as `pybabel compile` would."""
    catalogs = {}
    for po_file in sorted(CATALOGS.glob("*/LC_MESSAGES/messages.po")):
        with po_file.open("rb") as source:
            catalog = read_po(source, locale=po_file.parts[-3])
        compiled = io.BytesIO()
        write_mo(compiled, catalog)
        compiled.seek(0)
        catalogs[po_file.parts[-3]] = Translations(compiled)
    return catalogs


class CatalogDomain(Domain):
    """Flask-Babel's domain, with the catalogs already compiled instead of read from .mo files."""

    def __init__(self, catalogs: dict[str, Translations]):
        super().__init__()
        self.cache = {(language, "messages"): catalog for language, catalog in catalogs.items()}
        self.cache.setdefault(("en", "messages"), Translations())


@bp.get("/language/<code>")
def switch(code):
    """Remember the language chosen on this device and go back to the page it was chosen on."""
    back = request.args.get("next", "")
    if not back.startswith("/") or back.startswith("//") or "\\" in back or urlsplit(back).netloc:
        back = url_for("drafts.index")
    response = redirect(back, code=303)
    if code in LANGUAGES:
        response.set_cookie(COOKIE, code, max_age=A_YEAR, samesite="Lax",
                            secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response
