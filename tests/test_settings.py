"""Site settings without Python: defaults < settings.toml < CHECKLIST_* < serve flags, checked at start."""
from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
import urllib.request

import pytest

from checklist import create_app
from checklist.cli import main, name_the_site
from checklist.documents.signing import load_site_key
from checklist.settings import DEFAULTS, SettingsError, load
from checklist.web import summary
from support import ROOT, Actions, free_port


@pytest.fixture(autouse=True)
def no_settings_in_the_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith("CHECKLIST_"):
            monkeypatch.delenv(name)


def write_settings(folder, text: str):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "settings.toml").write_text(text, encoding="utf-8")


def test_without_any_source_the_defaults_apply(tmp_path):
    assert load(tmp_path, {}) == DEFAULTS


def test_the_settings_file_beats_the_defaults(tmp_path):
    write_settings(tmp_path, 'unit_system = "si"\npaper_size = "Letter"\nretention_days = 90\n')
    assert load(tmp_path, {}) == DEFAULTS | {"UNIT_SYSTEM": "si", "PAPER_SIZE": "Letter", "RETENTION_DAYS": 90}


def test_the_environment_beats_the_settings_file(tmp_path, monkeypatch):
    write_settings(tmp_path, 'unit_system = "si"\nretention_days = 90\n')
    monkeypatch.setenv("CHECKLIST_UNIT_SYSTEM", "conventional")
    monkeypatch.setenv("CHECKLIST_RETENTION_DAYS", "7")
    assert load(tmp_path, {})["UNIT_SYSTEM"] == "conventional"
    assert load(tmp_path, {})["RETENTION_DAYS"] == 7


def test_flags_beat_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CHECKLIST_PAPER_SIZE", "Letter")
    assert load(tmp_path, {"PAPER_SIZE": "A4"})["PAPER_SIZE"] == "A4"


def test_a_bad_value_names_the_setting_and_where_it_was_set(tmp_path, monkeypatch):
    write_settings(tmp_path, 'paper_size = "A5"\n')
    with pytest.raises(SettingsError, match=r"PAPER_SIZE \(paper_size in .*settings.toml\) must be A4 or Letter"):
        load(tmp_path, {})
    monkeypatch.setenv("CHECKLIST_UNIT_SYSTEM", "metric")
    with pytest.raises(SettingsError, match=r"UNIT_SYSTEM \(CHECKLIST_UNIT_SYSTEM\) must be conventional or si"):
        load(tmp_path / "elsewhere", {})


def test_an_unknown_key_in_the_settings_file_is_refused_with_the_known_ones(tmp_path):
    write_settings(tmp_path, 'units = "si"\n')
    with pytest.raises(SettingsError, match="unknown setting units; the settings are unit_system, paper_size"):
        load(tmp_path, {})


def test_a_settings_file_that_is_not_toml_is_refused(tmp_path):
    write_settings(tmp_path, "unit_system = si\n")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load(tmp_path, {})


@pytest.mark.parametrize("zone, valid", [("Europe/Paris", True), ("America/New_York", True),
                                         ("UTC", True), ("Mars/Base", False), ("../etc/passwd", False)])
def test_the_time_zone_must_be_an_iana_name(tmp_path, monkeypatch, zone, valid):
    monkeypatch.setenv("CHECKLIST_TIME_ZONE", zone)
    if valid:
        assert load(tmp_path, {})["TIME_ZONE"] == zone
    else:
        with pytest.raises(SettingsError, match="TIME_ZONE .* must be an IANA time zone name"):
            load(tmp_path, {})


@pytest.mark.parametrize("days", ["0", "-3", "2.5", "thirty"])
def test_retention_is_a_whole_number_of_days(tmp_path, monkeypatch, days):
    monkeypatch.setenv("CHECKLIST_RETENTION_DAYS", days)
    with pytest.raises(SettingsError, match="RETENTION_DAYS .* must be a whole number of days"):
        load(tmp_path, {})


def test_retention_never_keeps_drafts_forever(tmp_path):
    write_settings(tmp_path, 'retention_days = "never"\n')
    assert load(tmp_path, {})["RETENTION_DAYS"] is None


def test_other_checklist_variables_stay_out_of_the_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("CHECKLIST_P12_PASSWORD", "1234")
    app = create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": "test"})
    assert "P12_PASSWORD" not in app.config


def test_the_app_refuses_to_start_on_a_bad_setting(tmp_path):
    with pytest.raises(SettingsError, match="UNIT_SYSTEM"):
        create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": "test", "UNIT_SYSTEM": "metric"})


def test_the_app_reads_the_settings_file_in_its_data_folder(tmp_path):
    write_settings(tmp_path, 'unit_system = "si"\n')
    client = create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": "test"}).test_client()
    page = client.get(Actions(client).new_draft()).text
    assert re.search(r'name="total_bilirubin_unit".*?<option value="umol/L" selected>', page, re.S)


# `checklist serve`, really started ------------------------------------------------------------

def serve(data, *flags, **environment):
    """`checklist serve` on a free port with standard input not a terminal: (process, url)."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "checklist", "serve", "--port", str(port), "--data", str(data),
                                *flags], env={**os.environ, "PYTHONPATH": str(ROOT), **environment},
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while process.poll() is None:
        try:
            urllib.request.urlopen(url + "/ping", timeout=1).close()
            return process, url
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("checklist serve did not start") from None
            time.sleep(0.1)
    return process, url


def stop(process) -> str:
    """Stop the server; its standard error."""
    process.terminate()
    return process.communicate(timeout=10)[1]


def test_serve_applies_the_settings_file_and_its_flags_beat_it(tmp_path):
    data = tmp_path / "data"
    write_settings(data, 'unit_system = "conventional"\nsite_name = "Hôpital Nord"\n')
    process, url = serve(data, "--units", "si")
    try:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        start = opener.open(url + "/", timeout=5).read().decode()
        token = re.search(r'name="csrf-token" content="([^"]+)"', start).group(1)
        request = urllib.request.Request(url + "/drafts", data=f"csrf_token={token}".encode(), method="POST")
        page = opener.open(request, timeout=5).read().decode()
    finally:
        stop(process)
    assert re.search(r'name="total_bilirubin_unit".*?<option value="umol/L" selected>', page, re.S)
    shown = subprocess.run([sys.executable, "-m", "checklist", "keys", "show", "--data", str(data)],
                           capture_output=True, text=True, check=True).stdout
    assert "Signer: Hôpital Nord eligibility summaries" in shown


@pytest.mark.parametrize("flags, environment, named", [
    (["--time-zone", "Mars/Base"], {}, "argument --time-zone: must be an IANA time zone name"),
    ([], {"CHECKLIST_RETENTION_DAYS": "0"}, "setting RETENTION_DAYS (CHECKLIST_RETENTION_DAYS) must be"),
])
def test_serve_exits_2_naming_a_bad_setting_without_a_traceback(tmp_path, flags, environment, named):
    process, _url = serve(tmp_path / "data", *flags, **environment)
    error = process.communicate(timeout=10)[1]
    assert process.returncode == 2
    assert named in error
    assert "Traceback" not in error


def test_the_first_serve_without_a_site_name_signs_as_this_computer_and_says_how_to_rename(tmp_path):
    data = tmp_path / "data"
    process, _url = serve(data)
    error = stop(process)
    assert "no site name set" in error and "checklist keys init --force --site NAME" in error
    shown = subprocess.run([sys.executable, "-m", "checklist", "keys", "show", "--data", str(data)],
                           capture_output=True, text=True, check=True).stdout
    assert "Signer: " in shown


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_first_serve_on_a_terminal_asks_for_the_site_name(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "stdin", Terminal("Hôpital Nord\n"))
    app = create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": "test"})
    with app.app_context():
        name_the_site(app)
        summary.site_key()
    assert load_site_key(tmp_path).subject == "Hôpital Nord eligibility summaries"


# `checklist keys init --force` ----------------------------------------------------------------

def fingerprint(capsys) -> str:
    return re.search(r"fingerprint: (\S+)", capsys.readouterr().out).group(1)


def test_keys_init_force_replaces_the_key_and_warns_with_both_fingerprints(tmp_path, capsys):
    assert main(["keys", "init", "--data", str(tmp_path), "--site", "Old name"]) == 0
    old = fingerprint(capsys)
    assert main(["keys", "init", "--force", "--data", str(tmp_path), "--site", "Hôpital Nord"]) == 0
    output = capsys.readouterr()
    new = re.search(r"fingerprint: (\S+)", output.out).group(1)
    assert new != old
    assert "WARNING" in output.err and old in output.err
    assert "Summaries signed before keep verifying against the old certificate" in output.err
    main(["keys", "show", "--data", str(tmp_path)])
    assert "Hôpital Nord eligibility summaries" in capsys.readouterr().out


def test_keys_init_without_force_still_refuses_to_replace_a_key_and_names_force(tmp_path, capsys):
    main(["keys", "init", "--data", str(tmp_path)])
    capsys.readouterr()
    assert main(["keys", "init", "--data", str(tmp_path)]) == 2
    assert "--force" in capsys.readouterr().err
