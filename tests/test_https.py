"""`checklist serve --https`: the site's own certificate authority, the server certificate it signs,
TLS 1.2 or later, names that agree with the rebinding defence, and a tablet's set-up page."""
from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import os
import socket
import ssl
import subprocess
import sys
import urllib.request
import warnings
from dataclasses import dataclass
from email.message import Message

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID

from checklist import create_app, tls
from support import ROOT, LiveServer, free_port

NAMES = ["localhost", "127.0.0.1", "::1", "clinic.test"]
PASSCODE = "ward-7 tablet"


class HttpsServer(LiveServer):
    """`checklist serve --https` on loopback; its client trusts only the site's authority."""

    def __init__(self, data, *arguments):
        super().__init__(data, "--https", "--name", "clinic.test", *arguments)
        self.url = f"https://127.0.0.1:{self.port}"

    def context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.data / "tls" / tls.AUTHORITY_FILE))

    def ping(self) -> None:
        urllib.request.urlopen(self.url + "/ping", timeout=1, context=self.context()).close()

    def get(self, path: str, name: str = "127.0.0.1", context: ssl.SSLContext | None = None) -> Reply:
        """GET over TLS from 127.0.0.1 as if `name` resolved to it."""
        connection = MappedConnection(name, self.port, context or self.context())
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return Reply(response.status, response.headers, response.read())
        finally:
            connection.close()


@dataclass
class Reply:
    status: int
    headers: Message
    body: bytes


class MappedConnection(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1 under another name: the TLS name check and the Host header both say `name`."""

    def __init__(self, name: str, port: int, context: ssl.SSLContext):
        super().__init__(name, port, timeout=5, context=context)

    def connect(self):
        plain = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        self.sock = self._context.wrap_socket(plain, server_hostname=self.host)


@pytest.fixture(scope="module")
def https_server(tmp_path_factory):
    live = HttpsServer(tmp_path_factory.mktemp("data"))
    live.start()
    yield live
    live.stop()


def certificates(pem_path):
    return x509.load_pem_x509_certificates(pem_path.read_bytes())


# The certificates --------------------------------------------------------------------------------

def test_the_authority_is_a_long_lived_authority_named_after_the_site(tmp_path):
    site = tls.site_tls(tmp_path, "Ward 7", NAMES)
    authority = site.authority_certificate
    constraints = authority.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert constraints.ca and constraints.path_length == 0
    assert authority.public_key().key_size >= 3072
    assert authority.not_valid_after_utc - authority.not_valid_before_utc > dt.timedelta(days=365 * 19)
    assert "Ward 7" in authority.subject.rfc4514_string()


def test_the_authority_key_is_readable_by_its_owner_only(tmp_path):
    tls.site_tls(tmp_path, "Ward 7", NAMES)
    if os.name != "nt":
        assert (tmp_path / "tls" / tls.AUTHORITY_FILE).stat().st_mode & 0o077 == 0
        assert (tmp_path / "tls").stat().st_mode & 0o077 == 0


def test_the_server_certificate_covers_every_name_and_is_signed_by_the_authority(tmp_path):
    site = tls.site_tls(tmp_path, "Ward 7", NAMES)
    server, chained = certificates(site.server_pem)
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(names.get_values_for_type(x509.DNSName)) == {"localhost", "clinic.test"}
    assert set(names.get_values_for_type(x509.IPAddress)) == {ipaddress.ip_address("127.0.0.1"),
                                                               ipaddress.ip_address("::1")}
    server.verify_directly_issued_by(site.authority_certificate)
    assert chained == site.authority_certificate


def test_the_server_certificate_is_one_browsers_accept(tmp_path):
    server = certificates(tls.site_tls(tmp_path, "Ward 7", NAMES).server_pem)[0]
    usage = server.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.SERVER_AUTH in usage
    assert not server.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert server.public_key().key_size >= 2048
    assert server.signature_hash_algorithm.name == "sha256"
    assert server.not_valid_after_utc - server.not_valid_before_utc <= dt.timedelta(days=398)


def test_the_server_certificate_is_renewed_before_it_expires_under_the_same_authority(tmp_path):
    first = tls.site_tls(tmp_path, "Ward 7", NAMES)
    old = certificates(first.server_pem)[0]
    later = old.not_valid_after_utc - dt.timedelta(days=tls.RENEW_WITHIN_DAYS - 1)
    again = tls.site_tls(tmp_path, "Ward 7", NAMES, now=later)
    new = certificates(again.server_pem)[0]
    assert new.serial_number != old.serial_number and new.not_valid_after_utc > old.not_valid_after_utc
    assert again.authority_certificate == first.authority_certificate


def test_a_new_name_gets_a_new_server_certificate_under_the_same_authority(tmp_path):
    first = tls.site_tls(tmp_path, "Ward 7", NAMES)
    again = tls.site_tls(tmp_path, "Ward 7", [*NAMES, "ward7.local"])
    names = certificates(again.server_pem)[0].extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "ward7.local" in names.get_values_for_type(x509.DNSName)
    assert again.authority_certificate == first.authority_certificate


def test_a_valid_server_certificate_is_kept_as_it_is(tmp_path):
    first = tls.site_tls(tmp_path, "Ward 7", NAMES).server_pem.read_bytes()
    assert tls.site_tls(tmp_path, "Ward 7", NAMES).server_pem.read_bytes() == first


# The server ----------------------------------------------------------------------------------------

def test_a_client_trusting_only_the_site_authority_reaches_it_by_address(https_server):
    assert https_server.get("/ping").status == 204


def test_a_client_trusting_only_the_site_authority_reaches_it_by_a_name_mapped_to_it(https_server):
    assert https_server.get("/ping", name="clinic.test").status == 204


def test_a_name_the_certificate_does_not_cover_fails_the_tls_check(https_server):
    with pytest.raises(ssl.SSLCertVerificationError):
        https_server.get("/ping", name="attacker.test")


def test_tls_older_than_1_2_is_refused(https_server):
    old = https_server.context()
    old.set_ciphers("DEFAULT:@SECLEVEL=0")  # a client that would still speak TLS 1.0 and 1.1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
    with pytest.raises(ssl.SSLError):
        https_server.get("/ping", context=old)


def test_the_session_cookie_is_sent_over_https_only(https_server):
    cookie = https_server.get("/").headers["Set-Cookie"]
    assert "Secure" in cookie


def test_the_authority_certificate_is_downloadable_and_is_the_sites(https_server):
    response = https_server.get("/ca.crt")
    assert response.status == 200 and response.headers["Content-Type"] == "application/x-x509-ca-cert"
    assert x509.load_pem_x509_certificate(response.body) == tls.load_authority(https_server.data)


def test_the_plain_http_port_sends_every_request_to_https(tmp_path):
    http_port = free_port()
    live = HttpsServer(tmp_path / "data", "--http-port", str(http_port))
    live.start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", http_port, timeout=5)
        connection.request("GET", "/drafts?from=tablet", headers={"Host": f"clinic.test:{http_port}"})
        response = connection.getresponse()
        response.read()
        assert response.status == 308
        assert response.getheader("Location") == f"https://clinic.test:{live.port}/drafts?from=tablet"
    finally:
        connection.close()
        live.stop()


def test_the_plain_http_port_refuses_other_names(tmp_path):
    http_port = free_port()
    live = HttpsServer(tmp_path / "data", "--http-port", str(http_port))
    live.start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", http_port, timeout=5)
        connection.request("GET", "/", headers={"Host": "attacker.test"})
        response = connection.getresponse()
        response.read()
        assert response.status == 400
    finally:
        connection.close()
        live.stop()


def test_https_is_also_a_setting_in_the_settings_file(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "settings.toml").write_text("https = true\n")
    live = LiveServer(data)
    live.url = f"https://127.0.0.1:{live.port}"
    live.ping = lambda: urllib.request.urlopen(live.url + "/ping", timeout=1, context=ssl.create_default_context(
        cafile=str(data / "tls" / tls.AUTHORITY_FILE))).close()
    live.start()
    live.stop()
    assert tls.load_authority(data) is not None


def test_an_http_port_without_https_is_refused_with_a_message(tmp_path):
    result = subprocess.run([sys.executable, "-m", "checklist", "serve", "--data", str(tmp_path), "--port", "0",
                             "--http-port", str(free_port())], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 2 and "--https" in result.stderr


# The set-up page -------------------------------------------------------------------------------------

@pytest.fixture
def https_app(tmp_path):
    """The app as `serve --https` configures it: a site authority, its port and its names."""
    tls.site_tls(tmp_path, "Ward 7", NAMES)
    return create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": "test", "HTTPS_PORT": 8443,
                       "HOST_NAMES": NAMES + ["ward7.local", "192.168.1.20"]})


def test_the_set_up_page_gives_every_network_address_with_a_qr_code(https_app):
    page = https_app.test_client().get("/tablets").text
    assert "https://ward7.local:8443/" in page and "https://192.168.1.20:8443/" in page
    assert "https://localhost:8443/" not in page
    assert "<svg" in page


def test_the_set_up_page_shows_the_fingerprints_a_tablet_shows(https_app, tmp_path):
    authority = tls.load_authority(tmp_path)
    page = https_app.test_client().get("/tablets").text
    assert authority.fingerprint(hashes.SHA256()).hex(":").upper() in page
    assert authority.fingerprint(hashes.SHA1()).hex(":").upper() in page


def test_the_set_up_page_says_how_to_serve_https_when_it_is_off(client):
    assert "checklist serve --https" in client.get("/tablets").text


def test_the_authority_certificate_is_not_found_when_https_is_off(client):
    assert client.get("/ca.crt").status_code == 404


def test_the_start_page_links_the_set_up_page(client):
    assert 'href="/tablets"' in client.get("/").text


@pytest.fixture
def passcode_app(tmp_path):
    tls.site_tls(tmp_path, "Ward 7", NAMES)
    return create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": "test", "PASSCODE": PASSCODE, "HTTPS_PORT": 8443})


def test_the_authority_certificate_is_served_before_sign_in(passcode_app):
    assert passcode_app.test_client().get("/ca.crt").status_code == 200


def test_the_set_up_page_needs_sign_in(passcode_app):
    response = passcode_app.test_client().get("/tablets")
    assert response.status_code == 303 and "/sign-in" in response.location


def test_listening_on_every_address_the_certificate_covers_this_machines_name(tmp_path, monkeypatch):
    monkeypatch.setenv("CHECKLIST_PASSCODE", PASSCODE)
    live = HttpsServer(tmp_path / "data", "--host", "0.0.0.0")
    live.start()
    live.stop()
    server = certificates(tmp_path / "data" / "tls" / tls.SERVER_FILE)[0]
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert socket.gethostname().lower() in names.get_values_for_type(x509.DNSName)


class Stop(Exception):
    """Ends keep_renewed's daily loop in a test."""


def test_a_running_server_renews_its_certificate_when_due_and_loads_it_for_new_connections(tmp_path, monkeypatch):
    from checklist import cli

    a_year_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=tls.SERVER_DAYS - 10)
    site = tls.site_tls(tmp_path, "Ward 7", NAMES, now=a_year_ago)  # 10 days left: renewal is due
    old = tls.server_certificate_serial(tmp_path)
    days = []

    def one_day_then_stop(seconds):
        if days:
            raise Stop
        days.append(seconds)

    monkeypatch.setattr(cli.time, "sleep", one_day_then_stop)
    loaded = []

    class Context:
        def load_cert_chain(self, certificate, key):
            loaded.append(certificate)

    app = type("App", (), {"config": {"DATA_DIR": str(tmp_path), "SITE_NAME": "Ward 7"}})
    with pytest.raises(Stop):
        cli.keep_renewed(Context(), app, NAMES)
    assert tls.server_certificate_serial(tmp_path) != old and loaded == [str(site.server_pem)]
