"""The site's signing key, PAdES signatures on summaries (pyHanko), and checking them.

The key and certificates live in DATA_DIR/keys/signing.pem, readable by the owner only: made on first use (or
by `checklist keys init`) as a self-signed certificate naming the site, or imported from the
hospital's PKCS#12 by `checklist keys import`.

Trust, offline: there is no certificate authority or timestamp server to ask. A summary's
signature is accepted when it is intact, covers the whole file, is the file's only signature and
its certificate was usable (validity dates, key usage). The certificate itself is taken as
presented and reported by its SHA-256 fingerprint, which the physician compares with the one the
clinic publishes; `verify` says when it is this site's own certificate, and can be told which
fingerprint to insist on.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import platform
import re
import threading
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from ..persistence.files import write_atomically

KEYS_FILE = "signing.pem"  # the private key, then the signer's certificate and any chain with it
CERTIFICATE_YEARS = 10
SIGNING_USAGES = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"})
_creating = threading.Lock()


class SigningKeyError(ValueError):
    """A key or certificate cannot be created, imported or used; the message says what to do."""


@dataclasses.dataclass(frozen=True)
class SiteKey:
    """The site's signing key and certificate chain: the contents of its PEM file."""

    contents: bytes

    @property
    def key_der(self) -> bytes:
        return next(der for kind, _headers, der in pem.unarmor(self.contents, multiple=True) if kind == "PRIVATE KEY")

    @property
    def certificates_der(self) -> list[bytes]:
        return [der for kind, _headers, der in pem.unarmor(self.contents, multiple=True) if kind == "CERTIFICATE"]

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.certificates_der[0])

    @property
    def subject(self) -> str:
        return signer_name(self.certificates_der[0])

    def signer(self) -> signers.SimpleSigner:
        # Parsed, not re-validated: it was checked when made or imported, and checking a 3072-bit
        # RSA key costs about 90 ms, which pyHanko pays again when it signs.
        certs = [asn1_x509.Certificate.load(der) for der in self.certificates_der]
        return signers.SimpleSigner(
            signing_cert=certs[0], signing_key=asn1_keys.PrivateKeyInfo.load(self.key_der),
            cert_registry=SimpleCertificateStore.from_certs(certs[1:]))


def fingerprint(der: bytes) -> str:
    """SHA-256 of a certificate (DER), as colon-separated hex pairs, the way PDF readers show it."""
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def signer_name(der: bytes) -> str:
    """A certificate's common name, with its organisation when that adds something."""
    subject = x509.load_der_x509_certificate(der).subject

    def first(oid) -> str:
        values = subject.get_attributes_for_oid(oid)
        return str(values[0].value) if values else ""

    name, organisation = first(NameOID.COMMON_NAME), first(NameOID.ORGANIZATION_NAME)
    if not name:
        return subject.rfc4514_string()
    return f"{name} ({organisation})" if organisation and organisation not in name else name


def default_site_name() -> str:
    """The signer's name when the site has not set one: this computer's name."""
    return platform.node() or "Eligibility checklist"


def keys_folder(data_dir) -> Path:
    return Path(data_dir) / "keys"


def load_site_key(data_dir) -> SiteKey | None:
    """The site's key, or None when there is none yet."""
    try:
        return SiteKey((keys_folder(data_dir) / KEYS_FILE).read_bytes())
    except FileNotFoundError:
        return None


def site_key(data_dir, site_name: str) -> SiteKey:
    """The site's key, made (self-signed, naming the site) the first time one is needed."""
    with _creating:
        try:
            return load_site_key(data_dir) or create_site_key(data_dir, site_name)
        except SigningKeyError:  # another server process on this data folder made it first
            return load_site_key(data_dir)


def create_site_key(data_dir, site_name: str, *, replace: bool = False) -> SiteKey:
    """A new RSA key and a self-signed certificate naming the site; replaces a key only if asked."""
    if not replace and load_site_key(data_dir) is not None:
        raise _already_there(data_dir)
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{site_name} eligibility summaries"[:64]),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, site_name[:64])])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * CERTIFICATE_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256()))
    try:
        return _store(data_dir, key, [certificate], replace=replace)
    except FileExistsError:
        raise _already_there(data_dir) from None


def _already_there(data_dir) -> SigningKeyError:
    return SigningKeyError(f"{keys_folder(data_dir)} already holds a signing key; summaries signed with it "
                           "would no longer match a new one. `checklist keys init --force` replaces it.")


def import_pkcs12(data_dir, data: bytes, password: bytes | None) -> SiteKey:
    """Install the key and certificate chain of a PKCS#12 file as the site's, replacing any other."""
    try:
        key, certificate, chain = pkcs12.load_key_and_certificates(data, password)
    except ValueError:
        raise SigningKeyError("cannot open it: not a PKCS#12 file, or the password is wrong") from None
    if key is None or certificate is None:
        raise SigningKeyError("it must hold both a private key and its certificate")
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise SigningKeyError("its key must be RSA or elliptic-curve")
    if key.public_key().public_numbers() != certificate.public_key().public_numbers():
        raise SigningKeyError("its private key does not belong to its certificate")
    if certificate.not_valid_after_utc <= dt.datetime.now(dt.timezone.utc):
        raise SigningKeyError(f"its certificate expired on {certificate.not_valid_after_utc:%Y-%m-%d}")
    if not _may_sign_documents(certificate):
        raise SigningKeyError("its certificate does not allow digital signatures (key usage)")
    return _store(data_dir, key, [certificate, *chain], replace=True)


def _may_sign_documents(certificate: x509.Certificate) -> bool:
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return usage.digital_signature or usage.content_commitment


def _store(data_dir, key, certificates, *, replace: bool) -> SiteKey:
    """Write key and certificates as one owner-only file, whole or not at all.

    Without `replace`, an existing file wins (FileExistsError): linking a finished file into place
    is atomic, so two processes making a key at once cannot each sign with a different one.
    """
    folder = keys_folder(data_dir)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    site = SiteKey(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())
                   + b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in certificates))
    write_atomically(folder / KEYS_FILE, site.contents, replace=replace)
    return site


def sign_pdf(pdf: bytes, site: SiteKey, *, reason: str, location: str) -> bytes:
    """The PDF with a PAdES signature that certifies it: any later change breaks the certification."""
    metadata = signers.PdfSignatureMetadata(
        field_name="Signature", md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        certify=True, docmdp_permissions=fields.MDPPerm.NO_CHANGES, reason=reason, location=location)
    # Room for the signature container, written in hex (twice its size): its certificates plus 4 KB,
    # ample for the signature value and signed attributes. Reserving it spares pyHanko a trial
    # signature to measure it.
    reserved = 2 * (4096 + sum(len(der) for der in site.certificates_der))
    output = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), metadata, signer=site.signer(),
                              bytes_reserved=reserved)
    return output.getvalue()


@dataclasses.dataclass(frozen=True)
class Verification:
    """What `verify` found: valid or not (and why), who signed, when they say, with which certificate."""

    valid: bool
    reason: str = ""
    signer: str = ""
    signed_at: dt.datetime | None = None
    fingerprint: str = ""
    site_own: bool = False

    @property
    def signing_time(self) -> str:
        """The time the signer's clock gave, in UTC, as a person reads it."""
        if self.signed_at is None:
            return "not stated"
        return f"{self.signed_at.astimezone(dt.timezone.utc):%Y-%m-%d %H:%M} UTC"


def verify_pdf(pdf: bytes, *, site: SiteKey | None = None, expected_fingerprint: str = "") -> Verification:
    """Check a summary's signature: intact, the whole file, the only one, a usable certificate.

    Where this site's own certificate is known, a certificate bearing the site's name with another
    fingerprint is a forgery (anyone can make a self-signed certificate with any name), not a
    summary signed "by" the site."""
    try:
        signatures = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    except Exception as problem:  # pyHanko raises many kinds of error on a damaged or foreign file
        return Verification(False, f"not a readable PDF ({problem})")
    if len(signatures) != 1:
        found = "no signature" if not signatures else f"{len(signatures)} signatures"
        return Verification(False, f"the file has {found}; a signed summary has exactly one")
    signature = signatures[0]
    try:
        certificate = signature.signer_cert
        status = validate_pdf_signature(signature, ValidationContext(trust_roots=[certificate]),
                                        key_usage_settings=SIGNING_USAGES)
    except Exception as problem:  # a malformed signature is a reason to reject, not to crash
        return Verification(False, f"the signature cannot be read ({problem})")
    der = certificate.dump()
    site_der = site.certificates_der[0] if site else None
    found = Verification(True, signer=signer_name(der), signed_at=status.signer_reported_dt,
                         fingerprint=fingerprint(der), site_own=der == site_der)
    reason = _rejection(status)
    if not reason and site_der and der != site_der and found.signer == signer_name(site_der):
        reason = (f"it claims to be signed by this site ({found.signer}) but its certificate is not this "
                  f"site's: fingerprint {found.fingerprint}, not {fingerprint(site_der)}")
    if not reason and expected_fingerprint and _hex_digits(expected_fingerprint) != _hex_digits(found.fingerprint):
        reason = "it was signed with a different certificate from the one expected"
    return dataclasses.replace(found, valid=False, reason=reason) if reason else found


def _rejection(status) -> str:
    """Why a signature status is not good enough, or '' when it is."""
    if not status.intact:
        return "the signed content was changed after signing (its digest no longer matches)"
    if not status.valid:
        return "the signature does not match the signed content and certificate"
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return "something was added to the file after it was signed (an incremental update)"
    if not status.trusted:
        problem = status.trust_problem_indic
        return "its certificate cannot be used for signing" + (f" ({problem.name.lower()})" if problem else "")
    if not status.bottom_line:
        return "the file was changed in a way its certification does not permit"
    return ""


def _hex_digits(fingerprint_text: str) -> str:
    return "".join(ch for ch in fingerprint_text.upper() if ch in "0123456789ABCDEF")


SAFE_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def embedded_files(pdf: bytes) -> dict[str, bytes]:
    """The files embedded in a PDF (its /EmbeddedFiles name tree), by name. Names that could
    reach outside a folder ("../x", "/etc/x") are left out: the caller writes what this returns."""
    root = PdfFileReader(io.BytesIO(pdf)).root
    names = root["/Names"] if "/Names" in root else {}
    found = {}
    for name, spec in _name_tree(names["/EmbeddedFiles"] if "/EmbeddedFiles" in names else None):
        if SAFE_FILE_NAME.fullmatch(str(name)) and "/EF" in spec:
            found[str(name)] = spec["/EF"]["/F"].data
    return found


def _name_tree(node):
    """(name, value) pairs of a PDF name tree (its /Names pairs and those of its /Kids); indexing
    a pyHanko dictionary resolves indirect objects, .get() would not."""
    if node is None:
        return
    pairs = node["/Names"] if "/Names" in node else []
    for index in range(0, len(pairs) - 1, 2):
        yield pairs[index], pairs[index + 1]
    for index in range(len(node["/Kids"]) if "/Kids" in node else 0):
        yield from _name_tree(node["/Kids"][index])
