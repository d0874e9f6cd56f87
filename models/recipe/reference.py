"""Builds the reference network for latency comparisons (needs the `train` extra).

    .venv-train/bin/python models/recipe/reference.py --out models/reference

A MobileNetV2-SSDLite-style detector at the same 320x320 input, random
weights (only its speed matters), full-integer int8 like our model, so the
benchmark can report "our detector is N times faster than the usual choice".
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import network  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=Path("models/reference"))
    args = ap.parse_args(argv)
    tf.keras.utils.set_random_seed(0)
    model = network.build_reference_ssdlite()
    static = tf.keras.Model(model.inputs, model.outputs)
    rng = np.random.default_rng(0)
    converter = tf.lite.TFLiteConverter.from_keras_model(static)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([rng.uniform(0, 255, (1, 320, 320, 3)).astype(np.float32)] for _ in range(20))
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.uint8
    converter.inference_output_type = tf.uint8
    blob = converter.convert()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "ssdlite_mobilenetv2_320_int8.tflite").write_bytes(blob)
    interp = tf.lite.Interpreter(model_content=blob)
    meta = {
        "format": "goban-edge-model/1", "name": "ssdlite-mobilenetv2-reference", "version": "random-weights",
        "input": {"shape": [int(v) for v in interp.get_input_details()[0]["shape"]], "dtype": "uint8"},
        "outputs": {("classes" if d["shape"][-1] == 3 else "boxes"): {"name": d["name"], "shape": [int(v) for v in d["shape"]]}
                    for d in interp.get_output_details()},
        "classes": ["black", "white"],
        "note": "timing reference only: random weights, never used for detection",
    }
    (args.out / "ssdlite_mobilenetv2_320_int8.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"wrote {args.out} ({len(blob) / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
