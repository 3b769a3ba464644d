"""Setting up a tablet for HTTPS: the site's authority certificate to trust, and a check that it worked.

`/ca.crt` is served before sign-in (a tablet needs it before it can reach the sign-in page without a
warning); it holds no secret, and the page that shows its fingerprint to compare is signed in.
"""
from __future__ import annotations

import segno
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from flask import Blueprint, abort, current_app, make_response, render_template, request
from markupsafe import Markup

from .. import tls

bp = Blueprint("tablets", __name__)

LOOPBACK = {"localhost", "127.0.0.1", "::1"}


@bp.get("/ca.crt")
def authority_certificate():
    authority = tls.load_authority(current_app.config["DATA_DIR"])
    if authority is None:
        abort(404, description="This server does not serve HTTPS, so there is no certificate to trust.")
    response = make_response(authority.public_bytes(serialization.Encoding.PEM))
    response.headers["Content-Type"] = "application/x-x509-ca-cert"
    response.headers["Content-Disposition"] = 'attachment; filename="checklist-authority.crt"'
    return response


@bp.get("/tablets")
def set_up():
    authority = tls.load_authority(current_app.config["DATA_DIR"])
    if authority is None or not current_app.config.get("HTTPS_PORT"):
        return render_template("tablets.html", serving_https=False)
    addresses = tablet_addresses()
    return render_template(
        "tablets.html", serving_https=True, addresses=addresses,
        qr=qr_code(addresses[0]) if addresses else None,
        authority_name=authority.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value,
        sha256=authority.fingerprint(hashes.SHA256()).hex(":").upper(),
        sha1=authority.fingerprint(hashes.SHA1()).hex(":").upper(),  # what Windows calls the thumbprint
        expires=authority.not_valid_after_utc.date().isoformat())


def tablet_addresses() -> list[str]:
    """The HTTPS addresses a tablet can open: the one this page came by first, then every other name
    the server's certificate covers, loopback names left out (they mean the tablet itself)."""
    port = current_app.config["HTTPS_PORT"]
    names = sorted(current_app.config.get("HOST_NAMES", ()), key=lambda name: (":" in name, name))
    current = request.host.rsplit(":", 1)[0].strip("[]").lower() if request.scheme == "https" else None
    ordered = ([current] if current and current not in LOOPBACK else []) + \
        [name for name in names if name not in LOOPBACK and name != current]
    return [f"https://{f'[{name}]' if ':' in name else name}:{port}/" for name in ordered]


def qr_code(address: str) -> Markup:
    svg = segno.make(address, error="m").svg_inline(scale=4, border=2, omitsize=False,
                                                   title=f"QR code: {address}")
    return Markup(svg)
