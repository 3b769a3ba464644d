"""Passcode sign-in in Chromium with service workers allowed (as on loopback and over HTTPS): the
service worker, manifest, icons and /ping fetched while signed out must not break sign-in."""
from __future__ import annotations

import datetime as dt
import socket
import ssl
import threading

import pytest
import waitress
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from playwright.sync_api import expect, sync_playwright

from checklist import create_app
from support import CHROMIUM, LAUNCH_ARGS

PASSCODE = "ward-7 tablet"
IDLE_LOCK_SECONDS = 3


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app under waitress on a free loopback port, with a passcode and a short idle lock. The wait
    after a wrong passcode is off: the right one, tried within a second of a wrong one from the same
    address, would be told to wait (tests/test_access.py checks that throttle)."""
    app = create_app({"DATA_DIR": str(tmp_path_factory.mktemp("data")), "PASSCODE": PASSCODE,
                      "IDLE_LOCK_SECONDS": IDLE_LOCK_SECONDS, "SIGN_IN_FAILURE_DELAY": 0})
    served = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=served.run, daemon=True).start()
    yield f"http://127.0.0.1:{served.effective_port}"
    served.close()


@pytest.fixture(scope="module")
def https_proxy(server, tmp_path_factory):
    """A small TLS-terminating proxy on 127.0.0.1 in front of `server`, with a throwaway certificate."""
    folder = tmp_path_factory.mktemp("tls")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*throwaway_certificate(folder))
    listener = socket.create_server(("127.0.0.1", 0))
    backend_port = int(server.rsplit(":", 1)[1])

    def accept():
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=relay, args=(client, context, backend_port), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield f"https://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


def throwaway_certificate(folder):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
                   .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    (folder / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    return folder / "cert.pem", folder / "key.pem"


def relay(client, context, backend_port):
    try:
        secure = context.wrap_socket(client, server_side=True)
    except (ssl.SSLError, OSError):
        client.close()
        return
    backend = socket.create_connection(("127.0.0.1", backend_port))
    threading.Thread(target=pump, args=(backend, secure), daemon=True).start()
    pump(secure, backend)


def pump(source, target):
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, target):
            try:
                end.close()
            except OSError:
                pass


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=[*LAUNCH_ARGS, "--ignore-certificate-errors"])
        yield browser
        browser.close()


@pytest.fixture(params=["loopback", "https"])
def page(request, browser, server):
    base = server if request.param == "loopback" else request.getfixturevalue("https_proxy")
    context = browser.new_context(service_workers="allow", ignore_https_errors=True, base_url=base)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, passcode):
    page.goto("/")
    page.wait_for_url("**/sign-in**")
    page.wait_for_load_state("networkidle")  # the service worker, manifest and icons are fetched now
    page.fill("#passcode", passcode)
    with page.expect_navigation():  # waiting for "load" alone can return before the form's POST begins
        page.get_by_role("button", name="Sign in").click()


def test_a_wrong_passcode_gets_the_normal_refusal(page):
    sign_in(page, "wrong guess")
    assert "That passcode is not right" in page.content()
    assert "CSRF" not in page.content()


def test_the_right_passcode_signs_in_with_service_workers_allowed(page):
    sign_in(page, PASSCODE)
    assert "/sign-in" not in page.url
    assert page.locator("button.sign-out").count() == 1


def test_sign_out_then_sign_in_again(page):
    sign_in(page, PASSCODE)
    page.click("button.sign-out")
    page.wait_for_url("**/sign-in**")
    page.goto("/")
    assert "/sign-in" in page.url
    sign_in(page, PASSCODE)
    assert "/sign-in" not in page.url


def test_an_idle_session_locks_and_sign_in_works_again(page):
    sign_in(page, PASSCODE)
    page.wait_for_timeout((IDLE_LOCK_SECONDS + 1) * 1000)  # let the idle lock pass, then come back
    page.goto("/")
    assert "/sign-in" in page.url
    sign_in(page, PASSCODE)
    assert "/sign-in" not in page.url


@pytest.fixture
def checklist_page(browser, server):
    """Signed in on loopback, on a new checklist."""
    context = browser.new_context(service_workers="allow", base_url=server)
    page = context.new_page()
    sign_in(page, PASSCODE)
    with page.expect_navigation():
        page.get_by_role("button", name="Start a new checklist").click()
    page.wait_for_load_state("networkidle")
    yield page
    context.close()


def test_the_screen_locks_after_the_idle_time_and_hides_the_checklist(checklist_page):
    page = checklist_page
    page.wait_for_timeout((IDLE_LOCK_SECONDS + 1.5) * 1000)
    assert page.locator("#lock-cover").is_visible()
    assert page.locator("main").is_hidden()
    assert page.evaluate("document.activeElement.textContent") == "Sign in to carry on"


def test_the_screen_lock_drops_the_pages_kept_on_the_device(checklist_page):
    page = checklist_page
    page.wait_for_function("caches.has('pages')")
    page.wait_for_selector("#lock-cover", state="visible", timeout=(IDLE_LOCK_SECONDS + 2) * 1000)
    page.wait_for_function("caches.has('pages').then(kept => !kept)")


def test_an_answer_given_after_the_server_locked_is_kept_and_saved_after_sign_in(checklist_page):
    page = checklist_page
    draft = page.url
    for _ in range(2 * IDLE_LOCK_SECONDS + 2):  # reading and scrolling: no request reaches the server
        page.mouse.wheel(0, 10)
        page.wait_for_timeout(500)
    assert page.locator("#lock-cover").is_hidden()
    page.locator("#q-prior_or_concurrent_malignancy").get_by_label("No").check()
    page.wait_for_selector("#lock-cover", state="visible")
    assert page.locator("main").is_hidden()
    page.wait_for_function("ChecklistOffline.queued().then(entries => entries.length === 1)")
    page.get_by_role("link", name="Sign in to carry on").click()
    page.wait_for_url("**/sign-in**")
    page.fill("#passcode", PASSCODE)
    with page.expect_navigation(url=draft):
        page.get_by_role("button", name="Sign in").click()
    page.wait_for_function("ChecklistOffline.queued().then(entries => entries.length === 0)")
    page.wait_for_load_state("networkidle")
    saved = page.request.get(draft + "/evaluation.json").json()
    assert saved["answers"]["prior_or_concurrent_malignancy"] is False


def test_signed_in_on_a_320px_phone_a_typed_answer_replaces_only_its_criterion_line(browser, server):
    """Service workers on, a person typing a key at a time: the panel stays, its line changes."""
    context = browser.new_context(service_workers="allow", base_url=server, viewport={"width": 320, "height": 640})
    page = context.new_page()
    sign_in(page, PASSCODE)
    page.get_by_role("button", name="Start a new checklist").click()
    page.wait_for_url("**/drafts/*")
    for value in ("150000", "160000"):
        page.evaluate("location.hash = 'q-platelets'")  # its section, as its link does on a phone
        field = page.locator("#f-platelets")
        field.fill("")
        field.press_sequentially(value, delay=150)
        field.press("Enter")
        expect(page.locator("#criterion-platelets")).to_contain_text(f"{int(value):,}")
        if value == "150000":  # the panel as the first answer left it
            page.evaluate("document.querySelector('#verdict').dataset.kept = 'yes'")
    expect(page.locator("#verdict")).to_have_attribute("data-kept", "yes")  # not swapped by the second answer
    expect(page.locator("#criterion-platelets")).to_have_class("criterion status-met")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()


def test_signed_in_on_a_320px_phone_a_typed_outcome_reaches_the_screening_log(browser, server):
    """Service workers on, the note typed a key at a time: recorded in place, then listed in /log."""
    context = browser.new_context(service_workers="allow", base_url=server, viewport={"width": 320, "height": 640})
    page = context.new_page()
    sign_in(page, PASSCODE)
    page.get_by_role("button", name="Start a new checklist").click()
    page.wait_for_url("**/drafts/*")
    outcome = page.locator("#outcome")
    outcome.get_by_label("Other", exact=True).check()
    outcome.locator("#outcome-note").press_sequentially("moved to another city", delay=100)
    outcome.get_by_role("button", name="Record outcome").click()
    expect(outcome.locator("[role=status]")).to_contain_text("Recorded. Screening number")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.goto("/log")
    expect(page.locator("table.rows")).to_contain_text("moved to another city")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()
