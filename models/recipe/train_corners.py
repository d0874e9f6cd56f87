"""The corner finder's training recipe: four stages, fixed seed.

    .venv-train/bin/python models/recipe/train_corners.py --out /tmp/stage1
    .venv-train/bin/python models/recipe/train_corners.py --out /tmp/stage2 --first-seed 60005000 \
        --epochs 8 --lr 1e-3 --init /tmp/stage1/work/corners.weights.h5
    .venv-train/bin/python models/recipe/train_corners.py --out /tmp/stage3 --train-images 5000 \
        --first-seed 60010000 --epochs 8 --lr 5e-4 --init /tmp/stage2/work/corners.weights.h5
    .venv-train/bin/python models/recipe/train_corners.py --out models --train-images 5000 \
        --first-seed 60015000 --epochs 8 --lr 3e-4 --init /tmp/stage3/work/corners.weights.h5

(recipe version 3: each later stage goes on from the one before on 5,000
frames no stage saw before, at a lower learning rate; 3,956 s, 1,922 s,
2,008 s and 1,828 s on 2 cores). Each stage
renders whole camera frames (seeds 60,000,000 and up; validation 61,000,000
and up; the rendered reading set `tools/make_rendered_set.py` uses 30,000,000
and up, the detector 0 .. 10,000,000+), trains the heatmap network, exports
it as float32 TFLite with its metadata, and reports the validation corner
error. Needs the `train` extra (tensorflow-cpu 2.21, Keras 3).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import corner_data  # noqa: E402
import network  # noqa: E402
from calibration.corner_model import cell_to_input, heatmap_peaks  # noqa: E402
from edge.atomic import atomic_write_bytes, atomic_write_text  # noqa: E402
from train import focal_loss, photometric  # noqa: E402

RECIPE_VERSION = "3"
TRAIN_SEED_BASE = 60_000_000
VAL_SEED_BASE = 61_000_000
STRIDE = 4
STEM = "corners_float32"


def symmetries(images: tf.Tensor, heats: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """One of the square's 8 symmetries for the whole batch, the same for image and target:
    portrait frames and cameras at any side of the board."""
    k = tf.random.uniform([], 0, 4, dtype=tf.int32)
    images, heats = tf.image.rot90(images, k), tf.image.rot90(heats, k)
    flip = tf.random.uniform([]) < 0.5
    images = tf.cond(flip, lambda: tf.image.flip_left_right(images), lambda: images)
    heats = tf.cond(flip, lambda: tf.image.flip_left_right(heats), lambda: heats)
    return images, heats


def corner_errors(heat: np.ndarray, truth_px: np.ndarray) -> np.ndarray:
    """Per true corner, the distance (input pixels) to the nearest of the four peaks (inf when missing)."""
    cells, _ = heatmap_peaks(heat)
    if len(cells) == 0:
        return np.full(len(truth_px), np.inf)
    found = cell_to_input(cells, STRIDE)
    return np.linalg.norm(truth_px[:, None, :] - found[None, :, :], axis=-1).min(axis=1)


def convert(model: tf.keras.Model) -> bytes:
    static = network.build_corner_net(network.CORNER_INPUT_PX, batch_size=1)
    static.set_weights(model.get_weights())
    return tf.lite.TFLiteConverter.from_keras_model(static).convert()


def metadata(tflite: bytes, training: dict, metrics: dict) -> dict:
    interp = tf.lite.Interpreter(model_content=tflite)
    out = interp.get_output_details()[0]
    px = network.CORNER_INPUT_PX
    return {
        "format": "goban-edge-model/1",
        "name": "goban-corners",
        "version": "1.0.0",
        "variant": "float32",
        "sha256": hashlib.sha256(tflite).hexdigest(),
        "input": {
            "shape": [1, px, px, 3],
            "dtype": "float32",
            "color_order": "RGB",
            "normalization": "raw 0..255 pixels, the whole frame letterboxed on grey 114 (calibration/corner_model.py)",
        },
        "outputs": {"heatmap": {"name": out["name"], "shape": [int(v) for v in out["shape"]]}},
        "classes": ["grid_corner"],
        "decode": {"stride": STRIDE, "method": "4 strongest 3x3 peaks, centroid, see calibration/corner_model.py"},
        "geometry": {},
        "training": training,
        "metrics": metrics,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=Path("models"))
    ap.add_argument("--train-images", type=int, default=6000)
    ap.add_argument("--val-images", type=int, default=300)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--first-seed", type=int, default=TRAIN_SEED_BASE,
                    help="first training seed (a second stage renders frames the first never saw)")
    ap.add_argument("--init", type=Path, default=None,
                    help="weights to start from (a second stage goes on from the first's)")
    args = ap.parse_args(argv)

    tf.keras.utils.set_random_seed(args.seed)
    tf.config.threading.set_intra_op_parallelism_threads(args.workers)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    t_start = time.time()
    px, out_px = network.CORNER_INPUT_PX, network.CORNER_INPUT_PX // STRIDE

    def render(base: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        images = np.empty((n, px, px, 3), np.uint8)
        heats = np.empty((n, out_px, out_px, 1), np.float16)
        corners = np.empty((n, 4, 2), np.float32)
        for i, item in enumerate(corner_data.generate(list(range(base, base + n)), px, STRIDE, args.workers)):
            images[i], heats[i], corners[i] = item
            if (i + 1) % 500 == 0 or i + 1 == n:
                print(f"[data] {i + 1}/{n} rendered ({time.time() - t_start:.0f} s)", flush=True)
        return images, heats, corners

    images, heats, _ = render(args.first_seed, args.train_images)
    val_images, _, val_corners = render(VAL_SEED_BASE, args.val_images)

    model = network.build_corner_net(px)
    if args.init is not None:
        model.load_weights(args.init)
    n = args.train_images
    steps_per_epoch = n // args.batch
    schedule = tf.keras.optimizers.schedules.CosineDecay(args.lr, steps_per_epoch * args.epochs, alpha=0.02)
    optimizer = tf.keras.optimizers.Adam(schedule)

    @tf.function(reduce_retracing=True)
    def step(x, heat):
        x, heat = symmetries(photometric(tf.cast(x, tf.float32)), tf.cast(heat, tf.float32))
        with tf.GradientTape() as tape:
            loss = focal_loss(heat, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    rng = np.random.default_rng(args.seed)
    for epoch in range(args.epochs):
        order = rng.permutation(n)
        t_epoch, total = time.time(), 0.0
        for s in range(steps_per_epoch):
            idx = np.sort(order[s * args.batch:(s + 1) * args.batch])
            total += float(step(images[idx], heats[idx]))
            if (s + 1) % 50 == 0:
                rate = (s + 1) * args.batch / (time.time() - t_epoch)
                print(f"[train] epoch {epoch + 1}/{args.epochs} step {s + 1}/{steps_per_epoch} "
                      f"loss {total / (s + 1):.4f} {rate:.1f} img/s", flush=True)
        print(f"[train] epoch {epoch + 1} done in {time.time() - t_epoch:.0f} s (loss {total / steps_per_epoch:.4f})",
              flush=True)

    weights = args.out / "work" / "corners.weights.h5"
    weights.parent.mkdir(parents=True, exist_ok=True)
    model.save_weights(weights)
    tflite = convert(model)
    interp = tf.lite.Interpreter(model_content=tflite)
    interp.allocate_tensors()
    inp, out = interp.get_input_details()[0], interp.get_output_details()[0]
    errors = []
    for img, truth in zip(val_images, val_corners):
        interp.set_tensor(inp["index"], img[None].astype(np.float32))
        interp.invoke()
        errors.append(corner_errors(interp.get_tensor(out["index"])[0, ..., 0], truth))
    # In pixels of a 640-wide frame; a corner with no peak counts as a whole frame off.
    errors = [np.minimum(e * (640 / px), 640.0) for e in errors]
    err = np.concatenate(errors)
    metrics = {
        "validation_frames": args.val_images,
        "corner_error_px_640": {"p50": round(float(np.median(err)), 2), "p90": round(float(np.percentile(err, 90)), 2),
                                "p99": round(float(np.percentile(err, 99)), 2)},
        "corners_within_8px_640": round(float(np.mean(err <= 8.0)), 4),
        "frames_all_within_8px_640": round(float(np.mean([np.all(e <= 8.0) for e in errors])), 4),
    }
    print(f"[val] {json.dumps(metrics)}", flush=True)
    training = {
        "recipe_version": RECIPE_VERSION,
        "seed": args.seed,
        "train_seeds": [args.first_seed, args.first_seed + n],
        "initial_weights": None if args.init is None else str(args.init),
        "validation_seeds": [VAL_SEED_BASE, VAL_SEED_BASE + args.val_images],
        "train_images": n,
        "epochs": args.epochs,
        "batch": args.batch,
        "learning_rate": args.lr,
        "train_seconds": round(time.time() - t_start),
        "tensorflow": tf.__version__,
    }
    path = args.out / f"{STEM}.tflite"
    atomic_write_bytes(path, tflite)
    atomic_write_text(path.with_suffix(".json"), json.dumps(metadata(tflite, training, metrics), indent=2) + "\n")
    print(f"[export] {path} {len(tflite) / 1024:.0f} KiB; [done] total {time.time() - t_start:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
