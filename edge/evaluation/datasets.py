"""Load a labelled set in whichever format it comes, detecting the format if asked."""

from __future__ import annotations

from pathlib import Path

from edge.errors import BadInputError
from edge.evaluation.board_format import FIXED_ORIENTATION_MARKER, is_board_set, load_board_dataset
from edge.evaluation.coco_format import load_coco_dataset
from edge.evaluation.samples import Dataset, DatasetFormat
from edge.evaluation.yolo_format import is_yolo_set, load_yolo_dataset

FORMATS: tuple[DatasetFormat, ...] = ("coco", "yolo", "board")
_SPLITS = ("train", "valid", "val", "test")


def detect_format(path: Path) -> DatasetFormat:
    """coco for a JSON file or a folder holding one, yolo for images/ + labels/,
    board for images with .txt/.sgf labels beside them."""
    if path.is_file():
        if path.suffix.lower() == ".json":
            return "coco"
        raise BadInputError(f"{path}: a labelled set is a COCO .json file or a folder")
    if not path.is_dir():
        raise BadInputError(f"{path}: no such file or folder")
    if (path / "_annotations.coco.json").is_file() or any((path / "annotations").glob("*.json")):
        return "coco"
    if is_yolo_set(path):
        return "yolo"
    splits = [s for s in _SPLITS if (path / s).is_dir()]
    if splits:
        listed = ", ".join(str(path / s) for s in splits)
        raise BadInputError(f"{path} holds several splits; evaluate one of them: {listed}")
    if is_board_set(path):
        return "board"
    if any(path.glob("*.json")):
        return "coco"
    raise BadInputError(
        f"{path}: cannot tell the format (no COCO .json, no images/ + labels/, "
        f"no images with .txt or .sgf labels); name it with --format"
    )


def load_dataset(
    path: str | Path,
    format: DatasetFormat | None = None,
    *,
    skip_bad: bool = False,
    fixed_orientation: bool | None = None,
) -> Dataset:
    """Read a labelled set; BadInputError on bad input unless `skip_bad`, which
    collects the problems in `Dataset.problems` instead.

    `fixed_orientation` None follows the set (a `fixed-orientation` file in its root).
    """
    root = Path(path)
    if not root.exists():
        raise BadInputError(f"{root}: no such file or folder")
    kind = format or detect_format(root)
    if kind not in FORMATS:
        raise BadInputError(f"unknown format {kind!r}; use one of {', '.join(FORMATS)}")
    if kind == "coco":
        samples, problems, notes = load_coco_dataset(root, skip_bad=skip_bad)
    elif kind == "yolo":
        samples, problems, notes = load_yolo_dataset(root, skip_bad=skip_bad)
    else:
        samples, problems, notes = load_board_dataset(root, skip_bad=skip_bad)
    folder = root if root.is_dir() else root.parent
    if fixed_orientation is None:
        fixed_orientation = (folder / FIXED_ORIENTATION_MARKER).exists()
    if not samples:
        detail = f" ({len(problems)} skipped as bad)" if problems else ""
        raise BadInputError(f"{root}: no labelled images found{detail}")
    return Dataset(
        root=root,
        format=kind,
        samples=tuple(samples),
        fixed_orientation=fixed_orientation,
        problems=tuple(problems),
        notes=tuple(notes),
    )
