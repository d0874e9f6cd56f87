"""COCO detection JSON, as Roboflow and CVAT export it, read into plain arrays.

Roboflow: `<split>/_annotations.coco.json` beside the images, a supercategory
`stones` (id 0, never used) above `black` and `white`. CVAT ("COCO 1.0"):
`annotations/instances_default.json` with the images in `images/`.

Images are kept in ascending id order, the order pycocotools evaluates them in
(it breaks ties in score by it). Every stone counts: `iscrowd` is not read.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edge.board.position import Color
from edge.errors import BadInputError
from edge.evaluation.boxes import BoxArrays
from edge.evaluation.classes import COLOR_INDEX, INDEX_COLOR, classify_names, unknown_names_message
from edge.evaluation.problems import ProblemLog
from edge.evaluation.samples import ImageBox, Sample

BOUNDS_TOLERANCE_PX = 1.0
"""How far a box may poke out of its image before it counts as a labelling error
(labelling tools round; a stone half outside the photo is a real error)."""


@dataclass(frozen=True)
class CocoImage:
    id: Any
    file_name: str
    width: float | None
    height: float | None
    key: str
    """Where it sits in the file, e.g. `images[3]`, for messages."""


@dataclass(frozen=True)
class CocoGroundTruth:
    path: Path
    images: tuple[CocoImage, ...]
    """Ascending id order; `boxes.image` indexes this."""
    boxes: BoxArrays
    category_colors: dict[Any, Color]
    """Stone category id -> colour."""
    category_names: dict[Any, str]
    notes: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    skipped: frozenset[Any] = field(default_factory=frozenset)
    """Ids of images dropped under skip_bad."""


def read_json(path: Path) -> Any:
    """Parse a JSON file; BadInputError naming the line and column of a syntax error."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(f"{path}: cannot read ({exc})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInputError(f"{path} line {exc.lineno} column {exc.colno}: bad JSON: {exc.msg}") from None


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def is_id(value: Any) -> bool:
    """COCO ids are numbers or strings (anything else cannot be looked up)."""
    return isinstance(value, (int, float, str)) and not isinstance(value, bool)


def _list_field(data: Any, key: str, path: Path) -> list[Any]:
    if not isinstance(data, dict):
        raise BadInputError(f"{path}: expected a COCO object with 'images', 'annotations', 'categories'")
    value = data.get(key)
    if not isinstance(value, list):
        raise BadInputError(f"{path}: key '{key}' is missing or not a list")
    return value


def read_coco_ground_truth(path: Path, problems: ProblemLog) -> CocoGroundTruth:
    data = read_json(path)
    categories = _categories(_list_field(data, "categories", path), path)
    images = _images(_list_field(data, "images", path), path)
    by_id = {im.id: n for n, im in enumerate(images)}
    colors_by_name, unknown_names = classify_names(set(categories.values()))
    colors: dict[Any, Color] = {
        cid: color for cid, name in categories.items() if (color := colors_by_name.get(name)) is not None
    }

    skipped: set[Any] = set()
    rows: list[tuple[int, int, list[float]]] = []
    ignored: dict[str, int] = {name: 0 for name in categories.values() if colors_by_name.get(name, "?") is None}
    unknown_used: dict[str, list[Any]] = {}
    for n, ann in enumerate(_list_field(data, "annotations", path)):
        key = f"annotations[{n}]"
        if not isinstance(ann, dict):
            problems.report(f"{path} {key}: not an object")
            continue
        image_id = ann.get("image_id")
        if not is_id(image_id) or image_id not in by_id:
            problems.report(f"{path} {key}.image_id: no image with id {image_id!r}")
            continue
        cid = ann.get("category_id")
        if not is_id(cid) or cid not in categories:
            problems.report(f"{path} {key}.category_id: no category with id {cid!r}")
            skipped.add(image_id)
            continue
        name = categories[cid]
        if name in unknown_names:
            unknown_used.setdefault(name, []).append(image_id)
            continue
        color = colors[cid] if cid in colors else None
        if color is None:
            ignored[name] += 1
            continue
        image = images[by_id[image_id]]
        box = ann.get("bbox")
        message = _bbox_problem(box, image)
        if message:
            problems.report(f"{path} {key}.bbox: {message}")
            skipped.add(image_id)
            continue
        rows.append((by_id[image_id], COLOR_INDEX[color], [float(v) for v in box]))
    if unknown_used:
        problems.report(unknown_names_message(f"{path} categories", unknown_used))
        skipped.update(i for ids in unknown_used.values() for i in ids)

    keep = [r for r in rows if images[r[0]].id not in skipped]
    boxes = (
        BoxArrays.build([r[0] for r in keep], [r[1] for r in keep], [r[2] for r in keep])
        if keep
        else BoxArrays.empty()
    )
    notes = []
    if ignored:
        listed = ", ".join(f"{name!r} ({count} labels)" for name, count in sorted(ignored.items()))
        notes.append(f"{path}: classes ignored (not stones): {listed}")
    unused_unknown = sorted(set(unknown_names) - set(unknown_used))
    if unused_unknown:
        notes.append(f"{path}: unused categories ignored: {', '.join(repr(n) for n in unused_unknown)}")
    return CocoGroundTruth(
        path=path,
        images=images,
        boxes=boxes,
        category_colors=colors,
        category_names=categories,
        notes=tuple(notes),
        problems=tuple(problems.problems),
        skipped=frozenset(skipped),
    )


def _categories(raw: list[Any], path: Path) -> dict[Any, str]:
    categories: dict[Any, str] = {}
    for n, cat in enumerate(raw):
        if not isinstance(cat, dict) or not is_id(cat.get("id")) or not isinstance(cat.get("name"), str):
            raise BadInputError(f"{path} categories[{n}]: needs an 'id' and a 'name'")
        if cat["id"] in categories:
            raise BadInputError(f"{path} categories[{n}].id: id {cat['id']!r} used twice")
        categories[cat["id"]] = cat["name"]
    return categories


def _images(raw: list[Any], path: Path) -> tuple[CocoImage, ...]:
    images: dict[Any, CocoImage] = {}
    for n, im in enumerate(raw):
        key = f"images[{n}]"
        if not isinstance(im, dict) or not is_id(im.get("id")):
            raise BadInputError(f"{path} {key}: needs an 'id'")
        if not isinstance(im.get("file_name"), str) or not im["file_name"]:
            raise BadInputError(f"{path} {key}.file_name: missing or not a string")
        if im["id"] in images:
            raise BadInputError(f"{path} {key}.id: id {im['id']!r} used twice")
        width, height = im.get("width"), im.get("height")
        images[im["id"]] = CocoImage(
            id=im["id"],
            file_name=im["file_name"],
            width=float(width) if _number(width) and width > 0 else None,
            height=float(height) if _number(height) and height > 0 else None,
            key=key,
        )
    try:
        return tuple(sorted(images.values(), key=lambda im: im.id))
    except TypeError:
        raise BadInputError(f"{path}: image ids mix numbers and strings") from None


def _bbox_problem(box: Any, image: CocoImage) -> str | None:
    if not isinstance(box, list) or len(box) != 4 or not all(_number(v) for v in box):
        return f"expected [x, y, width, height] numbers, got {box!r}"
    x, y, w, h = (float(v) for v in box)
    if w < 0 or h < 0:
        return f"negative width or height in {box!r}"
    tol = BOUNDS_TOLERANCE_PX
    if x < -tol or y < -tol or (image.width is not None and x + w > image.width + tol) or (
        image.height is not None and y + h > image.height + tol
    ):
        size = f"{image.width:g}x{image.height:g}" if image.width and image.height else "image"
        return f"box {box!r} lies outside the {size} image {image.file_name!r}"
    return None


def find_coco_json(root: Path) -> Path:
    """The annotation file of a COCO set given as a file or a folder."""
    if root.is_file():
        return root
    found = sorted(root.glob("_annotations.coco.json")) or sorted((root / "annotations").glob("*.json"))
    if not found:
        found = sorted(p for p in root.glob("*.json") if p.name != "data.json")
    if len(found) == 1:
        return found[0]
    if not found:
        raise BadInputError(f"{root}: no COCO annotation file (_annotations.coco.json or annotations/*.json)")
    names = ", ".join(str(p.relative_to(root)) for p in found)
    raise BadInputError(f"{root}: several COCO annotation files ({names}); pass the one to use")


def resolve_image(json_path: Path, file_name: str) -> Path | None:
    """Where an image named in a COCO file lies: beside it, or in an images/ folder."""
    here = json_path.parent
    for folder in (here, here / "images", here.parent / "images", here.parent):
        for name in (file_name, Path(file_name).name):
            candidate = folder / name
            if candidate.is_file():
                return candidate
    return None


def load_coco_dataset(root: Path, *, skip_bad: bool) -> tuple[list[Sample], list[str], list[str]]:
    """Samples of a COCO set, with the problems skipped and the notes."""
    path = find_coco_json(root)
    problems = ProblemLog(skip_bad)
    gt = read_coco_ground_truth(path, problems)
    per_image: list[list[ImageBox]] = [[] for _ in gt.images]
    for n in range(len(gt.boxes)):
        x, y, w, h = (float(v) for v in gt.boxes.xywh[n])
        color = INDEX_COLOR[int(gt.boxes.label[n])]
        per_image[int(gt.boxes.image[n])].append(ImageBox(x, y, x + w, y + h, color))
    samples: list[Sample] = []
    for image, boxes in zip(gt.images, per_image):
        if image.id in gt.skipped:
            continue
        file = resolve_image(path, image.file_name)
        if file is None:
            problems.report(
                f"{path} {image.key}.file_name: image {image.file_name!r} not found "
                f"beside the file or in an images/ folder"
            )
            continue
        samples.append(Sample(image=file, label=path, boxes=tuple(boxes)))
    return samples, problems.problems, list(gt.notes)
