"""The stone detector's training recipe: one command, fixed seed.

    .venv-train/bin/python models/recipe/train.py --out models

renders the training set, trains, exports the float32 and full-integer int8
models and writes each model's metadata JSON; progress goes to stdout.
`evaluate.py` then measures both on validation renders from a seed range
training never uses. Needs the `train` extra (tensorflow-cpu 2.21, Keras 3).

A second stage can go on from a run's weights on boards it never saw, with
more of them under a hand (the model card's "fine-tuning" section: tried,
not shipped):

    .venv-train/bin/python models/recipe/train.py --out /tmp/stage2 --first-seed 8000 --epochs 8 \
        --lr 1e-3 --hand-rate 0.5 --init models/work/detector.weights.h5
"""

from __future__ import annotations

import argparse
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

import data  # noqa: E402
from edge.detect.decode import OFFSET_SPAN  # noqa: E402
import export  # noqa: E402
import network  # noqa: E402

RECIPE_VERSION = "4"
TRAIN_SEED_BASE = 0
"""Training renders use seeds TRAIN_SEED_BASE .. + n (a second stage: --first-seed); validation starts at 10,000,000."""
CALIBRATION_IMAGES = 1000
"""Training renders that set the int8 model's ranges."""


def focal_loss(target: tf.Tensor, pred: tf.Tensor) -> tf.Tensor:
    """CenterNet's penalty-reduced focal loss, normalised by the number of stones."""
    p = tf.clip_by_value(pred, 1e-4, 1.0 - 1e-4)
    pos = tf.cast(target >= 0.999, tf.float32)
    pos_loss = tf.math.log(p) * tf.square(1.0 - p) * pos
    neg_loss = tf.math.log(1.0 - p) * tf.square(p) * tf.pow(1.0 - target, 4.0) * (1.0 - pos)
    return -(tf.reduce_sum(pos_loss) + tf.reduce_sum(neg_loss)) / tf.maximum(tf.reduce_sum(pos), 1.0)


def box_loss(target: tf.Tensor, pred: tf.Tensor) -> tf.Tensor:
    """L1 in pixels over the cells around each stone centre."""
    weight = target[..., 4:5]
    # Back to pixels, so that centre and size errors weigh what they cost in IoU.
    span = OFFSET_SPAN * network.STRIDE
    scale = tf.constant([span, span, 2 * data.DECODE.size_scale, 2 * data.DECODE.size_scale])
    l1 = tf.abs(pred - target[..., :4]) * scale * weight
    return tf.reduce_sum(l1) / tf.maximum(tf.reduce_sum(weight), 1.0)


def photometric(images: tf.Tensor) -> tf.Tensor:
    """Extra light and colour variation on top of the renderer's, per batch element.

    The renderer's boards are all warm woods under warm light; cameras with auto
    white balance turn pale plywood and vinyl boards grey, where white stones
    lose their contrast. Desaturating and re-balancing teaches the network that
    a stone is told by its lightness and shape, not by the board's colour.
    """
    batch = tf.shape(images)[0]
    grey = tf.reduce_mean(images, axis=-1, keepdims=True)
    saturation = tf.random.uniform([batch, 1, 1, 1], 0.0, 1.3)
    images = grey + (images - grey) * saturation
    mean = tf.reduce_mean(images, axis=[1, 2, 3], keepdims=True)
    contrast = tf.random.uniform([batch, 1, 1, 1], 0.6, 1.3)
    images = mean + (images - mean) * contrast
    gain = tf.random.uniform([batch, 1, 1, 1], 0.75, 1.25)
    bias = tf.random.uniform([batch, 1, 1, 1], -20.0, 20.0)
    balance = tf.random.uniform([batch, 1, 1, 3], 0.8, 1.2)
    return tf.clip_by_value(images * gain * balance + bias, 0.0, 255.0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=Path("models"))
    ap.add_argument("--train-images", type=int, default=8000)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--val-images", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--first-seed", type=int, default=TRAIN_SEED_BASE,
                    help="first training seed (a second stage renders boards the first never saw)")
    ap.add_argument("--init", type=Path, default=None,
                    help="weights to start from: the first stage's OUT/work/detector.weights.h5")
    ap.add_argument("--hand-rate", type=float, default=None,
                    help="share of boards with a hand over them (default: the renderer's own rate)")
    ap.add_argument("--crop", type=int, default=160,
                    help="train on random crops of this side (the network is fully convolutional; "
                         "a quarter of the pixels is four times the steps on 2 cores)")
    args = ap.parse_args(argv)

    tf.keras.utils.set_random_seed(args.seed)
    tf.config.threading.set_intra_op_parallelism_threads(args.workers)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    t_start = time.time()

    n = args.train_images
    out_px = network.INPUT_PX // network.STRIDE
    images = np.empty((n, network.INPUT_PX, network.INPUT_PX, 3), np.uint8)
    heats = np.empty((n, out_px, out_px, 2), np.float16)
    regs = np.empty((n, out_px, out_px, 5), np.float16)
    seeds = list(range(args.first_seed, args.first_seed + n))
    for i, (img, heat, reg) in enumerate(data.generate(seeds, args.workers, args.hand_rate)):
        images[i], heats[i], regs[i] = img, heat, reg
        if (i + 1) % 500 == 0 or i + 1 == n:
            print(f"[data] {i + 1}/{n} rendered ({time.time() - t_start:.0f} s)", flush=True)

    # Weights do not depend on the input size: train at the crop size, export at full size.
    model = network.build_detector(args.crop)
    if args.init is not None:
        model.load_weights(args.init)
    steps_per_epoch = n // args.batch
    total = steps_per_epoch * args.epochs
    schedule = tf.keras.optimizers.schedules.CosineDecay(args.lr, total, warmup_target=None, alpha=0.02)
    optimizer = tf.keras.optimizers.Adam(schedule)

    @tf.function(reduce_retracing=True)
    def step(x, heat, reg):
        x = photometric(tf.cast(x, tf.float32))
        with tf.GradientTape() as tape:
            p_heat, p_box = model(x, training=True)
            lh = focal_loss(tf.cast(heat, tf.float32), p_heat)
            lb = box_loss(tf.cast(reg, tf.float32), p_box)
            loss = lh + 0.1 * lb
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return lh, lb

    rng = np.random.default_rng(args.seed)
    crop, stride = args.crop, network.STRIDE

    def crops(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # Offsets on the output grid, so targets stay aligned with their cells.
        cells = (network.INPUT_PX - crop) // stride + 1
        oy, ox = rng.integers(0, cells, size=(2, len(idx)))
        c = crop // stride
        x = np.stack([images[i, y * stride:y * stride + crop, xx * stride:xx * stride + crop] for i, y, xx in zip(idx, oy, ox)])
        h = np.stack([heats[i, y:y + c, xx:xx + c] for i, y, xx in zip(idx, oy, ox)])
        r = np.stack([regs[i, y:y + c, xx:xx + c] for i, y, xx in zip(idx, oy, ox)])
        return x, h, r

    for epoch in range(args.epochs):
        order = rng.permutation(n)
        t_epoch = time.time()
        sums = np.zeros(2)
        for s in range(steps_per_epoch):
            idx = np.sort(order[s * args.batch:(s + 1) * args.batch])
            lh, lb = step(*crops(idx))
            sums += (float(lh), float(lb))
            if (s + 1) % 50 == 0:
                rate = (s + 1) * args.batch / (time.time() - t_epoch)
                print(f"[train] epoch {epoch + 1}/{args.epochs} step {s + 1}/{steps_per_epoch} "
                      f"heat {sums[0] / (s + 1):.4f} box_px {sums[1] / (s + 1):.3f} {rate:.1f} img/s", flush=True)
        print(f"[train] epoch {epoch + 1} done in {time.time() - t_epoch:.0f} s "
              f"(heat {sums[0] / steps_per_epoch:.4f}, box_px {sums[1] / steps_per_epoch:.3f})", flush=True)

    weights = args.out / "work" / "detector.weights.h5"
    weights.parent.mkdir(parents=True, exist_ok=True)
    model.save_weights(weights)
    # int8 ranges come from these; 300 images left the int8 model 0.02 mAP@[.5:.95] below float
    # (recipe 4), 1,000 brought it within 0.005. Drawn apart from training's random stream, so
    # that the export can be redone from the saved weights alone.
    calibration = np.random.default_rng(args.seed).choice(n, min(n, CALIBRATION_IMAGES), replace=False)
    calibration_images = images[np.sort(calibration)]
    training = {
        "recipe_version": RECIPE_VERSION,
        "seed": args.seed,
        "train_seeds": [args.first_seed, args.first_seed + n],
        "train_images": n,
        "epochs": args.epochs,
        "batch": args.batch,
        "learning_rate": args.lr,
        "calibration_images": len(calibration_images),
        "train_seconds": round(time.time() - t_start),
        "tensorflow": tf.__version__,
    }
    if args.hand_rate is not None:
        training["hand_rate"] = args.hand_rate
    if args.init is not None:
        # The stage this one went on from, as export wrote it beside its weights.
        before = json.loads((args.init.parent.parent / "stones_float32.json").read_text())["training"]
        training["previous_stages"] = before.pop("previous_stages", []) + [before]
    export.export_all(model, calibration_images, args.out, training)
    print(f"[done] total {time.time() - t_start:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
