"""YOLO txt sets: `images/` and `labels/` side by side, class names in data.yaml.

(CVAT's "YOLO 1.1" export, with each label beside its image under
`obj_train_data/` and the names in `obj.names`, is read too.)

Each label line is `class cx cy w h`, fractions of the image size (a polygon
line, `class x1 y1 x2 y2 ...`, counts as its bounding box). An image without a
label file has no stones, as YOLO trainers read it. Class names come from
`data.yaml` (Roboflow, Ultralytics) in the set or the folder above it, or from
`classes.txt` / `obj.names` (CVAT's YOLO 1.1).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from edge.errors import BadInputError
from edge.evaluation.classes import classify_names, unknown_names_message
from edge.evaluation.image_size import image_size
from edge.evaluation.problems import ProblemLog
from edge.evaluation.samples import ImageBox, Sample

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}
BOUNDS_TOLERANCE = 1e-3
"""How far (as a fraction of the image) a box may poke out before it is an error."""


def read_yaml_names(path: Path) -> list[str]:
    """The `names` of a YOLO data.yaml: a flow list, a block list or an index map.

    Only this key is read, so no YAML library is needed.
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    for n, line in enumerate(lines):
        match = re.match(r"^names\s*:\s*(.*?)\s*$", line)
        if not match:
            continue
        rest = _strip_comment(match.group(1))
        if rest:
            return _flow_names(rest, path, n + 1)
        return _block_names(lines[n + 1 :], path, n + 2)
    raise BadInputError(f"{path}: no 'names' key with the class names")


def _strip_comment(text: str) -> str:
    return re.sub(r"\s+#.*$", "", text).strip()


def _flow_names(text: str, path: Path, line: int) -> list[str]:
    if text.startswith("{"):
        body = text.strip("{}")
        pairs = [p.split(":", 1) for p in body.split(",") if p.strip()]
        try:
            mapping = {int(k): _unquote(v) for k, v in pairs}
        except ValueError:
            raise BadInputError(f"{path} line {line}: cannot read the names mapping {text!r}") from None
        return [mapping[i] for i in sorted(mapping)]
    if text.startswith("["):
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            value = [_unquote(v) for v in text.strip("[]").split(",") if v.strip()]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
    raise BadInputError(f"{path} line {line}: cannot read the names list {text!r}")


def _block_names(lines: list[str], path: Path, first_line: int) -> list[str]:
    names: dict[int, str] = {}
    for offset, raw in enumerate(lines):
        line = _strip_comment(raw)
        if not line:
            continue
        if not raw[:1].isspace() and not line.startswith("-"):
            break
        item = re.match(r"^-\s*(.+)$", line)
        entry = re.match(r"^(\d+)\s*:\s*(.+)$", line)
        if item:
            names[len(names)] = _unquote(item.group(1))
        elif entry:
            names[int(entry.group(1))] = _unquote(entry.group(2))
        else:
            raise BadInputError(f"{path} line {first_line + offset}: cannot read class name {raw.strip()!r}")
    if not names:
        raise BadInputError(f"{path} line {first_line - 1}: 'names' is empty")
    return [names[i] for i in sorted(names)]


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def find_class_names(root: Path) -> tuple[list[str], Path]:
    for folder in (root, root.parent):
        for name in ("data.yaml", "data.yml", "dataset.yaml"):
            if (folder / name).is_file():
                return read_yaml_names(folder / name), folder / name
        for name in ("classes.txt", "obj.names"):
            if (folder / name).is_file():
                path = folder / name
                return [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()], path
    raise BadInputError(f"{root}: no data.yaml, classes.txt or obj.names naming the classes (looked here and one folder up)")


def is_yolo_set(root: Path) -> bool:
    return ((root / "images").is_dir() and (root / "labels").is_dir()) or _is_darknet_set(root)


def _is_darknet_set(root: Path) -> bool:
    return (root / "obj.names").is_file() and (root / "obj_train_data").is_dir()


def _image_folder_and_labels(root: Path) -> tuple[Path, Path]:
    if _is_darknet_set(root) and not (root / "images").is_dir():
        return root / "obj_train_data", root / "obj_train_data"
    return root / "images", root / "labels"


def load_yolo_dataset(root: Path, *, skip_bad: bool) -> tuple[list[Sample], list[str], list[str]]:
    """Samples of a YOLO set, with the problems skipped and the notes."""
    if not is_yolo_set(root):
        raise BadInputError(f"{root}: a YOLO set needs images/ and labels/ folders")
    image_dir, label_dir = _image_folder_and_labels(root)
    names, names_file = find_class_names(root)
    colors, unknown = classify_names(names)
    problems = ProblemLog(skip_bad)
    images = sorted(p for p in image_dir.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    samples: list[Sample] = []
    ignored: dict[str, int] = {}
    unknown_used: dict[str, str] = {}
    unlabelled = 0
    for image in images:
        label = (label_dir / image.relative_to(image_dir)).with_suffix(".txt")
        if not label.is_file():
            unlabelled += 1
            samples.append(Sample(image=image, label=label, boxes=()))
            continue
        try:
            boxes, strangers = _read_label(label, image, names, colors, unknown, names_file, ignored)
        except BadInputError as exc:
            problems.report(str(exc))
            continue
        for name, where in strangers:
            unknown_used.setdefault(name, where)
        if not strangers:  # an image with unknown classes cannot be scored fairly
            samples.append(Sample(image=image, label=label, boxes=tuple(boxes)))
    images_stems = {(p.relative_to(image_dir).with_suffix("")) for p in images}
    orphans = [
        p for p in label_dir.rglob("*.txt") if p.relative_to(label_dir).with_suffix("") not in images_stems
    ]
    if unknown_used:
        first = ", ".join(f"{name!r} at {where}" for name, where in sorted(unknown_used.items()))
        problems.report(unknown_names_message(f"{names_file} names", unknown_used) + f"; first used: {first}")
    for orphan in sorted(orphans):
        problems.report(f"{orphan}: label file without an image in {image_dir}")
    notes = []
    if unlabelled:
        notes.append(f"{root}: {unlabelled} images without a label file, read as having no stones")
    if ignored:
        listed = ", ".join(f"{name!r} ({count} labels)" for name, count in sorted(ignored.items()))
        notes.append(f"{names_file}: classes ignored (not stones): {listed}")
    return samples, problems.problems, notes


def _read_label(
    label: Path,
    image: Path,
    names: list[str],
    colors: dict[str, str | None],
    unknown: list[str],
    names_file: Path,
    ignored: dict[str, int],
) -> tuple[list[ImageBox], list[tuple[str, str]]]:
    """The stones of one label file, and the (name, line) of any unknown class."""
    width, height = image_size(image)
    boxes: list[ImageBox] = []
    strangers: list[tuple[str, str]] = []
    try:
        text = label.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(f"{label}: cannot read ({exc})") from None
    for n, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        where = f"{label} line {n}"
        try:
            cls = int(fields[0])
            values = [float(v) for v in fields[1:]]
        except ValueError:
            raise BadInputError(f"{where}: expected 'class cx cy w h' numbers, got {line.strip()!r}") from None
        if not 0 <= cls < len(names):
            raise BadInputError(f"{where}: class {cls} is not in {names_file} ({len(names)} names)")
        if len(values) == 4:
            cx, cy, w, h = values
            x0, y0, x1, y1 = cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2
            if w < 0 or h < 0:
                raise BadInputError(f"{where}: negative width or height")
        elif len(values) >= 6 and len(values) % 2 == 0:
            xs, ys = values[0::2], values[1::2]
            x0, y0, x1, y1 = min(xs), min(ys), max(xs), max(ys)
        else:
            raise BadInputError(f"{where}: expected 'class cx cy w h' (or a polygon), got {len(fields)} fields")
        tol = BOUNDS_TOLERANCE
        if x0 < -tol or y0 < -tol or x1 > 1 + tol or y1 > 1 + tol:
            raise BadInputError(
                f"{where}: box reaches outside the image (x {x0:.4f}..{x1:.4f}, y {y0:.4f}..{y1:.4f} of 0..1)"
            )
        name = names[cls]
        if name in unknown:
            strangers.append((name, where))
            continue
        color = colors[name]
        if color is None:
            ignored[name] = ignored.get(name, 0) + 1
            continue
        boxes.append(ImageBox(x0 * width, y0 * height, x1 * width, y1 * height, color))  # type: ignore[arg-type]
    return boxes, strangers
