"""`goban-edge eval` end to end: the --gt/--detections mode against pycocotools, and
the DATASET mode over a process pool, writing report.json, report.md and pictures.

The DATASET runs read with a stand-in reader (`label_reader` below) that returns
each image's own label with deliberate mistakes: the model-backed reader is wired
in by the main CLI, and what is under test here is the evaluator around it.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from edge.board.position import Position
from edge.errors import NoBoardError
from edge.evaluation import command
from edge.evaluation.board_format import read_board_txt
from edge.evaluation.samples import ImageBox, KnownBoard, Prediction, Reader
from evaluation_board_data import OPENING_9

CORNERS = np.array([[40.0, 30.0], [280.0, 30.0], [280.0, 210.0], [40.0, 210.0]])


def label_reader(model: Path | None) -> Reader:
    """Reads the label beside the image: b.jpg one stone wrong, c.jpg rotated, d.jpg no board."""

    def read(image: Path, board: KnownBoard | None) -> Prediction:
        if image.stem == "d":
            raise NoBoardError("no board found")
        position, _ = read_board_txt(image.with_suffix(".txt"))
        if image.stem == "b":
            stones = dict(position.stones)
            stones[(0, 0)] = "w"
            position = Position(position.size, stones)
        if image.stem == "c":
            position = position.symmetries()[3]
        return Prediction(position=position, corners=CORNERS)

    return read


def box_reader(model: Path | None) -> Reader:
    """Echoes YOLO labels as detections, shifted 1 px, with a false positive."""

    def read(image: Path, board: KnownBoard | None) -> Prediction:
        label = image.parent.parent / "labels" / (image.stem + ".txt")
        dets = []
        for n, line in enumerate(label.read_text().split("\n")):
            if line.strip():
                c, cx, cy, w, h = (float(v) for v in line.split())
                x0, y0 = (cx - w / 2) * 320 + 1, (cy - h / 2) * 240
                dets.append(ImageBox(x0, y0, x0 + w * 320, y0 + h * 240, "bw"[int(c)], 0.9 - 0.1 * n))
        dets.append(ImageBox(0, 0, 10, 10, "b", 0.3))
        return Prediction(detections=dets)

    return read


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="goban-edge eval")
    command.add_arguments(parser)
    return parser.parse_args(argv)


def run(argv: list[str], factory=None) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    out, err = io.StringIO(), io.StringIO()
    code = command.run(parse(argv), factory, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def write_image(path: Path, width: int = 320, height: int = 240) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    ok, data = cv2.imencode(path.suffix, np.full((height, width, 3), 180, np.uint8))
    path.write_bytes(data.tobytes())


def coco_files(tmp_path: Path) -> tuple[Path, Path]:
    """A Roboflow-style ground truth and a results file with misses, duplicates,
    false positives and a colour mistake."""
    rng = np.random.default_rng(21)
    images, anns, dets = [], [], []
    for i in range(1, 9):
        images.append({"id": i, "file_name": f"{i}.jpg", "width": 400, "height": 400})
        for r, c in np.argwhere(rng.random((9, 9)) < 0.3):
            box = [30.0 + 40 * c, 30.0 + 40 * r, 34.0, 34.0]
            cat = int(rng.integers(1, 3))
            anns.append({"id": len(anns) + 1, "image_id": i, "category_id": cat, "bbox": box, "area": 34.0 * 34.0, "iscrowd": 0})
            if rng.random() < 0.9:
                jit = [round(v + rng.normal(0, 3), 2) for v in box]
                dets.append({"image_id": i, "category_id": cat if rng.random() < 0.95 else 3 - cat, "bbox": jit, "score": round(float(rng.random()), 3)})
            if rng.random() < 0.1:
                dets.append({"image_id": i, "category_id": cat, "bbox": box, "score": 0.5})
        dets.append({"image_id": i, "category_id": 1, "bbox": [1, 1, 20, 20], "score": 0.7})
    cats = [{"id": 0, "name": "stones", "supercategory": "none"},
            {"id": 1, "name": "black", "supercategory": "stones"},
            {"id": 2, "name": "white", "supercategory": "stones"}]
    gt = tmp_path / "gt.json"
    gt.write_text(json.dumps({"images": images, "annotations": anns, "categories": cats}))
    dt = tmp_path / "dets.json"
    dt.write_text(json.dumps(dets))
    return gt, dt


def pycocotools_means(gt: Path, dt: Path) -> tuple[float, float]:
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO(str(gt))
        ev = COCOeval(coco_gt, coco_gt.loadRes(str(dt)), "bbox")
        ev.params.maxDets = [1, 10, 500]
        ev.evaluate()
        ev.accumulate()
    p = ev.eval["precision"][:, :, :, 0, -1]
    return float(np.mean(p[p > -1])), float(np.mean(p[0][p[0] > -1]))


def test_gt_and_detections_mode_end_to_end(tmp_path: Path) -> None:
    gt, dt = coco_files(tmp_path)
    out = tmp_path / "report"
    code, stdout, stderr = run(["--gt", str(gt), "--detections", str(dt), "--out", str(out)])
    assert code == 0, stderr
    assert "mAP@[.5:.95]" in stdout and "report.md" in stdout
    report = json.loads((out / "report.json").read_text())
    ref_map, ref_map50 = pycocotools_means(gt, dt)
    assert report["detection"]["map"] == pytest.approx(ref_map, abs=1e-4)
    assert report["detection"]["map50"] == pytest.approx(ref_map50, abs=1e-4)
    assert set(report["detection"]["classes"]) == {"black", "white"}
    assert len(report["detection"]["classes"]["black"]["pr_curve_iou50"]) == 101
    assert report["versions"]["numpy"] == np.__version__ and report["versions"]["opencv"] == cv2.__version__
    assert "litert" in report["versions"] and report["versions"]["goban-edge"]
    md = (out / "report.md").read_text()
    assert "| black |" in md and "| white |" in md and "pr_black.png" in md
    for name in ("pr_black.png", "pr_white.png"):
        picture = cv2.imread(str(out / name))
        assert picture is not None and picture.shape == (480, 640, 3)
        assert (picture < 250).any()  # something was drawn
    assert not list(out.glob(".*.tmp"))  # atomic writes left no temporaries


def test_gt_and_detections_errors_are_one_line(tmp_path: Path) -> None:
    gt, dt = coco_files(tmp_path)
    dt.write_text(json.dumps([{"image_id": 99, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 0.5}]))
    code, _, stderr = run(["--gt", str(gt), "--detections", str(dt), "--out", str(tmp_path / "o")])
    assert code == 2
    assert stderr.strip().count("\n") == 0 and "dets.json [0].image_id: no image with id 99" in stderr
    dt.write_text(json.dumps([{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]}]))
    code, _, stderr = run(["--gt", str(gt), "--detections", str(dt), "--out", str(tmp_path / "o")])
    assert code == 2 and "[0].score: missing" in stderr
    code, _, stderr = run(["--gt", str(gt), "--out", str(tmp_path / "o")])
    assert code == 2 and "--gt and --detections go together" in stderr


def test_board_set_over_two_workers_with_gallery(tmp_path: Path) -> None:
    data = tmp_path / "boards"
    for stem in "abcd":
        write_image(data / f"{stem}.jpg")
        (data / f"{stem}.txt").write_text(OPENING_9)
    model = tmp_path / "model.tflite"
    model.write_bytes(b"not really a model")
    out = tmp_path / "out"
    code, stdout, stderr = run(
        [str(data), "--model", str(model), "--out", str(out), "--workers", "2", "--quiet"], label_reader
    )
    assert code == 0, stderr
    assert "2/4 exactly right" in stdout
    report = json.loads((out / "report.json").read_text())
    assert report["model"]["sha256"] == hashlib.sha256(model.read_bytes()).hexdigest()
    board = report["board"]
    assert board["exact_matches"] == 2 and board["boards_read"] == 3
    assert board["intersection_accuracy"] == pytest.approx((81 * 2 + 80) / (81 * 4))
    per_image = {Path(r["image"]).name: r for r in board["per_image"]}
    assert per_image["c.jpg"]["correct"] and per_image["c.jpg"]["symmetry"] == 1
    assert per_image["b.jpg"]["errors"] == [{"point": "A9", "row": 0, "col": 0, "expected": ".", "got": "W"}]
    assert per_image["d.jpg"]["failure"] == "no board found"
    assert report["read_failures"] == [{"image": str(data / "d.jpg"), "error": "no board found"}]
    gallery = out / per_image["b.jpg"]["gallery"]
    picture = cv2.imread(str(gallery))
    # A9 is the top-left corner, placed by the reader's corners: a red ring around it.
    x, y = CORNERS[0].astype(int)
    ring = picture[y - 20 : y + 20, x - 20 : x + 20]
    assert ((ring[..., 2] > 200) & (ring[..., 1] < 80) & (ring[..., 0] < 80)).any()
    assert per_image["d.jpg"]["gallery"] is None
    md = (out / "report.md").read_text()
    assert "boards exactly right | 2 / 4" in md and "gallery/b.jpg" in md


def test_known_corners_tell_the_reader_where_each_board_is(tmp_path: Path) -> None:
    data = tmp_path / "boards"
    for n, stem in enumerate("ab"):
        write_image(data / f"{stem}.jpg")
        (data / f"{stem}.txt").write_text(OPENING_9)
        (data / f"{stem}.corners.json").write_text(json.dumps((CORNERS + n).tolist()))
    told: dict[str, KnownBoard | None] = {}

    def recording_reader(model: Path | None) -> Reader:
        def read(image: Path, board: KnownBoard | None) -> Prediction:
            told[image.name] = board
            return label_reader(model)(image, board)

        return read

    out = tmp_path / "out"
    code, stdout, stderr = run([str(data), "--known-corners", "--workers", "1", "--out", str(out), "--quiet"],
                               recording_reader)
    assert code == 0, stderr
    assert [(b.size, b.corners.tolist()) for b in (told["a.jpg"], told["b.jpg"])] == [
        (9, CORNERS.tolist()), (9, (CORNERS + 1).tolist())]
    assert "board finding not scored" in stdout
    assert json.loads((out / "report.json").read_text())["settings"]["known_corners"] is True

    told.clear()
    assert run([str(data), "--workers", "1", "--out", str(out), "--quiet"], recording_reader)[0] == 0
    assert told == {"a.jpg": None, "b.jpg": None}


def test_known_corners_need_corners_beside_every_image(tmp_path: Path) -> None:
    data = tmp_path / "boards"
    for stem in "ab":
        write_image(data / f"{stem}.jpg")
        (data / f"{stem}.txt").write_text(OPENING_9)
    (data / "a.corners.json").write_text(json.dumps(CORNERS.tolist()))
    code, _, stderr = run([str(data), "--known-corners", "--workers", "1", "--out", str(tmp_path / "o"), "--quiet"],
                          label_reader)
    assert code == 2
    assert stderr.strip().splitlines() == [
        f"goban-edge eval: --known-corners: 1 of 2 images lack a board label with a NAME.corners.json "
        f"beside it, e.g. {data / 'b.jpg'}"]


def test_yolo_set_detection_mode_in_process(tmp_path: Path) -> None:
    split = tmp_path / "set"
    write_image(split / "images" / "p.jpg")
    write_image(split / "images" / "q.jpg")
    (split / "labels").mkdir()
    (split / "labels" / "p.txt").write_text("0 0.5 0.5 0.1 0.1\n1 0.2 0.2 0.1 0.1\n")
    (split / "labels" / "q.txt").write_text("1 0.7 0.7 0.1 0.1\n")
    (split / "data.yaml").write_text("names: ['black', 'white']\n")
    out = tmp_path / "out"
    code, stdout, stderr = run([str(split), "--out", str(out), "--workers", "1", "--quiet"], box_reader)
    assert code == 0, stderr
    report = json.loads((out / "report.json").read_text())
    det = report["detection"]
    # Every stone found with IoU 32/34 ~ 0.94 (1 px shift of a 32 px box): AP@.5 1.
    assert det["classes"]["black"]["ap50"] == pytest.approx(1.0)
    assert det["classes"]["white"]["ap50"] == pytest.approx(1.0)
    assert det["at_threshold"]["true_positives"] == 3 and det["at_threshold"]["false_positives"] == 0
    assert report["board"] is None and (out / "pr_black.png").is_file()


def test_dataset_mode_needs_a_reader(tmp_path: Path) -> None:
    data = tmp_path / "boards"
    write_image(data / "a.jpg")
    (data / "a.txt").write_text(OPENING_9)
    code, _, stderr = run([str(data), "--out", str(tmp_path / "o")], None)
    assert code != 0 and "no image reader" in stderr
    code, _, stderr = run([str(tmp_path / "absent"), "--out", str(tmp_path / "o")], label_reader)
    assert code == 2 and "no such file or folder" in stderr


def test_coco_dataset_mode_agrees_with_pycocotools(tmp_path: Path) -> None:
    """The DATASET path (labels read into image boxes, detections from a reader)
    gives the figures pycocotools gives on the same COCO files."""
    from edge.evaluation import evaluate_dataset, load_dataset

    gt, dt = coco_files(tmp_path)
    for i in range(1, 9):
        write_image(tmp_path / f"{i}.jpg", 400, 400)
    dets = json.loads(dt.read_text())
    by_file = {f"{i}.jpg": [d for d in dets if d["image_id"] == i] for i in range(1, 9)}

    def reader(image: Path, board: KnownBoard | None) -> Prediction:
        return Prediction(detections=[
            ImageBox(d["bbox"][0], d["bbox"][1], d["bbox"][0] + d["bbox"][2], d["bbox"][1] + d["bbox"][3],
                     "b" if d["category_id"] == 1 else "w", d["score"])
            for d in by_file[image.name]
        ])

    report = evaluate_dataset(load_dataset(gt), reader, progress=False)
    ref_map, ref_map50 = pycocotools_means(gt, dt)
    assert report.detection is not None
    assert report.detection.map == pytest.approx(ref_map, abs=1e-4)
    assert report.detection.map50 == pytest.approx(ref_map50, abs=1e-4)
