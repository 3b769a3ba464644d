"""The summary's signature: checked by poppler's pdfsig and by `checklist verify`, any change after
signing rejected, the site's key made, imported and kept private, and the /verify page."""
from __future__ import annotations

import datetime as dt
import io
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers

from checklist.documents import pdf, signing
from checklist.cli import main
from support import ROOT
from test_summary import RECORD, Export, pdf_text, squeezed, vignette_answers

SIGNER = "St Elsewhere oncology eligibility summaries"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return Export(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def summary(site, tmp_path_factory):
    """An exported summary, saved where a physician would keep it."""
    path = tmp_path_factory.mktemp("inbox") / "summary.pdf"
    path.write_bytes(site.pdf(site.draft(vignette_answers("01-all-criteria-met.json"), **RECORD)))
    return path


def pdfsig(path) -> str:
    """pdfsig's report. It exits 0 even when a digest does not match, so tests read what it says."""
    return subprocess.run(["pdfsig", str(path)], capture_output=True, check=True).stdout.decode()


def verify(capsys, path, *options) -> tuple[int, str]:
    """(exit status, everything printed) of `checklist verify`."""
    status = main(["verify", str(path), *options])
    printed = capsys.readouterr()
    return status, printed.out + printed.err


def changed_copy(tmp_path, content: bytes):
    path = tmp_path / "changed.pdf"
    path.write_bytes(content)
    return path


def incremental_update(document: bytes) -> bytes:
    """The document with a new title appended as an incremental update (what a PDF editor saves)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(document))
    writer.set_info(generic.DictionaryObject({generic.NameObject("/Title"): generic.TextStringObject("Altered")}))
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


# pdfsig and `checklist verify` on an exported summary ---------------------------------------------

def test_pdfsig_finds_the_summary_signed_whole_and_intact(summary):
    report = pdfsig(summary)
    assert "Signature Validation: Signature is Valid." in report
    assert "Total document signed" in report
    assert f"Signer Certificate Common Name: {SIGNER}" in report
    assert "ETSI.CAdES.detached" in report  # PAdES


def test_checklist_verify_exits_0_naming_the_signer(site, summary):
    result = subprocess.run([sys.executable, "-m", "checklist", "verify", str(summary), "--data", str(site.data)],
                            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    assert f"valid, signed by {SIGNER}, covering the whole file" in result.stdout
    assert "this site's own certificate" in result.stdout


def test_verify_reports_the_fingerprint_printed_on_the_summary(site, summary, capsys):
    status, printed = verify(capsys, summary, "--data", str(site.data))
    fingerprint = signing.load_site_key(site.data).fingerprint
    assert status == 0 and fingerprint in printed
    assert squeezed(fingerprint) in squeezed(pdf_text(summary.read_bytes()))


def test_elsewhere_verify_asks_to_compare_the_fingerprint(summary, tmp_path, capsys):
    status, printed = verify(capsys, summary, "--data", str(tmp_path))
    assert status == 0
    assert "compare it with the fingerprint the clinic publishes" in printed


def test_verify_says_the_signing_time_is_the_signers_claim(site, summary, capsys):
    status, printed = verify(capsys, summary, "--data", str(site.data))
    assert re.search(r"signing time \d{4}-\d\d-\d\d \d\d:\d\d UTC by the signer's clock", printed)


def test_the_published_fingerprint_can_be_insisted_on(site, summary, capsys):
    fingerprint = signing.load_site_key(site.data).fingerprint
    assert verify(capsys, summary, "--fingerprint", fingerprint.replace(":", "").lower())[0] == 0
    status, printed = verify(capsys, summary, "--fingerprint", "AB" * 32)
    assert status == 1 and "different certificate" in printed


# Any change after signing is rejected ------------------------------------------------------------

def test_a_byte_changed_inside_the_signed_range_is_rejected(summary, tmp_path, capsys):
    content = bytearray(summary.read_bytes())
    signed_until = int(re.search(rb"/ByteRange \[0 (\d+)", content).group(1))
    inside = content.index(b"stream\n") + 100  # in the first stream's data: the file still parses
    assert inside < signed_until
    content[inside] ^= 0x01
    altered = changed_copy(tmp_path, bytes(content))
    assert "Signature Validation: Digest Mismatch." in pdfsig(altered)
    status, printed = verify(capsys, altered)
    assert status == 1 and "changed after signing" in printed


def test_an_incremental_update_appended_after_signing_is_rejected(summary, tmp_path, capsys):
    altered = changed_copy(tmp_path, incremental_update(summary.read_bytes()))
    report = pdfsig(altered)
    assert "Signature is Valid." in report and "Not total document signed" in report  # pdfsig alone says "valid"
    status, printed = verify(capsys, altered)
    assert status == 1 and "added to the file after it was signed" in printed


def test_bytes_appended_after_the_end_are_rejected(summary, tmp_path, capsys):
    altered = changed_copy(tmp_path, summary.read_bytes() + b"\n% appended\n")
    status, printed = verify(capsys, altered)
    assert status == 1 and "added to the file after it was signed" in printed


def test_a_file_with_two_signatures_is_rejected(tmp_path, capsys):
    # A summary certifies itself against any change, so a second signature needs an uncertified file.
    document = pdf.render_pdf("<!doctype html><html lang='en'><title>t</title><p>Eligible</p></html>")
    signer = signing.create_site_key(tmp_path / "other", "Somewhere else").signer()
    for field in ("First", "Second"):
        document = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(document)),
                                    signers.PdfSignatureMetadata(field_name=field), signer=signer).getvalue()
    status, printed = verify(capsys, changed_copy(tmp_path, document))
    assert status == 1 and "2 signatures" in printed


def test_an_unsigned_pdf_is_rejected(tmp_path, capsys):
    unsigned = pdf.render_pdf("<!doctype html><html lang='en'><title>t</title><p>Eligible</p></html>")
    status, printed = verify(capsys, changed_copy(tmp_path, unsigned))
    assert status == 1 and "no signature" in printed


def test_a_file_that_is_not_a_pdf_is_rejected(tmp_path, capsys):
    status, printed = verify(capsys, changed_copy(tmp_path, b"just some text\n"))
    assert status == 1 and "not a readable PDF" in printed


def test_a_file_that_cannot_be_read_is_a_usage_error(tmp_path, capsys):
    status, printed = verify(capsys, tmp_path / "missing.pdf")
    assert status == 2 and "cannot read" in printed


# The site's key ---------------------------------------------------------------------------------

def owner_only(path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


def test_the_key_is_made_on_first_export_and_kept_owner_only(tmp_path):
    fresh = Export(tmp_path)
    keys = signing.keys_folder(tmp_path)
    assert not keys.exists()
    fresh.pdf(fresh.draft())
    assert [path.name for path in keys.iterdir()] == [signing.KEYS_FILE]
    assert owner_only(keys) and all(owner_only(path) for path in keys.iterdir())


def test_keys_init_names_the_site_and_prints_the_fingerprint_the_summary_shows(tmp_path, capsys):
    assert main(["keys", "init", "--data", str(tmp_path), "--site", "Hôpital Nord"]) == 0
    printed = capsys.readouterr().out
    key = signing.load_site_key(tmp_path)
    assert key.subject == "Hôpital Nord eligibility summaries" and key.fingerprint in printed
    assert all(owner_only(path) for path in signing.keys_folder(tmp_path).iterdir())
    fresh = Export(tmp_path)
    assert squeezed(key.fingerprint) in squeezed(pdf_text(fresh.pdf(fresh.draft())))


def test_keys_init_refuses_to_replace_a_key(tmp_path, capsys):
    main(["keys", "init", "--data", str(tmp_path)])
    before = signing.load_site_key(tmp_path)
    assert main(["keys", "init", "--data", str(tmp_path)]) == 2
    assert "already holds a signing key" in capsys.readouterr().err
    assert signing.load_site_key(tmp_path) == before


def test_a_key_made_at_the_same_time_elsewhere_never_replaces_the_first(tmp_path):
    first = signing.create_site_key(tmp_path, "First process")
    late = ec.generate_private_key(ec.SECP256R1())
    # As if a second server process had found no key a moment ago and now stores its own.
    with pytest.raises(FileExistsError):
        signing._store(tmp_path, late, [certificate("Second process", late)], replace=False)
    assert signing.load_site_key(tmp_path) == first
    assert [path.name for path in signing.keys_folder(tmp_path).iterdir()] == [signing.KEYS_FILE]


def test_keys_show_prints_the_fingerprint_or_says_there_is_none(tmp_path, capsys):
    assert main(["keys", "show", "--data", str(tmp_path)]) == 1
    assert "keys init" in capsys.readouterr().err
    main(["keys", "init", "--data", str(tmp_path)])
    capsys.readouterr()
    assert main(["keys", "show", "--data", str(tmp_path)]) == 0
    assert signing.load_site_key(tmp_path).fingerprint in capsys.readouterr().out


def certificate(name, key, issuer=None, *, ca=False, may_sign=True, days=(-1, 365)):
    """A certificate for `key`, issued by `issuer` = (name, key), else self-signed."""
    issuer_name, issuer_key = issuer or (name, key)
    now = dt.datetime.now(dt.timezone.utc)
    usage = x509.KeyUsage(digital_signature=may_sign, content_commitment=False, key_encipherment=not may_sign,
                          data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                          encipher_only=False, decipher_only=False)
    return (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now + dt.timedelta(days=days[0])).not_valid_after(now + dt.timedelta(days=days[1]))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(usage, critical=True)
            .sign(issuer_key, hashes.SHA256()))


def hospital_p12(tmp_path, password=b"s3cret", **leaf_options):
    """A PKCS#12 as a hospital's PKI would issue it: a signing key, its certificate and the CA's."""
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = certificate("Hospital CA", ca_key, ca=True)
    leaf = certificate("Oncology clinic document signing", key, ("Hospital CA", ca_key), **leaf_options)
    path = tmp_path / "clinic.p12"
    path.write_bytes(pkcs12.serialize_key_and_certificates(b"clinic", key, leaf, [ca], BestAvailableEncryption(password)))
    return path


def test_keys_import_installs_a_hospital_certificate_that_then_signs(tmp_path, capsys, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("CHECKLIST_P12_PASSWORD", "s3cret")
    assert main(["keys", "import", str(hospital_p12(tmp_path)), "--data", str(data)]) == 0
    assert "Oncology clinic document signing" in capsys.readouterr().out
    assert all(owner_only(path) for path in signing.keys_folder(data).iterdir())
    hospital = Export(data)
    path = changed_copy(tmp_path, hospital.pdf(hospital.draft()))
    assert "Signature is Valid." in pdfsig(path)
    status, printed = verify(capsys, path, "--data", str(data))
    assert status == 0 and "signed by Oncology clinic document signing" in printed


def test_keys_import_with_a_wrong_password_changes_nothing(tmp_path, capsys, monkeypatch):
    main(["keys", "init", "--data", str(tmp_path)])
    before = signing.load_site_key(tmp_path)
    monkeypatch.setenv("CHECKLIST_P12_PASSWORD", "wrong")
    assert main(["keys", "import", str(hospital_p12(tmp_path)), "--data", str(tmp_path)]) == 2
    assert "password is wrong" in capsys.readouterr().err
    assert signing.load_site_key(tmp_path) == before


@pytest.mark.parametrize("options, message", [
    ({"days": (-400, -1)}, "expired"),
    ({"may_sign": False}, "does not allow digital signatures"),
])
def test_keys_import_refuses_a_certificate_that_cannot_sign_summaries(tmp_path, monkeypatch, capsys, options, message):
    monkeypatch.setenv("CHECKLIST_P12_PASSWORD", "s3cret")
    assert main(["keys", "import", str(hospital_p12(tmp_path, **options)), "--data", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err
    assert signing.load_site_key(tmp_path) is None


def test_keys_import_refuses_a_key_that_is_not_the_certificates(tmp_path, monkeypatch):
    # No ordinary tool writes such a file (they check), so the reader is made to return one.
    key, stranger = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    monkeypatch.setattr(signing.pkcs12, "load_key_and_certificates",
                        lambda data, password: (key, certificate("x", stranger), []))
    with pytest.raises(signing.SigningKeyError, match="does not belong to its certificate"):
        signing.import_pkcs12(tmp_path, b"", None)
    assert signing.load_site_key(tmp_path) is None


def test_the_p12_password_is_never_a_command_line_argument(tmp_path):
    with pytest.raises(SystemExit):
        main(["keys", "import", str(tmp_path / "x.p12"), "--password", "s3cret"])


# The /verify page -------------------------------------------------------------------------------

def upload(site, content: bytes):
    return site.client.post("/verify", data={"csrf_token": site.actions.token,
                                             "summary": (io.BytesIO(content), "summary.pdf")},
                            content_type="multipart/form-data")


def test_the_verify_page_shows_who_signed_when_and_that_it_is_intact(site, summary):
    page = upload(site, summary.read_bytes()).text
    assert "Signature valid: unchanged since signing" in page
    assert SIGNER in page and "This site's own signing certificate" in page
    assert signing.load_site_key(site.data).fingerprint in page
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC \(the signer's own clock", page)


def test_the_verify_page_rejects_a_changed_summary_and_says_why(site, summary):
    response = upload(site, incremental_update(summary.read_bytes()))
    assert "Not valid" in response.text and "added to the file after it was signed" in response.text


def test_the_verify_page_keeps_nothing_of_what_is_uploaded(site, summary):
    before = sorted(path for path in site.data.rglob("*"))
    upload(site, summary.read_bytes())
    upload(site, b"not a pdf")
    assert sorted(path for path in site.data.rglob("*")) == before


def test_the_verify_page_asks_for_a_file(site):
    response = site.client.post("/verify", data={"csrf_token": site.actions.token})
    assert response.status_code == 422 and "Choose a PDF file" in response.text


def test_the_verify_page_needs_the_csrf_token_like_every_post(site, summary):
    response = site.client.post("/verify", data={"summary": (io.BytesIO(summary.read_bytes()), "s.pdf")},
                                content_type="multipart/form-data")
    assert response.status_code == 400



def forged(tmp_path) -> Path:
    """A PDF signed with a self-made certificate bearing the site's very name (anyone can make one)."""
    forger = signing.create_site_key(tmp_path / "forger", "St Elsewhere oncology")
    document = pdf.render_pdf("<!doctype html><html lang='en'><title>Summary</title><p>Eligible.</p></html>")
    path = tmp_path / "forged.pdf"
    path.write_bytes(signing.sign_pdf(document, forger, reason="forged", location="St Elsewhere oncology"))
    return path


def test_a_summary_signed_by_a_certificate_named_like_the_site_is_a_forgery_where_the_site_is_known(
        site, tmp_path, capsys):
    status, printed = verify(capsys, forged(tmp_path), "--data", str(site.data))
    assert status == 1
    assert "NOT VALID" in printed and "not this site's" in printed


def test_the_verify_page_calls_a_certificate_named_like_the_site_a_forgery(site, tmp_path):
    page = site.client.get("/verify").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = site.client.post("/verify", data={"csrf_token": token,
                                                 "summary": (io.BytesIO(forged(tmp_path).read_bytes()), "s.pdf")})
    assert response.status_code == 200 and "Not valid" in response.text
    assert "claims to be signed by this site" in response.text


def test_verify_never_prints_a_traceback_for_a_damaged_file(summary, tmp_path, site):
    content = summary.read_bytes()
    damaged = content[:len(content) // 2] + b"\x00garbage" + content[len(content) // 2 + 9:]
    for path in (changed_copy(tmp_path, damaged), changed_copy(tmp_path, b"%PDF-1.7 not really")):
        result = subprocess.run([sys.executable, "-m", "checklist", "verify", str(path), "--data", str(site.data)],
                                capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert result.returncode == 1
        assert "Traceback" not in result.stderr and len(result.stderr) < 2000, result.stderr[:3000]
