"""COCO (Roboflow, CVAT) and YOLO loaders on tiny sets written to tmp_path, format
detection, and the one-line errors for malformed input."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.errors import BadInputError
from edge.evaluation.classes import class_color
from edge.evaluation.datasets import detect_format, load_dataset
from edge.evaluation.yolo_format import read_yaml_names


def write_image(path: Path, width: int = 64, height: int = 48) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    ok, data = cv2.imencode(path.suffix, np.full((height, width, 3), 128, np.uint8))
    assert ok
    path.write_bytes(data.tobytes())
    return path


def roboflow_coco(folder: Path, annotations: list[dict] | None = None) -> Path:
    """A Roboflow-style split: _annotations.coco.json beside two 64x48 images."""
    write_image(folder / "a_jpg.rf.1.jpg")
    write_image(folder / "b_jpg.rf.2.jpg")
    data = {
        "info": {"description": "exported from roboflow.com"},
        "categories": [
            {"id": 0, "name": "stones", "supercategory": "none"},
            {"id": 1, "name": "black", "supercategory": "stones"},
            {"id": 2, "name": "white", "supercategory": "stones"},
        ],
        "images": [
            {"id": 0, "file_name": "a_jpg.rf.1.jpg", "width": 64, "height": 48},
            {"id": 1, "file_name": "b_jpg.rf.2.jpg", "width": 64, "height": 48},
        ],
        "annotations": annotations
        if annotations is not None
        else [
            {"id": 0, "image_id": 0, "category_id": 1, "bbox": [2, 3, 10, 10], "area": 100, "iscrowd": 0},
            {"id": 1, "image_id": 0, "category_id": 2, "bbox": [20, 3, 10.5, 10], "area": 105, "iscrowd": 0},
            {"id": 2, "image_id": 1, "category_id": 1, "bbox": [50, 30, 14, 18], "area": 252, "iscrowd": 0},
        ],
    }
    path = folder / "_annotations.coco.json"
    path.write_text(json.dumps(data, indent=1))
    return path


def test_class_names_map_to_colours() -> None:
    for name in ("black", "Black", "B", "b", "black_stone", "black-stone", "Black Stone"):
        assert class_color(name) == "b"
    for name in ("white", "W", "white_stone", "White-Stones"):
        assert class_color(name) == "w"
    for name in ("board", "corner", "board_corner", "empty", "stones", "empty-point"):
        assert class_color(name) is None
    with pytest.raises(BadInputError, match="unknown class name 'cat'"):
        class_color("cat")


def test_roboflow_coco_split(tmp_path: Path) -> None:
    split = tmp_path / "test"
    roboflow_coco(split)
    assert detect_format(split) == "coco"
    ds = load_dataset(split)
    assert ds.format == "coco" and len(ds) == 2 and not ds.problems
    a, b = ds.samples
    assert a.image.name == "a_jpg.rf.1.jpg"
    assert [(box.color, box.x0, box.y0, box.x1, box.y1) for box in a.boxes] == [
        ("b", 2, 3, 12, 13),
        ("w", 20, 3, 30.5, 13),
    ]
    assert len(b.boxes) == 1 and b.boxes[0].x1 == 64
    assert any("'stones' (0 labels)" in n for n in ds.notes)
    # The export root holds several splits: say which to pick.
    roboflow_coco(tmp_path / "train")
    with pytest.raises(BadInputError, match="several splits; evaluate one of them"):
        load_dataset(tmp_path)


def test_cvat_coco_export_with_board_class(tmp_path: Path) -> None:
    write_image(tmp_path / "images" / "frame_000001.png", 80, 60)
    (tmp_path / "annotations").mkdir()
    data = {
        "categories": [
            {"id": 1, "name": "Black stone", "supercategory": ""},
            {"id": 2, "name": "White stone", "supercategory": ""},
            {"id": 3, "name": "board", "supercategory": ""},
        ],
        "images": [{"id": 1, "file_name": "frame_000001.png", "width": 80, "height": 60}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 3, "bbox": [0, 0, 80, 60], "area": 4800, "iscrowd": 0},
            {"id": 2, "image_id": 1, "category_id": 2, "bbox": [5, 5, 9, 9], "area": 81, "iscrowd": 0},
        ],
    }
    (tmp_path / "annotations" / "instances_default.json").write_text(json.dumps(data))
    ds = load_dataset(tmp_path)
    assert ds.format == "coco"
    (sample,) = ds.samples
    assert sample.image == tmp_path / "images" / "frame_000001.png"
    assert [(b.color, b.x0, b.y1) for b in sample.boxes] == [("w", 5, 14)]
    assert any("'board' (1 labels)" in n for n in ds.notes)


def test_coco_bad_json_names_line_and_column(tmp_path: Path) -> None:
    path = roboflow_coco(tmp_path)
    path.write_text('{\n  "images": [\n    {"id": 0,,}\n  ]\n}\n')
    with pytest.raises(BadInputError, match=r"_annotations\.coco\.json line 3 column \d+: bad JSON"):
        load_dataset(path)


def test_coco_missing_image_names_the_key(tmp_path: Path) -> None:
    roboflow_coco(tmp_path)
    (tmp_path / "b_jpg.rf.2.jpg").unlink()
    with pytest.raises(BadInputError, match=r"_annotations\.coco\.json images\[1\]\.file_name: image 'b_jpg\.rf\.2\.jpg' not found"):
        load_dataset(tmp_path)
    ds = load_dataset(tmp_path, skip_bad=True)
    assert len(ds) == 1 and len(ds.problems) == 1


def test_coco_box_outside_the_image_names_the_annotation(tmp_path: Path) -> None:
    roboflow_coco(
        tmp_path,
        [
            {"id": 1, "image_id": 0, "category_id": 1, "bbox": [2, 3, 10, 10], "area": 100, "iscrowd": 0},
            {"id": 2, "image_id": 1, "category_id": 2, "bbox": [60, 3, 10, 10], "area": 100, "iscrowd": 0},
        ],
    )
    with pytest.raises(BadInputError, match=r"annotations\[1\]\.bbox: box \[60, 3, 10, 10\] lies outside the 64x48 image"):
        load_dataset(tmp_path)
    ds = load_dataset(tmp_path, skip_bad=True)
    assert [s.image.name for s in ds] == ["a_jpg.rf.1.jpg"]  # the image with the bad box is left out
    assert "annotations[1].bbox" in ds.problems[0]


def test_coco_unknown_class_lists_the_names(tmp_path: Path) -> None:
    path = roboflow_coco(tmp_path)
    data = json.loads(path.read_text())
    data["categories"] += [{"id": 3, "name": "hand", "supercategory": "stones"}, {"id": 4, "name": "cup"}]
    data["annotations"] += [
        {"id": 9, "image_id": 1, "category_id": 3, "bbox": [1, 1, 5, 5], "area": 25, "iscrowd": 0},
        {"id": 10, "image_id": 1, "category_id": 4, "bbox": [1, 1, 5, 5], "area": 25, "iscrowd": 0},
    ]
    path.write_text(json.dumps(data))
    with pytest.raises(BadInputError, match=r"categories: unknown class names 'cup', 'hand' \(stone classes"):
        load_dataset(tmp_path)
    ds = load_dataset(tmp_path, skip_bad=True)
    assert [s.image.name for s in ds] == ["a_jpg.rf.1.jpg"]


def test_coco_structural_errors(tmp_path: Path) -> None:
    path = roboflow_coco(tmp_path)
    data = json.loads(path.read_text())
    del data["annotations"]
    path.write_text(json.dumps(data))
    with pytest.raises(BadInputError, match="key 'annotations' is missing"):
        load_dataset(path)
    data["annotations"] = [{"id": 1, "image_id": 7, "category_id": 1, "bbox": [1, 1, 2, 2]}]
    path.write_text(json.dumps(data))
    with pytest.raises(BadInputError, match=r"annotations\[0\]\.image_id: no image with id 7"):
        load_dataset(path)


def yolo_set(root: Path, names_yaml: str = "names: ['black', 'white']\nnc: 2\n") -> Path:
    split = root / "valid"
    write_image(split / "images" / "x.jpg", 200, 100)
    write_image(split / "images" / "y.jpg", 200, 100)
    write_image(split / "images" / "nolabel.jpg", 200, 100)
    (split / "labels").mkdir(parents=True)
    (split / "labels" / "x.txt").write_text("0 0.5 0.5 0.1 0.2\n1 0.1 0.1 0.05 0.1\n")
    (split / "labels" / "y.txt").write_text("1 0.2 0.3 0.4 0.3 0.4 0.5 0.2 0.5\n")
    (root / "data.yaml").write_text("train: ../train/images\nval: ../valid/images\n" + names_yaml)
    return split


def test_yolo_set_reads_boxes_in_pixels(tmp_path: Path) -> None:
    split = yolo_set(tmp_path)
    assert detect_format(split) == "yolo"
    ds = load_dataset(split)
    by_name = {s.image.name: s for s in ds}
    assert set(by_name) == {"x.jpg", "y.jpg", "nolabel.jpg"}
    x = by_name["x.jpg"].boxes
    assert [(b.color, b.x0, b.y0, b.x1, b.y1) for b in x] == [
        ("b", pytest.approx(90), pytest.approx(40), pytest.approx(110), pytest.approx(60)),
        ("w", pytest.approx(15), pytest.approx(5), pytest.approx(25), pytest.approx(15)),
    ]
    (poly,) = by_name["y.jpg"].boxes  # a polygon line counts as its bounding box
    assert (poly.x0, poly.y0, poly.x1, poly.y1) == (pytest.approx(40), pytest.approx(30), pytest.approx(80), pytest.approx(50))
    assert by_name["nolabel.jpg"].boxes == ()
    assert any("1 images without a label file" in n for n in ds.notes)


@pytest.mark.parametrize(
    "yaml_text",
    [
        "names: ['black', 'white']\n",
        "names: [black, white]  # two classes\n",
        "names:\n  - black\n  - white\nnc: 2\n",
        "names:\n  0: black\n  1: 'white'\n",
        "names: {0: black, 1: white}\n",
    ],
)
def test_yaml_names_forms(tmp_path: Path, yaml_text: str) -> None:
    path = tmp_path / "data.yaml"
    path.write_text("path: ../datasets\n" + yaml_text)
    assert read_yaml_names(path) == ["black", "white"]


def test_yolo_malformed_lines_name_file_and_line(tmp_path: Path) -> None:
    split = yolo_set(tmp_path)
    label = split / "labels" / "x.txt"
    label.write_text("0 0.5 0.5 0.1 0.2\n0 0.5 0.5 0.1\n")
    with pytest.raises(BadInputError, match=r"labels/x\.txt line 2: expected 'class cx cy w h'"):
        load_dataset(split)
    label.write_text("0 0.5 0.5 0.1 0.2\n\n1 0.99 0.5 0.1 0.2\n")
    with pytest.raises(BadInputError, match=r"labels/x\.txt line 3: box reaches outside the image"):
        load_dataset(split)
    label.write_text("5 0.5 0.5 0.1 0.2\n")
    with pytest.raises(BadInputError, match=r"labels/x\.txt line 1: class 5 is not in .*data\.yaml \(2 names\)"):
        load_dataset(split)
    ds = load_dataset(split, skip_bad=True)
    assert {s.image.name for s in ds} == {"y.jpg", "nolabel.jpg"} and len(ds.problems) == 1


def test_yolo_unknown_class_names_are_listed(tmp_path: Path) -> None:
    split = yolo_set(tmp_path, "names: ['black', 'white', 'hand', 'corner']\n")
    (split / "labels" / "y.txt").write_text("2 0.5 0.5 0.1 0.1\n3 0.5 0.5 0.1 0.1\n")
    with pytest.raises(BadInputError, match=r"data\.yaml names: unknown class names 'hand' .*first used: 'hand' at .*y\.txt line 1"):
        load_dataset(split)
    ds = load_dataset(split, skip_bad=True)
    assert {s.image.name for s in ds} == {"x.jpg", "nolabel.jpg"}


def test_yolo_without_class_names_file(tmp_path: Path) -> None:
    split = yolo_set(tmp_path)
    (tmp_path / "data.yaml").unlink()
    with pytest.raises(BadInputError, match="no data.yaml, classes.txt or obj.names"):
        load_dataset(split)
    (split / "obj.names").write_text("Black\nWhite\n")
    assert len(load_dataset(split)) == 3


def test_format_detection_and_empty_folder(tmp_path: Path) -> None:
    path = roboflow_coco(tmp_path / "coco")
    assert detect_format(path) == "coco"
    (tmp_path / "nothing").mkdir()
    with pytest.raises(BadInputError, match="cannot tell the format"):
        load_dataset(tmp_path / "nothing")
    with pytest.raises(BadInputError, match="no such file or folder"):
        load_dataset(tmp_path / "absent")


def test_cvat_yolo_export_with_labels_beside_images(tmp_path: Path) -> None:
    write_image(tmp_path / "obj_train_data" / "frame_000000.jpg", 100, 100)
    (tmp_path / "obj_train_data" / "frame_000000.txt").write_text("1 0.5 0.5 0.2 0.2\n")
    (tmp_path / "obj.names").write_text("black\nwhite\n")
    (tmp_path / "obj.data").write_text("classes = 2\nnames = data/obj.names\n")
    assert detect_format(tmp_path) == "yolo"
    (sample,) = load_dataset(tmp_path).samples
    assert [(b.color, b.x0, b.x1) for b in sample.boxes] == [("w", pytest.approx(40), pytest.approx(60))]
