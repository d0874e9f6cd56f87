"""goban-calibrate taking its frame from the configured camera source (an image folder here;
an absent USB camera for the failure)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2

from calibration.cli import main
from edge.board.position import Position
from edge.synth import render_board


def test_calibrates_from_the_configured_source(tmp_path: Path, capsys) -> None:
    frames = tmp_path / "frames"
    frames.mkdir()
    rendered = render_board(Position(19, {(3, 3): "b", (15, 15): "w"}), 12, hand=False, max_tilt_deg=20)
    cv2.imwrite(str(frames / "0001.png"), rendered.image)
    config = tmp_path / "config.toml"
    config.write_text(f'[camera]\ntype = "folder"\ndevice = "{frames}"\n')
    out = tmp_path / "calibration.json"
    assert main(["--source-config", str(config), "--out", str(out), "--preview", str(tmp_path / "p.png")]) == 0
    saved = json.loads(out.read_text())
    assert saved["board_size"] == 19
    found = [tuple(c) for c in saved["corners"]]
    for (x, y), (tx, ty) in zip(found, rendered.corners):
        assert abs(x - tx) < 3 and abs(y - ty) < 3


def test_absent_camera_is_one_line(tmp_path: Path, capsys) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[camera]\ntype = "opencv"\ndevice = "63"\n')
    code = main(["--source-config", str(config), "--out", str(tmp_path / "c.json")])
    err = capsys.readouterr().err.strip()
    assert code != 0 and len(err.splitlines()) == 1 and "opencv:63" in err
    assert not (tmp_path / "c.json").exists()
