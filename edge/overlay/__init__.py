"""The broadcast overlay: static web pages shipped inside the package.

`index.html` draws one board, `grid.html` many; both read the board's MQTT
topics over WebSockets in the browser (docs/overlay.md). Python serves
nothing: these helpers only say where the pages are and build their URLs.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from edge.errors import BadInputError

PAGES: tuple[str, ...] = ("index.html", "grid.html")


def overlay_dir() -> Path:
    """The folder holding the pages, their scripts and the vendored mqtt.js."""
    return Path(__file__).resolve().parent


def overlay_url(page: str = "index.html", base: str | None = None, **params: str | int | bool | None) -> str:
    """URL of a page with its parameters, e.g. `overlay_url(board="table-1", coords=False)`.

    `base` is where the folder is served (`http://host:8000/`); without it, a
    file:// URL to the installed copy. Booleans become 1/0; None is left out.
    """
    if page not in PAGES:
        raise BadInputError(f"overlay page {page!r} must be one of {', '.join(PAGES)}")
    root = base if base is not None else overlay_dir().as_uri() + "/"
    if not root.endswith("/"):
        root += "/"
    query = {k: (int(v) if isinstance(v, bool) else v) for k, v in params.items() if v is not None}
    return root + page + ("?" + urlencode(query) if query else "")
