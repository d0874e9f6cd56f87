"""The overlay's files: self-contained pages, the vendored mqtt.js, URL building.

These need no browser; tests/test_overlay.py runs the pages in Chromium.
"""

from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from edge.errors import BadInputError
from edge.overlay import PAGES, overlay_dir, overlay_url

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "overlay.md"


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value is not None:
                self.found.append(value)


@pytest.mark.parametrize("page", PAGES)
def test_pages_load_only_files_shipped_beside_them(page: str) -> None:
    parser = _References()
    parser.feed((overlay_dir() / page).read_text(encoding="utf-8"))
    assert "vendor/mqtt.min.js" in parser.found
    for ref in parser.found:
        # No CDN: a broadcast machine may be offline.
        assert not re.match(r"^([a-z]+:)?//", ref), f"{page} loads {ref} from the network"
        assert (overlay_dir() / ref).is_file(), f"{page} refers to missing {ref}"


def test_scripts_fetch_nothing_from_the_network() -> None:
    for script in (overlay_dir() / "js").glob("*.js"):
        # The SVG namespace is a name, not a fetch.
        text = script.read_text(encoding="utf-8").replace('"http://www.w3.org/2000/svg"', "")
        assert not re.search(r"https?://", text), f"{script.name} names a web address"
        assert "innerHTML" not in text, f"{script.name}: names from the network must go through textContent"


def test_vendored_mqtt_js_is_the_documented_release_with_its_licence() -> None:
    vendored = overlay_dir() / "vendor" / "mqtt.min.js"
    doc = DOC.read_text(encoding="utf-8")
    version = re.search(r"mqtt\.js (\d+\.\d+\.\d+)", doc)
    digest = re.search(r"sha256 `([0-9a-f]{64})`", doc)
    assert version and digest, "docs/overlay.md must name the vendored mqtt.js version and its sha256"
    assert version.group(1).startswith("5.")
    assert hashlib.sha256(vendored.read_bytes()).hexdigest() == digest.group(1)
    licence = (overlay_dir() / "vendor" / "mqtt.LICENSE.md").read_text(encoding="utf-8")
    assert "MIT License" in licence and "MQTT.js contributors" in licence


def test_every_overlay_file_is_package_data() -> None:
    # pyproject.toml ships edge/overlay/* and edge/overlay/**/* in the wheel.
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert '"overlay/*"' in text and '"overlay/**/*"' in text
    shipped = {p.name for p in overlay_dir().rglob("*") if p.is_file()}
    assert shipped >= {"index.html", "grid.html", "overlay.css", "mqtt.min.js", "mqtt.LICENSE.md"}


def test_overlay_url_builds_file_and_served_urls() -> None:
    url = overlay_url(board="table-1", coords=False, size=600, black=None)
    assert url == (overlay_dir() / "index.html").as_uri() + "?board=table-1&coords=0&size=600"
    served = overlay_url("grid.html", "http://obs.lan:8000", boards="a,b", broker="ws://b.lan:9001")
    assert served == "http://obs.lan:8000/grid.html?boards=a%2Cb&broker=ws%3A%2F%2Fb.lan%3A9001"
    assert overlay_url("grid.html", "http://h/") == "http://h/grid.html"


def test_overlay_url_refuses_an_unknown_page() -> None:
    with pytest.raises(BadInputError, match="overlay page 'board.html' must be one of index.html, grid.html"):
        overlay_url("board.html")
