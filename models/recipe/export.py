"""Export the trained detector as float32 and full-integer int8 TFLite, with metadata.

The int8 model takes uint8 RGB and gives uint8 outputs, so an Edge TPU runs it
end to end; the float32 model takes float32 pixels in 0..255. Both hold only
the network: decoding lives in `edge.detect.decode`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf

import network
from edge.atomic import atomic_write_bytes, atomic_write_text
from edge.detect.decode import DecodeParams
from edge.rectify.geometry import RectifiedGeometry

MODEL_NAME = "goban-stones"
MODEL_VERSION = "1.0.0"
STEM = "stones"


def convert(model: Any, calibration_images: np.ndarray, int8: bool) -> bytes:
    # A static batch of 1 keeps every shape static, as the Edge TPU compiler needs.
    static = network.build_detector(network.INPUT_PX, batch_size=1)
    static.set_weights(model.get_weights())
    converter = tf.lite.TFLiteConverter.from_keras_model(static)
    if int8:
        def representative():
            for img in calibration_images:
                yield [img[np.newaxis].astype(np.float32)]

        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = representative
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.uint8
        converter.inference_output_type = tf.uint8
    return converter.convert()


def _outputs(tflite: bytes) -> dict[str, dict[str, Any]]:
    interp = tf.lite.Interpreter(model_content=tflite)
    roles = {}
    for d in interp.get_output_details():
        role = "heatmap" if d["shape"][-1] == network.NUM_CLASSES else "boxes"
        roles[role] = {"name": d["name"], "shape": [int(v) for v in d["shape"]]}
    return roles


def metadata(tflite: bytes, int8: bool, training: dict[str, Any]) -> dict[str, Any]:
    geometry = RectifiedGeometry(image_px=network.INPUT_PX)
    px = network.INPUT_PX
    return {
        "format": "goban-edge-model/1",
        "name": MODEL_NAME,
        "version": MODEL_VERSION,
        "variant": "int8" if int8 else "float32",
        "sha256": hashlib.sha256(tflite).hexdigest(),
        "input": {
            "shape": [1, px, px, 3],
            "dtype": "uint8" if int8 else "float32",
            "color_order": "RGB",
            "normalization": "raw 0..255 pixels; the network rescales internally",
        },
        "outputs": _outputs(tflite),
        "classes": ["black", "white"],
        "decode": {**DecodeParams().__dict__, "method": "centernet, see edge/detect/decode.py"},
        "geometry": {"image_px": geometry.image_px, "margin_px": geometry.margin_px},
        "training": training,
        "metrics": {},
    }


def export_all(model: Any, calibration_images: np.ndarray, out: Path, training: dict[str, Any]) -> None:
    for int8 in (False, True):
        suffix = "int8" if int8 else "float32"
        tflite = convert(model, calibration_images, int8)
        path = out / f"{STEM}_{suffix}.tflite"
        atomic_write_bytes(path, tflite)
        atomic_write_text(path.with_suffix(".json"), json.dumps(metadata(tflite, int8, training), indent=2) + "\n")
        print(f"[export] {path} {len(tflite) / 1024:.0f} KiB", flush=True)
