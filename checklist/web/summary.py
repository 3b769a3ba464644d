"""The summary a patient takes to the appointment: a print-friendly page, the signed PDF of that
same page, and /verify, where a physician checks a summary they were given.

One template serves the preview and the PDF, so what the preview shows is what gets signed.
Exporting changes nothing saved (a GET); the signing key is made on first use.
"""
from __future__ import annotations

import datetime as dt
import json

import segno
from flask import Blueprint, current_app, make_response, render_template, request, url_for
from flask_babel import force_locale
from markupsafe import Markup

from ..documents import drawing, signing
from ..domain.wording import derived_words, entry_words
from ..domain.calculators import inputs_of
from ..domain.engine import Context
from ..domain.view import calculated_text, counted_facts, verdict_view
from ..persistence.storage import parse_time
from .answering import assess_draft, confirmed_facts, current_trial, today, who
from .clinician import response_of, signature_url
from .forms import RECORD_FIELDS
from .store import get_draft, get_store
from .times import local_time

bp = Blueprint("summary", __name__)
SIGNING_REASON = "Eligibility pre-screening summary, unchanged since export"


@bp.get("/drafts/<draft_id>/summary")
def preview(draft_id):
    """The summary exactly as it will be signed, printable from the browser, with the export link."""
    draft = get_draft(draft_id)
    return render_template("summary.html", preview=True, stylesheet=url_for("static", filename="print.css"),
                           signature_url=signature_url(draft), **summary_view(draft, site_key(), today()))


@bp.get("/drafts/<draft_id>/summary.pdf")
def signed_pdf(draft_id):
    """The signed PDF summary of the saved answers. The export is recorded in the draft's history
    with the assessment date it used (the day itself when none was given), so the draft says which
    date its summary was judged on."""
    draft, day = get_draft(draft_id), today()
    try:
        content = signed_summary(draft, day)
    except RendererMissing as problem:
        return str(problem), 503, {"Content-Type": "text/plain; charset=utf-8"}
    except SummaryTooLong as problem:
        return (f"The summary cannot be exported: {problem}. Shorten the notes or record fields and try "
                "again; nothing was changed.", 422, {"Content-Type": "text/plain; charset=utf-8"})
    get_store().record_event(draft_id, exported_event(draft, day), by=who())
    response = make_response(content)
    response.headers["Content-Type"] = "application/pdf"
    # No patient name in the file name: it ends up in download folders and mail attachments.
    response.headers["Content-Disposition"] = f'attachment; filename="eligibility-summary-{draft_id[:8]}.pdf"'
    return response


@bp.route("/verify", methods=["GET", "POST"])
def verify():
    """Check a signed summary; the upload is read in memory and never stored."""
    result, status, own = None, 200, site_fingerprint()
    if request.method == "POST":
        upload = request.files.get("summary")
        if upload is None or not upload.filename:
            result, status = signing.Verification(False, "choose a PDF file to check"), 422
        else:
            result = signing.verify_pdf(upload.read(), site=signing.load_site_key(current_app.config["DATA_DIR"]))
    return render_template("verify.html", result=result, site_fingerprint=own), status


def exported_event(draft: dict, day) -> str:
    given = draft["answers"].get("assessment_date")
    return (f"Signed summary exported, assessment date {given}" if given else
            f"Signed summary exported, assessment date {day.isoformat()} (none given: the day of export)")


def signed_summary(draft: dict, day) -> bytes:
    """The summary of a draft, judged on `day`, as a PDF signed with the site's key."""
    key = site_key()
    return signing.sign_pdf(summary_pdf(draft, key, day), key, reason=SIGNING_REASON, location=site_name())


class SummaryTooLong(ValueError):
    """The summary would run to more pages than a summary ever should."""


class RendererMissing(RuntimeError):
    """WeasyPrint's native libraries (Pango) are not installed on this machine."""


def renderer():
    """The PDF module, imported on first use: the checklist itself runs without WeasyPrint's
    native libraries (a Windows laptop without the GTK runtime), only the export needs them."""
    try:
        from ..documents import pdf
    except (OSError, ImportError) as problem:
        raise RendererMissing("The signed PDF needs WeasyPrint's libraries (Pango), which this machine "
                              f"lacks ({problem}). See README.md, 'Dependencies, and why'.") from None
    return pdf


def summary_pdf(draft: dict, key: signing.SiteKey, day) -> bytes:
    """The summary of a draft as a PDF, not yet signed."""
    pdf = renderer()
    images = {"signature.png": drawing.stored_png(draft["signature"])} if draft.get("signature") else {}
    html = render_template("summary.html", preview=False, stylesheet=pdf.asset_url("print.css"),
                           signature_url=pdf.image_url("signature.png") if images else None,
                           **summary_view(draft, key, day))
    try:
        return pdf.render_pdf(html, images=images, files=machine_readable(draft, day))
    except pdf.TooManyPages as problem:
        raise SummaryTooLong(str(problem)) from None


def machine_readable(draft: dict, day) -> dict:
    """The files a summary carries inside its signature, for the receiving team to load without
    retyping: the answers as a FHIR QuestionnaireResponse and the evaluation document."""
    _facts, evaluation = assess_draft(draft, day)
    return {"questionnaire-response.json": (_json_file(response_of(draft)),
                                            "The answers as a FHIR R4 QuestionnaireResponse"),
            "evaluation.json": (_json_file(evaluation), "The evaluation document of these answers")}


def _json_file(document) -> bytes:
    return json.dumps(document, indent=2, ensure_ascii=False).encode()


def site_name() -> str:
    """Who signs: the SITE_NAME setting, else this computer's name."""
    return current_app.config.get("SITE_NAME") or signing.default_site_name()


def site_key() -> signing.SiteKey:
    return signing.site_key(current_app.config["DATA_DIR"], site_name())


def site_fingerprint() -> str:
    key = signing.load_site_key(current_app.config["DATA_DIR"])
    return key.fingerprint if key else ""


def paper_size() -> str:
    return current_app.config["PAPER_SIZE"]  # checked at start (settings.py)


def summary_view(draft: dict, key: signing.SiteKey, day) -> dict:
    """Everything the summary shows, as plain data for the template: page 1 (identifiers, verdict,
    what fails or is open and why, key values, what is missing, the attestation), the criteria
    table, and the appendix (the protocol's sentences, how values were calculated)."""
    trial = current_trial()
    facts, evaluation = assess_draft(draft, day)
    exported = dt.datetime.now(dt.timezone.utc).isoformat()
    verdict = verdict_view(trial, evaluation, draft["answers"])
    return {
        "draft": draft,
        "record": record_of(draft),
        "birth_date": birth_date(trial, draft["answers"]),
        "evaluation": evaluation,
        "assessment_date_given": "assessment_date" in draft["answers"],
        "verdict": verdict,
        "steps": [{"title": step["title"], "status": evaluation["steps"][step["id"]],
                   "criteria": [criterion for criterion in evaluation["criteria"] if criterion["step"] == step["id"]]}
                  for step in trial.rules["steps"]],
        "key_values": key_values(trial, facts, evaluation, draft["answers"],
                                 confirmed_facts(draft.get("confirmed", {}), draft["answers"])),
        "sources": calculation_sources(trial, evaluation),
        "drawn": drawn_signature(draft),
        "started": local_time(draft["created"]),
        "changed": local_time(draft["updated"]),
        "exported": local_time(exported),
        "qr_code": qr_code(key.fingerprint, evaluation["rules_version"], draft["id"], exported),
        "signer": key.subject,
        "fingerprint": key.fingerprint,
        "paper": paper_size().lower(),
        "for_patient": for_patient(draft, verdict),
    }


def for_patient(draft: dict, verdict: dict) -> Markup:
    """The paragraph for the patient, in the language of the patient's own pre-screen (the rest
    of the summary is the clinician's, in English)."""
    language = draft.get("patient_path", {}).get("language", "en")
    with force_locale(language):
        return Markup(render_template("partials/for_patient.html", verdict=verdict, language=language))


def birth_date(trial, answers: dict) -> str:
    """The patient's date of birth as answered: the input of an age calculation, if the trial has one."""
    for spec in trial.derived.values():
        if spec["calculator"] == "age_in_years":
            return str(answers.get(inputs_of(spec)[0], ""))
    return ""


def key_values(trial, facts: dict, evaluation: dict, answers: dict, confirmed=frozenset()) -> list[tuple[str, str]]:
    """(label, value) of what a physician checks first: every measured value a criterion that
    applies read, as entered (its unit), and every calculated number or class, with its parts;
    worked out as the evaluation was (with the values a clinician confirmed)."""
    context = Context(trial, facts, dt.date.fromisoformat(evaluation["assessment_date"]), confirmed=confirmed)
    counted = counted_facts(evaluation)
    rows = []
    for fact in trial.order:
        question = trial.questions[fact]
        if question["type"] not in MEASURED:
            continue
        calculated = calculated_text(trial, context, fact) if fact in trial.derived else ""
        if calculated:
            rows.append((question["label"], f"{calculated} (calculated)"))
        elif fact in answers and fact in counted:
            rows.append((question["label"], entry_words(question, answers[fact])))
    for name, spec in trial.derived.items():
        value = context.value(name)
        if name not in trial.questions and not context.is_open(value) and not isinstance(value, bool):
            rows.append((spec.get("label", name), derived_words(trial, name, value)))
    return rows


MEASURED = {"quantity", "number", "integer"}


def calculation_sources(trial, evaluation: dict) -> list[tuple[str, str]]:
    """(label, source) of each calculated value whose published method the rules cite."""
    return [(trial.questions[name]["label"], trial.questions[name]["source"]) for name in evaluation["derived"]
            if trial.questions.get(name, {}).get("source")]


def qr_code(fingerprint: str, rules_version: str, draft_id: str, exported: str) -> Markup:
    """An inline SVG QR code (segno) of what ties a printed copy to its signed file: the certificate's
    fingerprint, which `checklist verify` and /verify print, the rules version, the draft and the time."""
    text = (f"Eligibility summary\ncertificate SHA-256 {fingerprint.replace(':', '')}\n"
            f"rules sha256 {rules_version[:12]}\ndraft {draft_id[:8]}\nmade {exported}")
    svg = segno.make(text, error="m").svg_inline(scale=1.4, border=0, omitsize=False,
                                                 title="QR code: certificate fingerprint and rules version")
    return Markup(svg)


def drawn_signature(draft: dict) -> dict | None:
    """When the clinician's signature was drawn, and the last change to what it attests (answers,
    record, rules version) if one came after it; None when none is drawn."""
    if not draft.get("signature"):
        return None
    changes = [(field, parse_time(change["at"])) for field, change in draft["last_changes"].items()
               if field != "name"]
    drawn = max((at for field, at in changes if field == "signature"), default=None)
    later = max((at for field, at in changes if field != "signature" and drawn and at > drawn), default=None)
    return {"at": local_time(drawn.isoformat()) if drawn else None,
            "changed_after": local_time(later.isoformat()) if later else None}


def record_of(draft: dict) -> dict:
    """The record's fields, each cut to the length its form field allows, however it was stored."""
    return {name: str(draft["record"].get(name, ""))[:longest] for name, (_label, longest) in RECORD_FIELDS.items()}
