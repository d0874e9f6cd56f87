"""Builds the tiny real .tflite models the runtime tests load (needs the `train` extra).

    .venv-train/bin/python tests/data/make_tiny_models.py

Two outputs of different shapes, so the tests can check that outputs are found
by name/shape and not by position; a float32 and a full-integer int8 build.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

HERE = Path(__file__).resolve().parent


def build() -> keras.Model:
    keras.utils.set_random_seed(7)
    inp = keras.Input((32, 32, 3), batch_size=1, name="image")
    x = keras.layers.Rescaling(1 / 255.0)(inp)
    x = keras.layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(x)
    x = keras.layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(x)
    heat = keras.layers.Conv2D(2, 1, activation="sigmoid", name="heatmap")(x)
    boxes = keras.layers.Conv2D(4, 1, name="boxes")(x)
    return keras.Model(inp, [heat, boxes])


def main() -> None:
    model = build()
    rng = np.random.default_rng(0)
    for int8 in (False, True):
        conv = tf.lite.TFLiteConverter.from_keras_model(model)
        if int8:
            conv.optimizations = [tf.lite.Optimize.DEFAULT]
            conv.representative_dataset = lambda: ([rng.uniform(0, 255, (1, 32, 32, 3)).astype(np.float32)] for _ in range(20))
            conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
            conv.inference_input_type = tf.uint8
            conv.inference_output_type = tf.uint8
        blob = conv.convert()
        name = "tiny_int8" if int8 else "tiny_float32"
        (HERE / f"{name}.tflite").write_bytes(blob)
        interp = tf.lite.Interpreter(model_content=blob)
        outputs = {("heatmap" if d["shape"][-1] == 2 else "boxes"): {"name": d["name"], "shape": [int(v) for v in d["shape"]]}
                   for d in interp.get_output_details()}
        meta = {
            "format": "goban-edge-model/1", "name": "tiny-test", "version": "0",
            "input": {"shape": [1, 32, 32, 3], "dtype": "uint8" if int8 else "float32"},
            "outputs": outputs, "classes": ["black", "white"],
            "decode": {"stride": 4, "size_scale": 32.0}, "geometry": {"image_px": 32, "margin_px": 4},
        }
        (HERE / f"{name}.json").write_text(json.dumps(meta, indent=2) + "\n")
        # Reference outputs for one fixed input, computed by TensorFlow's own interpreter.
        x = np.arange(32 * 32 * 3, dtype=np.int64).reshape(1, 32, 32, 3) % 256
        interp.allocate_tensors()
        interp.set_tensor(interp.get_input_details()[0]["index"], x.astype(np.uint8 if int8 else np.float32))
        interp.invoke()
        ref = {}
        for d in interp.get_output_details():
            role = "heatmap" if d["shape"][-1] == 2 else "boxes"
            raw = interp.get_tensor(d["index"]).astype(np.float32)
            scale, zp = d["quantization"]
            ref[role] = ((raw - zp) * scale if scale else raw).round(6).tolist()
        (HERE / f"{name}.expected.json").write_text(json.dumps(ref) + "\n")


if __name__ == "__main__":
    main()
