"""HTML to PDF with WeasyPrint: the one helper every document uses (the F-27,
the calibration evidence, the audit pack's records).

WeasyPrint's default `URLFetcher` is an urllib opener made per document, and
its HTTPS handler loads an SSL context with the system's CA certificates each
time (~37 ms a document, measured in issue #20). Our documents fetch nothing
from the network — styles are inline, charts are inline SVG — so one fetcher
is made per process and serves only `data:` URLs and files under the static
directories; anything else is refused (a PDF never reaches out to a URL a
user's text could name).
"""

import functools
from pathlib import Path
from urllib.request import url2pathname

from django.conf import settings


def _static_roots() -> list[Path]:
    return [Path(p).resolve() for p in [settings.STATIC_ROOT, *settings.STATICFILES_DIRS] if p]


@functools.cache
def local_fetcher():
    """The process's URL fetcher for WeasyPrint: local static files and data
    URLs only, no network handlers (so no SSL context), stateless (so threads
    may share it)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # heavy: paid with the first PDF

    class LocalFetcher(URLFetcher):
        def __init__(self):
            # Not URLFetcher.__init__: it builds urllib handlers, HTTPS among them.
            self._fail_on_errors = False
            self._allowed_protocols = ("file", "data")

        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                from urllib.request import DataHandler, Request

                response = DataHandler().data_open(Request(url))
                return URLFetcherResponse(url, response.read(), dict(response.headers))
            if scheme == "file":
                path = Path(url2pathname(url.split("?")[0].removeprefix("file:"))).resolve()
                if any(path.is_relative_to(root) for root in _static_roots()) and path.is_file():
                    return URLFetcherResponse(url, path.read_bytes())
            raise ValueError(f"A PDF fetches only local static files, not {url[:80]}")

        def __call__(self, url):
            return self.fetch(url)

    return LocalFetcher()


def html_to_pdf(html: str) -> bytes:
    """The PDF of `html` (a complete document with its styles inline)."""
    from weasyprint import HTML  # a heavy import, paid only when a PDF is made

    return HTML(string=html, url_fetcher=local_fetcher()).write_pdf()
