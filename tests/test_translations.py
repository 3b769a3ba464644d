"""English and Spanish: every interface string and every patient text has its Spanish, the
catalogs compile cleanly, and each page speaks the language its reader chose."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from checklist.domain.rules import _words_in, load_trial
from checklist.web.language import CATALOGS, LANGUAGES
from support import ROOT, TRIALS

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "ugettext": None, "ungettext": (1, 2), "plural_forms": (1, 2)}


def source_messages() -> dict:
    """Every message the interface shows, extracted as `pybabel extract -F babel.cfg` does."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    catalog = Catalog()
    for _file, line, message, comments, context in extract_from_dir(ROOT, method_map, options_map, keywords=KEYWORDS):
        catalog.add(message, None, [(_file, line)], auto_comments=comments, context=context)
    return {message.id: message for message in catalog if message.id}


def spanish() -> Catalog:
    with (CATALOGS / "es" / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        return read_po(po_file, locale="es", abort_invalid=True)


def test_every_interface_string_has_a_spanish_translation():
    catalog = spanish()
    missing = []
    for msgid in source_messages():
        message = catalog.get(msgid if isinstance(msgid, str) else msgid[0])
        strings = message.string if message else None
        if not message or message.fuzzy or not (all(strings) if isinstance(strings, tuple) else strings):
            missing.append(msgid)
    assert not missing, f"{len(missing)} without Spanish (run pybabel update; README, 'Translations'): {missing[:5]}"


def test_the_spanish_catalog_holds_no_message_the_interface_no_longer_shows():
    shown = {msgid if isinstance(msgid, str) else msgid[0] for msgid in source_messages()}
    stale = [message.id for message in spanish() if message.id and
             (message.id if isinstance(message.id, str) else message.id[0]) not in shown]
    assert not stale


def test_the_catalogs_compile_without_warnings():
    for po_path in sorted(CATALOGS.glob("*/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, abort_invalid=True)
        problems = [(message.id, errors) for message, errors in catalog.check()]
        assert not problems, f"{po_path}: {problems}"
        assert not [message.id for message in catalog if message.fuzzy and message.id]
        write_mo(io.BytesIO(), catalog)


def test_every_patient_text_of_every_rules_file_is_in_every_language_the_app_speaks():
    for rules_file, _vignettes in TRIALS.values():
        trial = load_trial(rules_file)
        if not trial.offers_patients:
            continue
        assert set(trial.rules["patient"]["languages"]) == set(LANGUAGES)
        blocks = [trial.rules["patient"]] + [section.get("patient", {}) for section in trial.rules["sections"]]
        blocks += [question["patient"] for question in trial.questions.values()]
        blocks += [criterion["patient"] for criterion in trial.criteria]
        texts = [words for block in blocks for _path, words in _words_in(block, "")]
        assert len(texts) > 100
        for words in texts:
            assert set(words) == set(LANGUAGES) and all(text.strip() for text in words.values()), words


def test_the_rules_check_names_a_missing_translation(tmp_path, trial):
    import copy
    import json
    import shutil

    from checklist.domain.rules import RulesFileError
    shutil.copytree(Path(TRIALS["helio-rt"][0]).parent / "helio-rt", tmp_path / "helio-rt")
    rules = copy.deepcopy(trial.rules)
    del rules["questions"]["weight"]["patient"]["text"]["es"]
    (tmp_path / "rules.json").write_text(json.dumps(rules), encoding="utf-8")
    with pytest.raises(RulesFileError, match="questions/weight/patient/text: no 'es' text"):
        load_trial(tmp_path / "rules.json")


# Which language a page is in ---------------------------------------------------------------

def test_the_browsers_language_chooses_spanish(client):
    page = client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}).text
    assert '<html lang="es">' in page and "Soy paciente" in page


def test_english_is_the_default(client):
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "fr-FR"}).text


def test_the_language_chosen_is_remembered_on_the_device_over_the_browsers(client):
    reply = client.get("/language/es?next=/")
    assert reply.status_code == 303 and reply.location == "/"
    assert "language=es" in reply.headers["Set-Cookie"] and "Max-Age=31536000" in reply.headers["Set-Cookie"]
    assert '<html lang="es">' in client.get("/", headers={"Accept-Language": "en-US"}).text


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", "/\\evil.example"])
def test_the_language_switch_goes_back_only_to_a_page_of_this_site(client, target):
    location = client.get("/language/es", query_string={"next": target}).location
    assert location == "/"


def test_an_unknown_language_changes_nothing(client):
    assert "Set-Cookie" not in client.get("/language/xx?next=/").headers


def test_every_translated_page_offers_the_switch(client, actions):
    assert 'hreflang="es"' in client.get("/").text


def test_the_clinicians_checklist_stays_in_english(client, actions):
    client.set_cookie("language", "es")
    page = client.get(actions.new_draft()).text
    assert '<html lang="en">' in page and "Eligibility checklist" in page and 'hreflang="es"' not in page


def test_the_spanish_patient_pages_show_no_english_interface_string(client):
    """Each English message whose Spanish differs is absent from the Spanish pages: nothing was left untranslated."""
    catalog = spanish()
    english = [message.id for message in catalog if isinstance(message.id, str) and len(message.id) > 3
               and message.string != message.id and re.search(r"[a-z]{3}", message.id)]
    client.set_cookie("language", "es")
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/").text).group(1)
    url = client.post("/patient", data={"csrf_token": token}).location
    client.post(f"{url}/answers", data={"prior_liver_transplant": "true"}, headers={"X-CSRFToken": token})
    for page in (client.get("/").text, client.get(url).text, client.get(f"{url}/sheet").text):
        text = re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", " ", page, flags=re.DOTALL))
        text = re.sub(r"\s+", " ", text)
        left = [msgid for msgid in english if "%" not in msgid and "{" not in msgid
                and re.search(rf"(?<!\w){re.escape(msgid)}(?!\w)", text)]
        assert not left, left
