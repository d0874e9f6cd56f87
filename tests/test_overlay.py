"""The broadcast overlay in a real headless Chromium against a real mosquitto.

Everything is real: Debian's chromium driven by Playwright (its own browser
download is never used), mosquitto with a TCP listener for the Python
publisher and a websockets listener guarded by the club's read-only overlay
ACL (systemd/mosquitto/goban-overlay.acl), payloads made by
edge.publish.payloads, positions replayed from a real professional game.
The pages are served by Python's http.server, as any static server would.
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import statistics
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import cv2
import numpy as np
import pytest
from sgfmill import sgf
from sgfmill.boards import Board

from edge.overlay import overlay_dir, overlay_url
from edge.publish.payloads import move_payload, sgf_payload, state_payload, status_payload
from support.mosquitto import MosquittoBroker, free_port, plain_config, require_mosquitto

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")

REPO = Path(__file__).resolve().parents[1]
OVERLAY_ACL = REPO / "systemd" / "mosquitto" / "goban-overlay.acl"
GAME = REPO.parent / "shared" / "data" / "games" / "1846-shusaku-gennan-ear-reddening.sgf"
SCREENSHOT = Path("/tmp/overlay.png")
GRID_SCREENSHOT = Path("/tmp/overlay-grid.png")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
LATENCY_LIMIT_S = 0.200


def chromium_binary() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


# -- A real game, replayed -----------------------------------------------------

@dataclass(frozen=True)
class Ply:
    number: int  # moves played after this one
    color: str
    point: tuple[int, int]  # row 0 at the top
    captured: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Replay:
    size: int
    plies: tuple[Ply, ...]
    rows_after: tuple[tuple[str, ...], ...]  # rows_after[n]: the position after n moves

    def state(self, n: int, game_id: str, **extra: Any) -> dict[str, Any]:
        prisoners = {"b": 0, "w": 0}
        for ply in self.plies[:n]:
            prisoners[ply.color] += len(ply.captured)
        last = None if n == 0 else {"color": self.plies[n - 1].color, "point": self.plies[n - 1].point}
        return {
            "game_id": game_id, "size": self.size, "rows": list(self.rows_after[n]), "move_number": n,
            "to_play": "w" if n and self.plies[n - 1].color == "b" else "b",
            "prisoners": prisoners, "last_move": last, **extra,
        }

    def move_event(self, n: int, game_id: str) -> dict[str, Any]:
        ply = self.plies[n - 1]
        return {"game_id": game_id, "size": self.size, "move_number": n, "kind": "move",
                "color": ply.color, "point": ply.point, "captured": [list(p) for p in ply.captured]}


def rows_of(board: Board) -> tuple[str, ...]:
    size = board.side
    # sgfmill counts rows from the bottom; the MQTT contract from the top.
    return tuple(
        "".join({"b": "B", "w": "W", None: "."}[board.get(size - 1 - r, c)] for c in range(size))
        for r in range(size)
    )


@functools.lru_cache(maxsize=None)
def replay(moves: int = 60) -> Replay:
    if not GAME.exists():
        pytest.skip(f"real game record {GAME} is missing")
    game = sgf.Sgf_game.from_bytes(GAME.read_bytes())
    board = Board(game.get_size())
    size = game.get_size()
    plies, rows = [], [rows_of(board)]
    for node in game.get_main_sequence()[1:moves + 1]:
        color, move = node.get_move()
        assert move is not None, "the replayed opening has no passes"
        before = rows[-1]
        board.play(move[0], move[1], color)
        after = rows_of(board)
        captured = tuple(
            (r, c) for r in range(size) for c in range(size) if before[r][c] != "." and after[r][c] == "."
        )
        plies.append(Ply(len(plies) + 1, color, (size - 1 - move[0], move[1]), captured))
        rows.append(after)
    return Replay(size, tuple(plies), tuple(rows))


# -- Fixtures: broker, static server, browser ------------------------------------

@dataclass
class Hall:
    broker: MosquittoBroker
    ws_port: int
    base_url: str
    client: Any  # paho client on the TCP listener

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.ws_port}"

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> float:
        """Publish at QoS 1; returns time.time() just before handing it to paho."""
        sent = time.time()
        info = self.client.publish(topic, payload, qos=1, retain=retain)
        info.wait_for_publish(5)
        assert info.is_published(), f"broker did not acknowledge {topic}"
        return sent

    def url(self, page: str = "index.html", **params: Any) -> str:
        return overlay_url(page, self.base_url, broker=self.ws_url, **params)


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hall]:
    binary = require_mosquitto()
    if not OVERLAY_ACL.exists():
        pytest.skip(f"club overlay ACL {OVERLAY_ACL} is missing")
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

    workdir = tmp_path_factory.mktemp("overlay-broker")
    (workdir / "data").mkdir()
    ws_port = free_port()
    # Like the club's goban.conf: an open TCP listener for the publisher here,
    # and the anonymous, read-only websockets listener the overlays use.
    config = plain_config(
        general="per_listener_settings true\n",
        listener=f"listener {ws_port}\nprotocol websockets\nallow_anonymous true\nacl_file {OVERLAY_ACL}\n",
    )
    broker = MosquittoBroker(binary, workdir, free_port(), config, extra_ports=(ws_port,)).start()

    handler = functools.partial(_QuietHandler, directory=str(overlay_dir()))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"overlay-test-{uuid.uuid4().hex[:8]}",
                         protocol=MQTTProtocolVersion.MQTTv5)
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    try:
        yield Hall(broker, ws_port, f"http://127.0.0.1:{server.server_address[1]}/", client)
    finally:
        client.disconnect()
        client.loop_stop()
        server.shutdown()
        server.server_close()
        broker.kill()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        pass


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    binary = chromium_binary()
    if binary is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=binary, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def tab(browser: Any) -> Iterator[Any]:
    # One tab for the module: a new tab costs a renderer process, seconds on
    # a loaded CI machine; navigating it again costs a page load.
    page = browser.new_page()
    page.js_errors = []
    page.on("pageerror", lambda e: page.js_errors.append(str(e)))
    yield page
    page.close()


@pytest.fixture
def open_page(tab: Any) -> Iterator[Any]:
    def open_(url: str, width: int = 640, height: int = 720) -> Any:
        tab.set_viewport_size({"width": width, "height": height})
        tab.goto(url)
        return tab

    tab.js_errors.clear()
    yield open_
    assert tab.js_errors == [], f"uncaught errors in the page: {tab.js_errors}"
    tab.goto("about:blank")  # closes the page's broker connection


def wait_connected(page: Any) -> None:
    page.wait_for_selector('body[data-connection="connected"]', timeout=10_000)


def card(page: Any, board: str) -> Any:
    return page.locator(f'section.card[data-board="{board}"]')


def publish_board(hall: Hall, board: str, state: dict[str, Any], online: bool = True) -> None:
    hall.publish(f"goban/{board}/available", b"online" if online else b"offline", retain=True)
    hall.publish(f"goban/{board}/state", state_payload(state, board, time.time()), retain=True)


def dom_stones(page: Any, board: str) -> set[tuple[str, int, int]]:
    found = page.eval_on_selector_all(
        f'section.card[data-board="{board}"] circle.stone',
        "cs => cs.map(c => [c.classList.contains('black') ? 'B' : 'W', +c.dataset.row, +c.dataset.col])",
    )
    return {(color, row, col) for color, row, col in found}


def stones_of(rows: list[str] | tuple[str, ...]) -> set[tuple[str, int, int]]:
    return {(ch, r, c) for r, row in enumerate(rows) for c, ch in enumerate(row) if ch != "."}


def read_board_pixels(page: Any, board: str, size: int, png: bytes) -> list[str]:
    """The position as the screenshot shows it, found without the DOM's stone list.

    The grid's outer lines give each intersection's pixel. A point is sampled
    a quarter cell diagonally off it on all four sides, clear of grid lines,
    star points and the last-move ring but inside a stone; three of the four
    must agree, which tolerates the pixel snapping of small boards.
    """
    # getBoundingClientRect: the lines' geometry without their stroke width
    # (Playwright's bounding_box adds the stroke).
    box = page.eval_on_selector(
        f'section.card[data-board="{board}"] path.lines',
        "p => { const r = p.getBoundingClientRect(); return {x: r.x, y: r.y, width: r.width}; }",
    )
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_UNCHANGED)
    assert image is not None and image.shape[2] == 4, "screenshot is not an RGBA PNG"
    step = box["width"] / (size - 1)
    rows = []
    for r in range(size):
        row = ""
        for c in range(size):
            votes = []
            for dr, dc in ((-0.25, -0.25), (-0.25, 0.25), (0.25, -0.25), (0.25, 0.25)):
                x = round(box["x"] + (c + dc) * step)
                y = round(box["y"] + (r + dr) * step)
                b, g, rd, a = (int(v) for v in image[y, x])
                assert a == 255, f"board pixel near {(r, c)} is not opaque"
                votes.append("B" if max(b, g, rd) < 80 else "W" if min(b, g, rd) > 200 else ".")
            row += max(set(votes), key=votes.count) if max(votes.count(v) for v in votes) >= 3 else "?"
        rows.append(row)
    return rows


# -- Tests -----------------------------------------------------------------------

def test_draws_a_published_position_in_the_dom_and_on_screen(hall: Hall, open_page: Any) -> None:
    game = replay()
    state = game.state(38, "shusaku-1846", black="Kuwahara Shusaku", white="Gennan Inseki")
    publish_board(hall, "table-1", state)
    page = open_page(hall.url(board="table-1", size=600), width=700, height=720)
    wait_connected(page)
    board = card(page, "table-1")
    page.wait_for_selector('section.card[data-board="table-1"][data-condition="live"][data-move-number="38"]')

    assert dom_stones(page, "table-1") == stones_of(state["rows"])
    assert len(dom_stones(page, "table-1")) == 38  # no captures before move 40
    last = page.locator("circle.last-move")
    assert last.count() == 1
    assert (int(last.get_attribute("data-row")), int(last.get_attribute("data-col"))) == game.plies[37].point
    assert board.locator(".move-number").text_content() == "Move 38"
    assert board.locator(".player.black .name").text_content() == "Kuwahara Shusaku"
    assert board.locator(".player.white .name").text_content() == "Gennan Inseki"
    assert board.locator(".player.black .prisoners").text_content() == "0"
    assert "to-play" in (board.locator(".player.black").get_attribute("class") or "")  # move 38 was White's
    assert board.locator(".banner").is_hidden()
    assert page.locator("text.coord").count() == 4 * 19

    png = page.screenshot(omit_background=True)
    SCREENSHOT.write_bytes(png)
    assert read_board_pixels(page, "table-1", 19, png) == state["rows"]
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_UNCHANGED)
    card_box = board.bounding_box()
    right_of_card = round(card_box["x"] + card_box["width"]) + 20
    assert image[100, right_of_card, 3] == 0, "the page around the board must stay transparent for OBS"


def test_moves_reach_the_page_within_200_ms_and_captures_are_removed(hall: Hall, open_page: Any) -> None:
    game = replay()
    board, game_id, stream = "table-2", "shusaku-1846", uuid.uuid4().hex
    publish_board(hall, board, game.state(38, game_id))
    page = open_page(hall.url(board=board, size=400))
    wait_connected(page)
    page.wait_for_selector(f'section.card[data-board="{board}"][data-move-number="38"]')
    # Stamp the first time each move number shows, with the wall clock
    # Python's time.time() uses.
    page.evaluate("""() => {
        window.seen = {};
        const card = document.querySelector('section.card');
        new MutationObserver(() => {
            const n = card.dataset.moveNumber;
            if (!(n in window.seen)) window.seen[n] = performance.timeOrigin + performance.now();
        }).observe(card, {attributes: true, childList: true, subtree: true});
    }""")

    latencies = []
    for n in range(39, 45):  # moves 40 and 43 each capture a stone
        sent = hall.publish(f"goban/{board}/move", move_payload(game.move_event(n, game_id), board, stream, n, time.time()))
        page.wait_for_function(f"window.seen['{n}'] !== undefined", timeout=5_000)
        latencies.append(page.evaluate(f"window.seen['{n}']") / 1000.0 - sent)
        assert dom_stones(page, board) == stones_of(game.rows_after[n]), f"after move {n}"
    print(f"\noverlay move latency publish->DOM: median {statistics.median(latencies) * 1000:.1f} ms, "
          f"max {max(latencies) * 1000:.1f} ms over {len(latencies)} moves")
    assert max(latencies) < LATENCY_LIMIT_S, f"latencies {latencies}"
    assert min(latencies) > 0, "a DOM change before the publish means the clocks or the observer are wrong"

    cards = card(page, board)
    assert cards.locator(".player.black .prisoners").text_content() == "1"  # move 43 (Black)
    assert cards.locator(".player.white .prisoners").text_content() == "1"  # move 40 (White)
    # Ignored: a repeated seq (a duplicate delivery; forged here onto an empty
    # point so that applying it would show) and a move older than the
    # position shown (from another stream, so only its move number stops it).
    empty = next((r, c) for r, row in enumerate(game.rows_after[45]) for c, ch in enumerate(row) if ch == ".")
    forged = {**game.move_event(44, game_id), "point": empty, "captured": []}
    hall.publish(f"goban/{board}/move", move_payload(forged, board, stream, 44, time.time()))
    stale = {**game.move_event(30, game_id), "point": empty, "captured": []}
    hall.publish(f"goban/{board}/move", move_payload(stale, board, uuid.uuid4().hex, 1, time.time()))
    hall.publish(f"goban/{board}/move", move_payload(game.move_event(45, game_id), board, stream, 45, time.time()))
    page.wait_for_selector(f'section.card[data-board="{board}"][data-move-number="45"]')
    assert dom_stones(page, board) == stones_of(game.rows_after[45])
    # A correction (the follower took back moves) replaces the whole position.
    corrected = {"game_id": game_id, "size": 19, "move_number": 43, "kind": "correction",
                 "rows": list(game.rows_after[43])}
    hall.publish(f"goban/{board}/move", move_payload(corrected, board, stream, 46, time.time()))
    page.wait_for_selector(f'section.card[data-board="{board}"][data-move-number="43"]')
    assert dom_stones(page, board) == stones_of(game.rows_after[43])
    assert page.locator("circle.last-move").count() == 0  # move 45's stone is gone

    # After a reconnection the board sends its state, then its backlog of
    # unacknowledged events: one made before that state must not take the
    # picture back.
    hall.publish(f"goban/{board}/state", state_payload(game.state(44, game_id), board, time.time()), retain=True)
    page.wait_for_selector(f'section.card[data-board="{board}"][data-move-number="44"]')
    backlog = {**corrected, "move_number": 30, "rows": list(game.rows_after[30])}
    hall.publish(f"goban/{board}/move", move_payload(backlog, board, stream, 47, time.time() - 60))
    hall.publish(f"goban/{board}/move", move_payload(game.move_event(45, game_id), board, stream, 48, time.time()))
    page.wait_for_selector(f'section.card[data-board="{board}"][data-move-number="45"]')
    assert dom_stones(page, board) == stones_of(game.rows_after[45])


def test_offline_board_and_lost_camera_are_shown(hall: Hall, open_page: Any) -> None:
    game = replay()
    board = "table-3"
    publish_board(hall, board, game.state(10, "g3"))
    page = open_page(hall.url(board=board, size=400))
    wait_connected(page)
    live = f'section.card[data-board="{board}"][data-condition="live"]'
    page.wait_for_selector(live)

    hall.publish(f"goban/{board}/available", b"offline", retain=True)  # also the board's last will
    page.wait_for_selector(f'section.card[data-board="{board}"][data-condition="offline"]')
    assert card(page, board).locator(".banner").text_content() == "Board offline"
    assert card(page, board).locator(".banner").is_visible()
    assert len(dom_stones(page, board)) == 10, "the last position stays, dimmed"

    hall.publish(f"goban/{board}/available", b"online", retain=True)
    page.wait_for_selector(live)
    status = {"fps": 0.0, "detector_latency_ms": None, "delegate": "xnnpack", "calibration_error_px": 0.4,
              "camera": "lost", "uptime_s": 12.0}
    hall.publish(f"goban/{board}/status", status_payload(status, board, time.time(), "0.1.0"))
    page.wait_for_selector(f'section.card[data-board="{board}"][data-condition="camera-lost"]')
    assert card(page, board).locator(".banner").text_content() == "Camera lost"
    hall.publish(f"goban/{board}/status", status_payload({**status, "camera": "ok"}, board, time.time(), "0.1.0"))
    page.wait_for_selector(live)
    assert card(page, board).locator(".banner").is_hidden()


def test_broken_payloads_leave_the_last_good_position(hall: Hall, open_page: Any) -> None:
    game = replay()
    board, game_id = "table-8", "g8"
    publish_board(hall, board, game.state(20, game_id))
    page = open_page(hall.url(board=board, size=300))
    wait_connected(page)
    page.wait_for_selector(f'section.card[data-board="{board}"][data-move-number="20"]')
    warnings: list[str] = []

    def on_console(message: Any) -> None:
        if message.type == "warning":
            warnings.append(message.text)

    page.on("console", on_console)
    try:
        state_topic = f"goban/{board}/state"
        hall.publish(state_topic, b"{not json")
        short_rows = json.loads(state_payload(game.state(21, game_id), board, time.time()))
        short_rows["rows"] = short_rows["rows"][:-1]
        hall.publish(state_topic, json.dumps(short_rows).encode())
        hall.publish(f"goban/{board}/available", b"maybe")
        event = game.move_event(21, game_id)
        hall.publish(f"goban/{board}/move", move_payload(event, board, uuid.uuid4().hex, 1, time.time()))
        page.wait_for_selector(f'section.card[data-board="{board}"][data-move-number="21"]')
    finally:
        page.remove_listener("console", on_console)
    assert dom_stones(page, board) == stones_of(game.rows_after[21])
    assert page.locator("section.card").get_attribute("data-condition") == "live"
    assert any("ignored state of table-8: not JSON" in w for w in warnings), warnings
    assert any("ignored state of table-8: rows must be 19 strings" in w for w in warnings), warnings


def test_player_names_come_from_the_sgf_record_or_the_url(hall: Hall, open_page: Any) -> None:
    board = "table-4"
    publish_board(hall, board, replay().state(5, "g4"))  # no names in state
    record = b"(;GM[1]FF[4]SZ[19]PB[Honinbo Shusaku]PW[Ota Yuzo \\] jr.];B[pd];W[dp])"
    hall.publish(f"goban/{board}/sgf", sgf_payload(record, "g4", board, time.time()), retain=True)

    page = open_page(hall.url(board=board, size=400))
    wait_connected(page)
    names = card(page, board)
    page.wait_for_function(
        "() => document.querySelector('.player.black .name').textContent === 'Honinbo Shusaku'", timeout=5_000)
    assert names.locator(".player.white .name").text_content() == "Ota Yuzo ] jr."

    page = open_page(hall.url(board=board, size=400, white="Ito Showa"))
    wait_connected(page)
    page.wait_for_selector(f'section.card[data-board="{board}"][data-move-number="5"]')
    page.wait_for_function(
        "() => document.querySelector('.player.black .name').textContent === 'Honinbo Shusaku'", timeout=5_000)
    assert card(page, board).locator(".player.white .name").text_content() == "Ito Showa"


def test_grid_view_shows_every_board_of_the_hall(hall: Hall, open_page: Any) -> None:
    game = replay()
    positions = {"hall-b": game.state(20, "gb"), "hall-a": game.state(12, "ga"), "hall-c": game.state(30, "gc")}
    for board, state in positions.items():
        publish_board(hall, board, state)
    hall.publish("goban/hall-d/available", b"offline", retain=True)

    # Listed boards, in the listed order, a board that never published included.
    page = open_page(hall.url("grid.html", boards="hall-c,hall-a,hall-b,hall-d", size=300, columns=2),
                     width=720, height=860)
    wait_connected(page)
    for board, state in positions.items():
        page.wait_for_selector(f'section.card[data-board="{board}"][data-move-number="{state["move_number"]}"]')
        assert dom_stones(page, board) == stones_of(state["rows"])
    page.wait_for_selector('section.card[data-board="hall-d"][data-condition="offline"]')
    order = page.eval_on_selector_all("section.card", "cs => cs.map(c => c.dataset.board)")
    assert order == ["hall-c", "hall-a", "hall-b", "hall-d"]
    assert page.locator("section.card .label").all_text_contents() == order
    tops = [page.locator(f'section.card[data-board="{b}"]').bounding_box()["y"] for b in order]
    assert tops[0] == tops[1] and tops[2] == tops[3] and tops[2] > tops[0], "two columns"
    png = page.screenshot(omit_background=True)
    GRID_SCREENSHOT.write_bytes(png)
    assert read_board_pixels(page, "hall-c", 19, png) == positions["hall-c"]["rows"]

    # Without boards=: every board under the prefix appears, sorted by id.
    page = open_page(hall.url("grid.html", size=200), width=900, height=700)
    wait_connected(page)
    page.wait_for_selector('section.card[data-board="hall-c"][data-move-number="30"]')
    order = page.eval_on_selector_all("section.card", "cs => cs.map(c => c.dataset.board)")
    ours = [b for b in order if b.startswith("hall-")]
    assert ours == ["hall-a", "hall-b", "hall-c", "hall-d"]
    assert order == sorted(order)


def test_url_parameters_shape_the_page(hall: Hall, open_page: Any) -> None:
    board = "table-5"
    publish_board(hall, board, replay().state(3, "g5"))
    page = open_page(hall.url(board=board, size=300, coords=False, theme="dark", info=False))
    wait_connected(page)
    page.wait_for_selector(f'section.card[data-board="{board}"][data-move-number="3"]')
    assert page.locator("text.coord").count() == 0
    assert page.evaluate("document.body.dataset.theme") == "dark"
    assert page.locator("svg.goban").bounding_box()["width"] == pytest.approx(300, abs=1)
    assert page.locator(".info").is_hidden()

    # Without size= the board fills the browser source.
    page = open_page(hall.url(board=board), width=500, height=800)
    wait_connected(page)
    assert page.locator("svg.goban").bounding_box()["width"] == pytest.approx(500, abs=1)

    for bad, message in ((dict(board="table 5"), "board=table 5 must be"), (dict(theme="neon", board=board), "theme=neon"),
                         (dict(), "board= is missing"), (dict(board=board, broker="http://x"), "ws:// or wss://")):
        page = open_page(overlay_url("index.html", hall.base_url, **bad))
        page.wait_for_selector("p.error")
        assert message in page.locator("p.error").text_content()
        assert page.locator("svg").count() == 0


def test_broker_unreachable_is_shown(open_page: Any) -> None:
    page = open_page(overlay_url(board="table-6", broker=f"ws://127.0.0.1:{free_port()}", size=300))
    page.wait_for_selector('body[data-connection="disconnected"]', timeout=10_000)
    assert page.locator(".banner").text_content() == "No connection to the broker"


def test_page_opened_from_a_file_works_too(hall: Hall, open_page: Any) -> None:
    board = "table-7"
    state = replay().state(7, "g7")
    publish_board(hall, board, state)
    url = overlay_url(board=board, broker=hall.ws_url, size=300)
    assert url.startswith("file://")
    page = open_page(url)
    page.wait_for_selector(f'section.card[data-board="{board}"][data-move-number="7"]', timeout=10_000)
    assert dom_stones(page, board) == stones_of(state["rows"])
