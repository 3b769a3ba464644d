"""HTML to PDF with WeasyPrint, allowed to read nothing but the app's own packaged stylesheet
and the images the app made for the document.

A summary holds text people typed. WeasyPrint's default fetcher opens `file:` URLs and fetches
`http:` ones; ours serves a fixed list of packaged assets under an address that can never resolve
(`.invalid`, RFC 2606), and the images the caller hands it (the drawn signature, redrawn by the app:
drawing.py) under another such address, and refuses everything else, so nothing that reaches the
template can make the renderer read a file or call the network. Fonts come from the system
through fontconfig.
"""
from __future__ import annotations

import io

from weasyprint import HTML, Attachment
from weasyprint.urls import URLFetcher, URLFetcherResponse

from ..bundled import STATIC

ASSET_BASE = "https://assets.checklist.invalid/"
IMAGE_BASE = "https://images.checklist.invalid/"
PACKAGED_ASSETS = {"print.css": "text/css", "sheet.css": "text/css"}
# PDF/A-3 for archiving (fonts embedded, colours defined; signatures allowed; files embedded as
# associated files, which PDF/A-2 does not allow), level A: tagged, so screen readers read it in order.
PDF_VARIANT = "pdf/a-3a"
MAX_PAGES = 40  # a summary is 3-5 pages; far more means something is wrong, not a longer summary


class RefusedURL(ValueError):
    """The renderer asked for something other than a packaged asset."""


class TooManyPages(ValueError):
    """The document would be longer than any summary can be."""


def asset_url(name: str) -> str:
    """Where the template links a packaged asset when it is rendered to PDF."""
    return ASSET_BASE + name


def image_url(name: str) -> str:
    """Where the template shows an image handed to render_pdf under this name."""
    return IMAGE_BASE + name


class PackagedAssetFetcher(URLFetcher):
    """Serves the packaged assets, and the PNG images it is given (name: bytes), by exact address;
    refuses every other URL, whatever its scheme."""

    def __init__(self, images: dict[str, bytes] | None = None):
        super().__init__()
        self.images = {image_url(name): png for name, png in (images or {}).items()}

    def fetch(self, url, headers=None):
        if url in self.images:
            return URLFetcherResponse(url, self.images[url], {"Content-Type": "image/png"})
        name = url[len(ASSET_BASE):] if url.startswith(ASSET_BASE) else None
        if name not in PACKAGED_ASSETS:
            raise RefusedURL(f"the summary may only use the app's own assets, not {url[:80]!r}")
        body = (STATIC / name).read_bytes()
        return URLFetcherResponse(url, body, {"Content-Type": PACKAGED_ASSETS[name]})


def page_count(html: str) -> int:
    """How many pages a complete HTML document takes (laid out, not written)."""
    return len(HTML(string=html, base_url=ASSET_BASE, url_fetcher=PackagedAssetFetcher()).render(
        pdf_variant=PDF_VARIANT).pages)


def render_pdf(html: str, *, images: dict[str, bytes] | None = None, max_pages: int | None = None,
               files: dict[str, tuple[bytes, str]] | None = None) -> bytes:
    """The PDF of a complete HTML document (PDF/A-3a, fonts embedded); `images` are PNGs the app
    made, which the document shows at image_url(name); `files` ({name: (content, description)}) are
    embedded as the document's associated data files. TooManyPages beyond `max_pages` (MAX_PAGES)."""
    max_pages = max_pages or MAX_PAGES
    source = HTML(string=html, base_url=ASSET_BASE, url_fetcher=PackagedAssetFetcher(images))
    document = source.render(pdf_variant=PDF_VARIANT)
    if len(document.pages) > max_pages:
        raise TooManyPages(f"the document would have {len(document.pages)} pages (at most {max_pages})")
    attachments = [Attachment(file_obj=io.BytesIO(content), name=name, description=description, relationship="Data")
                   for name, (content, description) in (files or {}).items()]
    return document.write_pdf(pdf_variant=PDF_VARIANT, attachments=attachments)
