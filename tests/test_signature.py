"""The clinician's signature drawn on the checklist page: saved as the app's own redrawing of the
PNG sent, refused whole when it is anything else, kept in the draft's export, printed in the signed
summary's attestation, and drawn with a pointer in chromium."""
from __future__ import annotations

import io
import json
import re
import struct
import subprocess
import zlib

import pytest
from PIL import Image, ImageDraw
from PIL.PngImagePlugin import PngInfo

from checklist.documents import drawing, pdf
from checklist.persistence.transfers import read_export
from test_signing import pdfsig, verify
from test_summary import Export, pdf_text, squeezed

RECORD_LIMITS = {"patient_name": 200}


def drawn_png(points=((100, 300), (250, 100), (400, 300), (550, 120), (800, 280)), size=(1000, 400),
              **chunks) -> bytes:
    """A PNG as the pad sends it: dark strokes on a transparent background, with any text chunks."""
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(image).line(points, fill=(17, 17, 17, 255), width=6)
    info = PngInfo()
    for key, value in chunks.items():
        info.add_text(key, value)
    return encoded(image, "PNG", pnginfo=info)


def encoded(image: Image.Image, kind: str, **options) -> bytes:
    output = io.BytesIO()
    image.save(output, kind, **options)
    return output.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A small PNG file whose header claims the given size (a decompression bomb's opening)."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    chunk = b"IHDR" + header
    body = zlib.compress(b"\0" * 1000)
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(header)) + chunk + struct.pack(">I", zlib.crc32(chunk))
            + struct.pack(">I", len(body)) + b"IDAT" + body + struct.pack(">I", zlib.crc32(b"IDAT" + body)))


def kept(app, draft) -> dict:
    return app.extensions["draft_store"].get(draft.rsplit("/", 1)[1])


def history_of(app, draft) -> list[dict]:
    return app.extensions["draft_store"].history(draft.rsplit("/", 1)[1])


def upload(client, actions, draft, data: bytes, token=True):
    headers = {"HX-Request": "true", **({"X-CSRFToken": actions.token} if token else {})}
    return client.post(f"{draft}/signature", data={"signature": (io.BytesIO(data), "signature.png")},
                       headers=headers)


def remove(client, actions, draft, **headers):
    return client.post(f"{draft}/signature/delete", data={"csrf_token": actions.token}, headers=headers)


# Saving, replacing, removing ---------------------------------------------------------------------

def test_a_drawn_signature_is_saved_and_the_section_says_so(client, actions):
    draft = actions.new_draft()
    response = upload(client, actions, draft, drawn_png())
    assert response.status_code == 200
    assert 'id="signature"' in response.text and "A signature is saved" in response.text
    assert re.search(r'<img class="saved-signature" src="[^"]*/signature\.png\?v=[0-9a-f]{12}"', response.text)


def test_the_saved_signature_is_served_as_a_png_that_is_not_cached(client, actions):
    draft = actions.new_draft()
    upload(client, actions, draft, drawn_png())
    response = client.get(f"{draft}/signature.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["Cache-Control"] == "no-store"
    assert Image.open(io.BytesIO(response.data)).format == "PNG"


def test_what_is_kept_is_the_apps_own_one_bit_redrawing_cropped_to_the_ink(app, client, actions):
    draft = actions.new_draft()
    upload(client, actions, draft, drawn_png(Comment="SECRET-IN-THE-UPLOAD"))
    png = drawing.stored_png(kept(app, draft)["signature"])
    image = Image.open(io.BytesIO(png))
    assert image.mode == "1" and "Comment" not in image.info
    assert b"SECRET-IN-THE-UPLOAD" not in png
    assert image.width < 1000 and image.height < 400  # the empty paper around the strokes is gone


def test_a_second_signature_replaces_the_first(app, client, actions):
    draft = actions.new_draft()
    upload(client, actions, draft, drawn_png())
    first = client.get(f"{draft}/signature.png").data
    upload(client, actions, draft, drawn_png(((50, 50), (900, 350))))
    assert client.get(f"{draft}/signature.png").data != first
    changes = [entry for entry in history_of(app, draft) if entry.get("field") == "signature"]
    assert [entry["old"] is None for entry in changes] == [True, False]


def test_the_history_names_each_drawing_by_its_digest_without_holding_the_image(app, client, actions):
    draft = actions.new_draft()
    upload(client, actions, draft, drawn_png())
    saved = kept(app, draft)
    entry = history_of(app, draft)[-1]
    assert (entry["field"], entry["old"]) == ("signature", None)
    assert re.fullmatch(r"drawn \(sha256 [0-9a-f]{12}\)", entry["new"])
    assert saved["signature"] not in json.dumps(history_of(app, draft))
    rows = client.get(f"{draft}/history").text
    assert "Clinician&#39;s signature" in rows and entry["new"] in rows


def test_saving_the_same_drawing_again_changes_nothing(app, client, actions):
    draft = actions.new_draft()
    upload(client, actions, draft, drawn_png())
    before = kept(app, draft)
    upload(client, actions, draft, drawn_png())
    assert kept(app, draft) == before


def test_removing_the_signature_forgets_it(app, client, actions):
    draft = actions.new_draft()
    upload(client, actions, draft, drawn_png())
    response = remove(client, actions, draft, **{"HX-Request": "true"})
    assert response.status_code == 200 and "No signature saved" in response.text
    assert kept(app, draft)["signature"] is None
    assert history_of(app, draft)[-1]["new"] is None
    assert client.get(f"{draft}/signature.png").status_code == 404


def test_removing_without_script_goes_back_to_the_signature_on_the_page(client, actions):
    draft = actions.new_draft()
    upload(client, actions, draft, drawn_png())
    response = remove(client, actions, draft)
    assert response.status_code == 303 and response.location == f"{draft}#signature"


def test_saving_needs_the_csrf_token_and_saves_nothing_without_it(app, client, actions):
    draft = actions.new_draft()
    assert upload(client, actions, draft, drawn_png(), token=False).status_code == 400
    assert "signature" not in kept(app, draft)


def test_removing_needs_the_csrf_token(app, client, actions):
    draft = actions.new_draft()
    upload(client, actions, draft, drawn_png())
    assert client.post(f"{draft}/signature/delete", headers={"HX-Request": "true"}).status_code == 400
    assert "signature" in kept(app, draft)


def test_an_unknown_draft_has_no_signature(client, actions):
    missing = "/drafts/" + "0" * 32
    assert upload(client, actions, missing, drawn_png()).status_code == 404
    assert client.get(f"{missing}/signature.png").status_code == 404


REFUSED = {
    "a JPEG": (encoded(Image.new("RGB", (300, 100), "white"), "JPEG"), 422, "must be a PNG image"),
    "a GIF": (encoded(Image.new("P", (300, 100)), "GIF"), 422, "must be a PNG image"),
    "markup": (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", 422, "must be a PNG image"),
    "nothing": (b"", 422, "must be a PNG image"),
    "over 200 KB": (drawn_png() + b"\0" * (200 * 1024), 413, "too large: at most 200 KB"),
    "huge dimensions": (png_claiming(20000, 20000), 422, "20000 × 20000 pixels: at most 2000 × 1000"),
    "just too wide": (drawn_png(size=(2001, 100)), 422, "2001 × 100 pixels"),
    "truncated": (drawn_png()[:-20], 422, "damaged and cannot be read"),
    "a checksum wrong": (drawn_png()[:100] + bytes([drawn_png()[100] ^ 0xFF]) + drawn_png()[101:], 422,
                         "damaged and cannot be read"),
    "blank": (encoded(Image.new("RGBA", (300, 100), (0, 0, 0, 0)), "PNG"), 422, "blank"),
    # Pillow reads no further than the image data: what lies after it is checked by the app.
    "cut inside its end": (drawn_png()[:-12] + drawn_png()[-12:-2], 422, "damaged and cannot be read"),
    "its end's checksum wrong": (drawn_png()[:-4] + bytes(4), 422, "damaged and cannot be read"),
    "anything after its end": (drawn_png() + b"<script>", 422, "damaged and cannot be read"),
}


@pytest.mark.parametrize("kind", list(REFUSED))
def test_anything_but_a_drawn_png_is_refused_with_a_message_and_nothing_saved(app, client, actions, kind):
    data, status, message = REFUSED[kind]
    draft = actions.new_draft()
    upload(client, actions, draft, drawn_png())
    before = kept(app, draft)
    response = upload(client, actions, draft, data)
    assert response.status_code == status
    assert response.mimetype == "text/plain" and message in response.text
    assert kept(app, draft) == before


def test_a_post_without_an_image_is_refused(client, actions):
    draft = actions.new_draft()
    response = client.post(f"{draft}/signature", headers={"X-CSRFToken": actions.token, "HX-Request": "true"})
    assert response.status_code == 422 and "must be a PNG image" in response.text


# On the checklist page ----------------------------------------------------------------------------

def test_the_checklist_offers_the_pad_with_a_sentence_for_pages_without_script(client, actions):
    page = client.get(actions.new_draft()).text
    section = re.search(r'<details class="signature" id="signature">.*?</details>', page, re.S).group(0)
    assert "A signature can be drawn here when JavaScript is on." in section
    assert re.search(r'<div class="pad" data-pad [^>]*hidden>', section)
    assert '<canvas class="pad-canvas" role="img" aria-label="Signature pad: nothing drawn"' in section
    assert re.search(r'<script src="/static/signature\.js\?v=[0-9a-f]{12}" defer>', page)


def test_the_remove_button_belongs_to_its_own_form_outside_the_answers_form(client, actions):
    draft = actions.new_draft()
    upload(client, actions, draft, drawn_png())
    page = client.get(draft).text
    assert '<button type="submit" form="signature-remove">' in page
    answers_form = re.search(r'<form id="checklist".*?</form>', page, re.S).group(0)
    assert 'id="signature-remove"' not in answers_form
    assert re.search(rf'<form id="signature-remove" method="post" action="{draft}/signature/delete" hidden>', page)


# Export and import --------------------------------------------------------------------------------

def test_an_exported_signature_comes_back_with_the_imported_draft(app, client, actions):
    draft = actions.new_draft()
    upload(client, actions, draft, drawn_png())
    exported = client.post(f"{draft}/export", data={"csrf_token": actions.token}).json
    assert exported["signature"] == kept(app, draft)["signature"]
    response = client.post("/drafts/import", data={"csrf_token": actions.token,
                                                   "draft": (io.BytesIO(json.dumps(exported).encode()), "d.json")})
    assert response.status_code == 303
    assert client.get(f"{response.location}/signature.png").data == client.get(f"{draft}/signature.png").data
    assert history_of(app, response.location)[:-1] == exported["history"]


def test_a_draft_without_a_signature_exports_none(client, actions):
    draft = actions.new_draft()
    assert "signature" not in client.post(f"{draft}/export", data={"csrf_token": actions.token}).json


@pytest.mark.parametrize("signature", [5, "@@not base64@@", "R0lGODlhAQABAAAAACw=", drawing.as_text(png_claiming(9999, 9))])
def test_an_import_whose_signature_is_not_a_drawn_png_is_refused(signature):
    _contents, errors = read_export({"answers": {}, "signature": signature}, "NCT1", RECORD_LIMITS)
    assert errors["signature"].startswith("signature must be a drawn signature as exported")


def test_an_imported_signature_is_redrawn_like_an_upload():
    contents, errors = read_export({"answers": {}, "signature": drawing.as_text(drawn_png(Comment="x"))}, "NCT1",
                                   RECORD_LIMITS)
    assert errors == {}
    assert Image.open(io.BytesIO(drawing.stored_png(contents["signature"]))).mode == "1"


# In the summary -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return Export(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def signed(site, tmp_path_factory):
    """(draft, path of its signed summary) for a draft whose clinician drew a signature."""
    draft = site.draft(clinician_name="Dr A. Clinician")
    assert upload(site.client, site.actions, draft, drawn_png()).status_code == 200
    path = tmp_path_factory.mktemp("inbox") / "summary.pdf"
    path.write_bytes(site.pdf(draft))
    return draft, path


def attestation_page(path) -> int:
    pages = pdf_text(path.read_bytes()).split("\f")
    return next(number for number, text in enumerate(pages, 1) if "Clinician's attestation" in text)


def test_the_pdf_holds_the_drawn_signature_on_the_attestation_page(signed):
    _draft, path = signed
    listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, check=True, text=True).stdout
    images = listing.splitlines()[2:]
    assert len(images) == 1
    assert int(images[0].split()[0]) == attestation_page(path)


def test_the_image_in_the_pdf_is_the_signature_saved(site, signed, tmp_path):
    draft, path = signed
    page = str(attestation_page(path))
    subprocess.run(["pdfimages", "-png", "-f", page, "-l", page, str(path), str(tmp_path / "image")], check=True)
    extracted = Image.open(next(tmp_path.glob("image-*.png"))).convert("L")
    saved = Image.open(io.BytesIO(site.client.get(f"{draft}/signature.png").data)).convert("L")
    assert extracted.size == saved.size and extracted.tobytes() == saved.tobytes()


def test_the_summary_with_a_drawn_signature_is_still_validly_signed(signed, capsys):
    _draft, path = signed
    report = pdfsig(path)
    assert "Signature is Valid." in report and "Total document signed" in report
    status, printed = verify(capsys, path)
    assert status == 0, printed


def test_the_summary_says_when_the_signature_was_drawn(signed):
    attestation = squeezed(pdf_text(signed[1].read_bytes()).split("Clinician's attestation", 1)[1])
    assert squeezed("Signature drawn on the checklist on") in attestation
    assert squeezed("changed after it was drawn") not in attestation


def test_the_summary_warns_when_the_checklist_changed_after_the_signature_was_drawn(site):
    draft = site.draft()
    upload(site.client, site.actions, draft, drawn_png())
    site.actions.answer(draft, platelets="45000")
    assert squeezed("The checklist was changed after it was drawn") in squeezed(pdf_text(site.pdf(draft)))


def test_without_a_drawn_signature_the_pdf_has_no_image(site, tmp_path):
    path = tmp_path / "summary.pdf"
    path.write_bytes(site.pdf(site.draft()))
    listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, check=True, text=True).stdout
    assert listing.splitlines()[2:] == []
    assert "Signature drawn" not in pdf_text(path.read_bytes())


def test_the_preview_shows_the_signature_from_the_apps_own_address(site, signed):
    draft, _path = signed
    page = site.client.get(f"{draft}/summary").text
    assert re.search(rf'<img class="drawn-signature" src="{draft}/signature\.png\?v=[0-9a-f]{{12}}"', page)


def test_the_fetcher_serves_the_images_it_is_given_and_no_other():
    fetcher = pdf.PackagedAssetFetcher({"signature.png": b"PNG"})
    assert fetcher.fetch(pdf.image_url("signature.png")).read() == b"PNG"
    for url in (pdf.image_url("other.png"), pdf.image_url("signature.png?x"), "data:image/png;base64,UE5H"):
        with pytest.raises(pdf.RefusedURL):
            fetcher.fetch(url)


# In chromium, at tablet size, under the app's real Content-Security-Policy ---------------------
