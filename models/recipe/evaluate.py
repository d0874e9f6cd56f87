"""Measure the exported detectors and write the figures into their metadata.

    .venv/bin/python models/recipe/evaluate.py --models models --images 1000

Validation renders come from seeds 10,000,000 and up, a range training never
touches (training uses 0..train_images). Reports COCO mAP (maxDets 500) for
the int8 and float32 models, the latency p50/p95 on 1 and 2 threads, and the
MobileNetV2-SSDLite reference measured in the same run.

Stones that are no label (more than half under a hand, or loose beside the
board in the square's margin) are ignore regions, as COCO's crowd boxes are:
a detection that matches no labelled stone and lies at least half inside one
is left out. The strict figures, with every such detection counted as a false
alarm, are reported beside them, and so are the figures of the network's
peaks decoded per class, as CenterNet decodes for COCO evaluation (the
appliance keeps one colour per place: `DecodeParams.per_class`).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import data  # noqa: E402
from edge.atomic import atomic_write_text  # noqa: E402
from edge.detect.decode import DecodeParams, decode  # noqa: E402
from edge.evaluation.average_precision import evaluate_detections  # noqa: E402
from edge.evaluation.boxes import BoxArrays  # noqa: E402
from edge.runtime.cost import model_cost  # noqa: E402
from edge.runtime.model import TFLiteModel  # noqa: E402

VAL_SEED_BASE = 10_000_000


def latency(model_path: Path, threads: int, runs: int, image: np.ndarray) -> dict[str, float]:
    model = TFLiteModel(model_path, delegate="cpu", num_threads=threads)
    x = image if model.input.dtype == np.uint8 else image.astype(np.float32)
    for _ in range(5):
        model.run(x)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        model.run(x)
        times.append(time.perf_counter() - t)
    return {"p50_ms": round(1000 * float(np.median(times)), 3), "p95_ms": round(1000 * float(np.percentile(times, 95)), 3)}


def _boxes(dets: list) -> list[tuple[tuple[float, float, float, float], int, float]]:
    return [((d.x0, d.y0, d.x1, d.y1), 0 if d.color == "b" else 1, d.score) for d in dets]


def _as_arrays(per_image: list[list[tuple[tuple[float, float, float, float], int, float]]]) -> BoxArrays:
    rows = [(i, k, (x0, y0, x1 - x0, y1 - y0), s) for i, dets in enumerate(per_image) for (x0, y0, x1, y1), k, s in dets]
    if not rows:
        return BoxArrays.empty()
    img, lab, xywh, score = zip(*rows)
    return BoxArrays.build(img, lab, xywh, score)


def _ioa(boxes: np.ndarray, regions: np.ndarray) -> np.ndarray:
    """(n, m) intersection over the area of each box in `boxes` (xyxy)."""
    ix = np.clip(np.minimum(boxes[:, None, 2], regions[None, :, 2]) - np.maximum(boxes[:, None, 0], regions[None, :, 0]), 0, None)
    iy = np.clip(np.minimum(boxes[:, None, 3], regions[None, :, 3]) - np.maximum(boxes[:, None, 1], regions[None, :, 1]), 0, None)
    area = np.maximum((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]), 1e-9)
    return ix * iy / area[:, None]


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    inter = _ioa(a, b) * np.maximum((a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]), 1e-9)[:, None]
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    return inter / np.maximum(area_a[:, None] + area_b[None, :] - inter, 1e-9)


def outside_ignore_regions(dets: list, labels: np.ndarray, regions: np.ndarray) -> list:
    """The detections that are not in an ignore region, or that match a labelled stone."""
    if not dets or len(regions) == 0:
        return dets
    boxes = np.array([d[0] for d in dets], dtype=np.float64)
    in_region = _ioa(boxes, regions.astype(np.float64)).max(axis=1) >= 0.5
    if len(labels):
        in_region &= _iou(boxes, labels.astype(np.float64)).max(axis=1) < 0.5
    return [d for d, drop in zip(dets, in_region) if not drop]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", type=Path, default=Path("models"))
    ap.add_argument("--images", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=200, help="timed inferences per latency figure")
    args = ap.parse_args(argv)

    variants = {v: args.models / f"stones_{v}.tflite" for v in ("int8", "float32")}
    loaded = {v: TFLiteModel(p, delegate="cpu", num_threads=2) for v, p in variants.items()}
    params = DecodeParams(score_threshold=0.05)
    # As low as COCO evaluations of CenterNet and YOLO go: the weaker colour of a torn stone
    # scores a few hundredths.
    params_per_class = DecodeParams(score_threshold=0.001, per_class=True, max_detections=1000)
    gts: list = []
    dts: dict[str, list] = {v: [] for v in variants}
    strict: dict[str, list] = {v: [] for v in variants}
    per_class: dict[str, list] = {v: [] for v in variants}
    for i in tqdm(range(args.images), desc="validation renders", mininterval=5):
        sample = data.make_sample(VAL_SEED_BASE + i, corner_jitter=0.02)
        gts.append([(tuple(b), int(k), 1.0) for b, k in zip(sample.boxes, sample.classes)])
        for v, model in loaded.items():
            x = sample.image if model.input.dtype == np.uint8 else sample.image.astype(np.float32)
            out = model.run(x)
            found = _boxes(decode(out["heatmap"], out["boxes"], params))
            strict[v].append(found)
            dts[v].append(outside_ignore_regions(found, sample.boxes, sample.ignore))
            found = _boxes(decode(out["heatmap"], out["boxes"], params_per_class))
            per_class[v].append(outside_ignore_regions(found, sample.boxes, sample.ignore))

    gt = _as_arrays(gts)
    image = data.make_sample(VAL_SEED_BASE).image
    report: dict[str, dict] = {}
    for v, path in variants.items():
        m = evaluate_detections(gt, _as_arrays(dts[v]), args.images, score_threshold=0.5)
        m_strict = evaluate_detections(gt, _as_arrays(strict[v]), args.images, score_threshold=0.5)
        m_per_class = evaluate_detections(gt, _as_arrays(per_class[v]), args.images, score_threshold=0.5)
        cost = model_cost(loaded[v])
        report[v] = {
            "validation_images": args.images,
            "validation_seeds": [VAL_SEED_BASE, VAL_SEED_BASE + args.images],
            "map50": round(m.map50, 5),
            "map50_95": round(m.map, 5),
            "ap50_95_black": round(m.by_name("black").ap, 5),
            "ap50_95_white": round(m.by_name("white").ap, 5),
            "precision_at_0.5": round(m.at_threshold.precision or 0.0, 5),
            "recall_at_0.5": round(m.at_threshold.recall or 0.0, 5),
            "strict_map50": round(m_strict.map50, 5),
            "strict_map50_95": round(m_strict.map, 5),
            "per_class_map50": round(m_per_class.map50, 5),
            "per_class_map50_95": round(m_per_class.map, 5),
            "per_class_ap50_black": round(m_per_class.by_name("black").ap50, 5),
            "per_class_ap50_white": round(m_per_class.by_name("white").ap50, 5),
            "macs": cost.macs,
            "params": cost.params,
            "size_bytes": path.stat().st_size,
            "latency_1_thread": latency(path, 1, args.runs, image),
            "latency_2_threads": latency(path, 2, args.runs, image),
        }
    reference = args.models / "reference" / "ssdlite_mobilenetv2_320_int8.tflite"
    if reference.is_file():
        ref = {"latency_1_thread": latency(reference, 1, args.runs // 4, image),
               "macs": model_cost(TFLiteModel(reference, delegate="cpu")).macs}
        ref["ratio_p50_1_thread"] = round(ref["latency_1_thread"]["p50_ms"] / report["int8"]["latency_1_thread"]["p50_ms"], 2)
        report["reference_ssdlite_int8"] = ref
    report["int8_minus_float32_map50_95"] = round(report["int8"]["map50_95"] - report["float32"]["map50_95"], 5)

    for v, path in variants.items():
        meta_path = path.with_suffix(".json")
        meta = json.loads(meta_path.read_text())
        meta["metrics"] = {"rendered_validation": report[v], "measured": time.strftime("%Y-%m-%d")}
        if "reference_ssdlite_int8" in report:
            meta["metrics"]["reference_ssdlite_int8"] = report["reference_ssdlite_int8"]
        atomic_write_text(meta_path, json.dumps(meta, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
