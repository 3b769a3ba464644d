"""The clinician's signature drawn on the tablet: a PNG checked, then drawn again by the app.

What a browser sends is only read, never kept: Pillow decodes it (PNG only, dimensions checked
before any pixel is decoded, so a small file cannot expand into gigabytes), and the app keeps a
PNG of its own making: black ink on white, 1 bit per pixel, cropped to the ink, no metadata.
So what reaches the PDF renderer is the app's own file, of at most MAX_KEPT_SIZE pixels (49 KB raw).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import io
import struct
import zlib

from PIL import Image, ImageOps

PNG_START = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"  # the signature, then the header chunk
MAX_BYTES = 200 * 1024
MAX_SIZE = (2000, 1000)  # the pad exports 1000 x 400; twice as much leaves room for other clients
MAX_KEPT_SIZE = (1000, 400)
INK = 160  # greyscale level below which a pixel counts as ink (0 black, 255 white)
MARGIN = 8  # white pixels kept around the ink


class UnusableDrawing(ValueError):
    """What was sent is not a drawn signature the app can keep; the message says why."""


def redrawn(data: bytes) -> bytes:
    """The PNG the app keeps for a PNG a browser sent: black on white, 1 bit, cropped to the ink.

    UnusableDrawing when the data is not a PNG, too large, of absurd dimensions, damaged or blank.
    """
    if len(data) > MAX_BYTES:
        raise UnusableDrawing(f"The signature image is too large: at most {MAX_BYTES // 1024} KB.")
    if not data.startswith(PNG_START) or len(data) < 24:
        raise UnusableDrawing("The signature must be a PNG image.")
    # Read from the header before Pillow sees the file, so that nothing of absurd size is decoded.
    width, height = struct.unpack(">II", data[16:24])
    if not (0 < width <= MAX_SIZE[0] and 0 < height <= MAX_SIZE[1]):
        raise UnusableDrawing(f"The signature image is {width} × {height} pixels: "
                              f"at most {MAX_SIZE[0]} × {MAX_SIZE[1]}.")
    if not whole_png(data):
        raise UnusableDrawing("The signature image is damaged and cannot be read.")
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            grey = on_white(image)
    except (OSError, SyntaxError, ValueError):
        raise UnusableDrawing("The signature image is damaged and cannot be read.") from None
    return ink_only(grey)


def whole_png(data: bytes) -> bool:
    """Every chunk complete with its checksum right, ending at IEND with nothing after it. Checked
    here rather than by Pillow: WeasyPrint sets Pillow's global LOAD_TRUNCATED_IMAGES, under which
    a cut-off file decodes silently, and Pillow reads no further than the image data."""
    position = len(PNG_START) - 8  # the first chunk, after the 8-byte signature
    while position + 12 <= len(data):
        length, = struct.unpack(">I", data[position:position + 4])
        kind_and_body = data[position + 4:position + 8 + length]
        checksum = data[position + 8 + length:position + 12 + length]
        if len(kind_and_body) != length + 4 or len(checksum) != 4 \
                or struct.unpack(">I", checksum)[0] != zlib.crc32(kind_and_body):
            return False
        position += 12 + length
        if kind_and_body[:4] == b"IEND":
            return position == len(data)
    return False


def on_white(image: Image.Image) -> Image.Image:
    """The image decoded and laid on white paper, in shades of grey."""
    paper = Image.new("RGBA", image.size, "white")
    return Image.alpha_composite(paper, image.convert("RGBA")).convert("L")


def ink_only(grey: Image.Image) -> bytes:
    """A new PNG of the ink: cropped with a margin, fitted in MAX_KEPT_SIZE, 1 bit per pixel."""
    box = grey.point(lambda level: 255 if level < INK else 0).getbbox()
    if box is None:
        raise UnusableDrawing("The signature is blank: draw it before saving.")
    grey = ImageOps.expand(grey.crop(box), border=MARGIN, fill=255)
    grey.thumbnail(MAX_KEPT_SIZE, Image.Resampling.LANCZOS)
    output = io.BytesIO()
    grey.point(lambda level: 0 if level < INK else 255).convert("1").save(output, "PNG", optimize=True)
    return output.getvalue()


def as_text(png: bytes) -> str:
    """The PNG as kept in a draft and its export (base64)."""
    return base64.b64encode(png).decode("ascii")


def from_text(text) -> bytes:
    """The PNG of a draft's or an export's signature text (base64), checked and redrawn like an upload."""
    if not isinstance(text, str):
        raise UnusableDrawing("The signature must be a PNG image in base64.")
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise UnusableDrawing("The signature must be a PNG image in base64.") from None
    return redrawn(data)


def stored_png(text: str) -> bytes:
    """The PNG of a signature the app itself stored (its own file: decoded, not redrawn)."""
    return base64.b64decode(text, validate=True)


def digest(text: str) -> str:
    """A short name for one drawing: the start of its PNG's SHA-256."""
    return hashlib.sha256(stored_png(text)).hexdigest()[:12]


def marker(text: str | None) -> str | None:
    """How the history names a signature without holding the image again."""
    return None if text is None else f"drawn (sha256 {digest(text)})"
