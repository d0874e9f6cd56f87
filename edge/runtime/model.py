"""A TFLite model built once and run per frame, checked against its metadata.

Every model file `NAME.tflite` has `NAME.json` beside it (an Edge TPU build
`NAME_edgetpu.tflite` shares its CPU twin's metadata). Tensors are found by the
names the metadata gives, or by shape where names differ between exporters,
never by position: output order is not guaranteed across converter versions.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from edge.errors import ModelError
from edge.runtime.backend import RuntimeBackend, load_backend
from edge.runtime.delegates import DelegateChoice, plan_delegate

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TensorSpec:
    name: str
    index: int
    shape: tuple[int, ...]
    dtype: np.dtype
    scale: float
    """Quantisation scale; 0.0 for float tensors."""
    zero_point: int


@dataclass(frozen=True)
class ModelMetadata:
    """What `NAME.json` says about the model beside it."""

    path: Path
    name: str
    version: str
    input_shape: tuple[int, ...]
    input_dtype: str
    outputs: dict[str, dict[str, Any]]
    """Role (`heatmap`, `boxes`) -> {"name": tensor name, "shape": [...]}."""
    classes: tuple[str, ...]
    decode: dict[str, Any]
    geometry: dict[str, Any]
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    @classmethod
    def for_model(cls, model_path: Path) -> "ModelMetadata":
        stem = model_path.stem.removesuffix("_edgetpu")
        meta_path = model_path.with_name(stem + ".json")
        try:
            raw = json.loads(meta_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ModelError(f"model metadata {meta_path} is missing (expected beside {model_path.name})") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelError(f"model metadata {meta_path} is unreadable: {exc}") from None
        try:
            return cls(
                path=meta_path,
                name=str(raw["name"]),
                version=str(raw["version"]),
                input_shape=tuple(int(v) for v in raw["input"]["shape"]),
                input_dtype=str(raw["input"]["dtype"]),
                outputs={str(k): dict(v) for k, v in raw["outputs"].items()},
                classes=tuple(str(c) for c in raw["classes"]),
                decode=dict(raw.get("decode", {})),
                geometry=dict(raw.get("geometry", {})),
                raw=raw,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"model metadata {meta_path} lacks or mistypes key {exc}") from None


def _spec(detail: dict[str, Any]) -> TensorSpec:
    scale, zero_point = detail.get("quantization", (0.0, 0))
    return TensorSpec(
        name=detail["name"],
        index=int(detail["index"]),
        shape=tuple(int(v) for v in detail["shape"]),
        dtype=np.dtype(detail["dtype"]),
        scale=float(scale),
        zero_point=int(zero_point),
    )


class TFLiteModel:
    """A model loaded once with the chosen delegate; `run` is the per-frame call."""

    def __init__(
        self,
        model_path: str | Path,
        *,
        delegate: DelegateChoice = "auto",
        num_threads: int = 1,
        edgetpu_device: str | None = None,
        backend: RuntimeBackend | None = None,
    ) -> None:
        requested = Path(model_path)
        self.backend = backend or load_backend()
        plan = plan_delegate(delegate, requested, self.backend, num_threads, edgetpu_device)
        self.path = plan.model_path
        self.delegate = plan.kind
        self.delegate_description = plan.description
        if not self.path.is_file():
            raise ModelError(f"model file {self.path} does not exist")
        self.metadata = ModelMetadata.for_model(self.path)
        try:
            self._interpreter = self.backend.interpreter_class(
                model_path=str(self.path),
                experimental_delegates=plan.delegates or None,
                num_threads=num_threads,
            )
            self._interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(f"model file {self.path} is not a usable TFLite model (truncated or wrong file?): {first}") from None
        self.input = self._find_input()
        self.outputs = self._find_outputs()
        log.info("model %s %s loaded on %s via %s %s", self.metadata.name, self.metadata.version,
                 self.delegate_description, self.backend.name, self.backend.version)

    def _find_input(self) -> TensorSpec:
        inputs = [_spec(d) for d in self._interpreter.get_input_details()]
        if len(inputs) != 1:
            raise ModelError(f"model {self.path.name} has {len(inputs)} inputs, expected one image input")
        spec = inputs[0]
        meta = self.metadata
        if spec.shape != meta.input_shape or spec.dtype != np.dtype(meta.input_dtype):
            raise ModelError(
                f"model {self.path.name} takes {spec.dtype}{list(spec.shape)} but its metadata "
                f"{meta.path.name} says {meta.input_dtype}{list(meta.input_shape)}"
            )
        return spec

    def _find_outputs(self) -> dict[str, TensorSpec]:
        details = [_spec(d) for d in self._interpreter.get_output_details()]
        found: dict[str, TensorSpec] = {}
        for role, wanted in self.metadata.outputs.items():
            by_name = [d for d in details if d.name == wanted.get("name")]
            shape = tuple(int(v) for v in wanted.get("shape", ()))
            by_shape = [d for d in details if d.shape == shape]
            match = by_name or (by_shape if len(by_shape) == 1 else [])
            if not match:
                raise ModelError(
                    f"model {self.path.name} has no output for {role!r} "
                    f"(name {wanted.get('name')!r}, shape {list(shape)})"
                )
            found[role] = match[0]
        return found

    @property
    def input_size(self) -> tuple[int, int]:
        """(width, height) of the image the model takes."""
        _, height, width, _ = self.input.shape
        return width, height

    def run(self, image: np.ndarray) -> dict[str, np.ndarray]:
        """Run on one RGB uint8 image of the input size; returns float32 outputs by role."""
        spec = self.input
        if image.shape != spec.shape[1:]:
            raise ModelError(f"input image is {image.shape}, model {self.path.name} takes {spec.shape[1:]}")
        if spec.dtype == np.uint8:
            tensor = image[np.newaxis]
        else:
            tensor = image[np.newaxis].astype(spec.dtype)
        self._interpreter.set_tensor(spec.index, tensor)
        self._interpreter.invoke()
        out: dict[str, np.ndarray] = {}
        for role, o in self.outputs.items():
            raw = self._interpreter.get_tensor(o.index)[0]
            if o.scale:
                out[role] = (raw.astype(np.float32) - o.zero_point) * o.scale
            else:
                out[role] = raw.astype(np.float32, copy=False)
        return out

    def tensor_details(self) -> list[dict[str, Any]]:
        return list(self._interpreter.get_tensor_details())
