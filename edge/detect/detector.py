"""The stone detector: a TFLite model plus its decoding, on rectified boards."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np

from edge.detect.decode import DecodeParams, decode
from edge.detect.types import Detection
from edge.errors import ModelError
from edge.rectify.geometry import RectifiedGeometry
from edge.runtime.delegates import DelegateChoice
from edge.runtime.model import TFLiteModel

DEFAULT_MODEL = Path(__file__).resolve().parents[2] / "models" / "stones_int8.tflite"


class StoneDetector:
    def __init__(self, model: TFLiteModel, score_threshold: float | None = None) -> None:
        self.model = model
        meta = model.metadata
        params = DecodeParams.from_metadata(meta.decode)
        if score_threshold is not None:
            params = DecodeParams(**{**params.__dict__, "score_threshold": score_threshold})
        self.params = params
        self.geometry = RectifiedGeometry(
            image_px=int(meta.geometry.get("image_px", model.input_size[0])),
            margin_px=float(meta.geometry.get("margin_px", RectifiedGeometry.margin_px)),
        )
        if (self.geometry.image_px, self.geometry.image_px) != model.input_size:
            raise ModelError(f"model {model.path.name}: metadata geometry {self.geometry.image_px} px "
                             f"does not match its input {model.input_size}")
        self.last_latency_s = 0.0

    @classmethod
    def load(cls, path: str | Path = DEFAULT_MODEL, *, delegate: DelegateChoice = "auto", threads: int = 1,
             edgetpu_device: str | None = None, score_threshold: float | None = None) -> "StoneDetector":
        model = TFLiteModel(path, delegate=delegate, num_threads=threads, edgetpu_device=edgetpu_device)
        return cls(model, score_threshold)

    def detect(self, rectified_bgr: np.ndarray) -> list[Detection]:
        """Stones in one rectified board image (BGR, geometry.image_px square)."""
        rgb = cv2.cvtColor(rectified_bgr, cv2.COLOR_BGR2RGB)
        start = time.perf_counter()
        out = self.model.run(rgb)
        self.last_latency_s = time.perf_counter() - start
        return decode(out["heatmap"], out["boxes"], self.params)
