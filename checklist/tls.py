"""HTTPS for the clinic network with no IT department: the site's own certificate authority and the
server certificate it signs.

Browsers run service workers (the offline checklist) only on https:// or on the machine itself, and a
ward's laptop has no public name for a public authority to certify. So the first `serve --https`
makes a long-lived authority named after the site (DATA_DIR/tls/authority.pem, owner-only), which
each tablet trusts once ("Set up a tablet"), and a server certificate it signs for every name the
tablets use. The server certificate is renewed before it expires, or when a name is added, without
changing the authority, so tablets never need setting up again.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .persistence.files import private_folder, write_atomically

AUTHORITY_FILE = "authority.pem"  # the authority's private key, then its certificate
SERVER_FILE = "server.pem"  # the server's private key, then its certificate and the authority's
AUTHORITY_YEARS = 20
SERVER_DAYS = 397  # what Apple and Chrome accept for a server certificate, private authorities included
RENEW_WITHIN_DAYS = 30
AUTHORITY_KEY_BITS = 3072
SERVER_KEY_BITS = 2048

_making = threading.Lock()


@dataclass(frozen=True)
class SiteTLS:
    """Paths of the files a TLS server loads, and the authority's certificate that tablets trust."""
    server_pem: Path
    authority_certificate: x509.Certificate

    @property
    def authority_pem(self) -> bytes:
        return self.authority_certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the authority's certificate, as a tablet's certificate screen shows it."""
        return self.authority_certificate.fingerprint(hashes.SHA256()).hex(":").upper()


def tls_folder(data_dir) -> Path:
    return Path(data_dir) / "tls"


def site_tls(data_dir, site_name: str, names: list[str], now: dt.datetime | None = None) -> SiteTLS:
    """The site's authority (made on first use) and a server certificate covering `names`, made
    again when it is missing, lacks a name, or expires within RENEW_WITHIN_DAYS."""
    now = now or dt.datetime.now(dt.timezone.utc)
    folder = private_folder(tls_folder(data_dir))
    with _making:
        key, authority = _authority(folder / AUTHORITY_FILE, site_name, now)
        if _needs_renewal(folder / SERVER_FILE, names, now):
            _write_server_certificate(folder / SERVER_FILE, key, authority, names, now)
    return SiteTLS(folder / SERVER_FILE, authority)


def load_authority(data_dir) -> x509.Certificate | None:
    """The site's authority certificate, or None when HTTPS was never set up."""
    try:
        pem = (tls_folder(data_dir) / AUTHORITY_FILE).read_bytes()
    except FileNotFoundError:
        return None
    return x509.load_pem_x509_certificates(pem)[0]


def server_certificate_serial(data_dir) -> int | None:
    try:
        return x509.load_pem_x509_certificates((tls_folder(data_dir) / SERVER_FILE).read_bytes())[0].serial_number
    except (FileNotFoundError, ValueError):
        return None


def _authority(path: Path, site_name: str, now: dt.datetime):
    try:
        pem = path.read_bytes()
    except FileNotFoundError:
        return _new_authority(path, site_name, now)
    return serialization.load_pem_private_key(pem, password=None), x509.load_pem_x509_certificates(pem)[0]


def _new_authority(path: Path, site_name: str, now: dt.datetime):
    key = rsa.generate_private_key(public_exponent=65537, key_size=AUTHORITY_KEY_BITS)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{site_name} checklist authority"[:64]),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, site_name[:64])])
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * AUTHORITY_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256()))
    try:
        write_atomically(path, _key_pem(key) + certificate.public_bytes(serialization.Encoding.PEM), replace=False)
    except FileExistsError:  # another server on this data folder made it first: theirs is the site's
        return _authority(path, site_name, now)
    return key, certificate


def _needs_renewal(path: Path, names: list[str], now: dt.datetime) -> bool:
    try:
        certificate = x509.load_pem_x509_certificates(path.read_bytes())[0]
    except (FileNotFoundError, ValueError):
        return True
    covered = set(certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value)
    return (certificate.not_valid_after_utc - now < dt.timedelta(days=RENEW_WITHIN_DAYS)
            or not set(subject_alternative_names(names)) <= covered)


def _write_server_certificate(path: Path, authority_key, authority: x509.Certificate, names, now) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=SERVER_KEY_BITS)
    alternative_names = subject_alternative_names(names)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, str(alternative_names[0].value)[:64])]))
        .issuer_name(authority.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=SERVER_DAYS))
        .add_extension(x509.SubjectAlternativeName(alternative_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=True,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(authority_key.public_key()), critical=False)
        .sign(authority_key, hashes.SHA256()))
    chain = certificate.public_bytes(serialization.Encoding.PEM) + authority.public_bytes(serialization.Encoding.PEM)
    write_atomically(path, _key_pem(key) + chain)


def subject_alternative_names(names: list[str]) -> list[x509.GeneralName]:
    """Each name as the certificate carries it: an address as an IP address, else a DNS name."""
    alternatives = []
    for name in dict.fromkeys(name.strip().lower().strip("[]") for name in names if name.strip()):
        try:
            alternatives.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alternatives.append(x509.DNSName(name))
    return alternatives


def _key_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
