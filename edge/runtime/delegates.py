"""Choosing where the network runs: XNNPACK on the CPU or a Coral Edge TPU.

`auto` only tries the Edge TPU when a compiled `_edgetpu.tflite` model sits
beside the CPU model and libedgetpu loads, so a Pi without a Coral never pays
for the attempt and never fails because of it.
"""

from __future__ import annotations

import logging
import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from edge.errors import HardwareError, ModelError
from edge.runtime.backend import RuntimeBackend

log = logging.getLogger(__name__)

DelegateChoice = Literal["auto", "cpu", "edgetpu"]

EDGETPU_LIBRARY = {
    "Linux": "libedgetpu.so.1",
    "Darwin": "libedgetpu.1.dylib",
    "Windows": "edgetpu.dll",
}[platform.system()] if platform.system() in ("Linux", "Darwin", "Windows") else "libedgetpu.so.1"


def edgetpu_model_path(model_path: Path) -> Path:
    """The Edge TPU compiler's output name for `model_path` (`x.tflite` -> `x_edgetpu.tflite`)."""
    if model_path.stem.endswith("_edgetpu"):
        return model_path
    return model_path.with_name(f"{model_path.stem}_edgetpu{model_path.suffix}")


@dataclass(frozen=True)
class DelegatePlan:
    kind: Literal["cpu", "edgetpu"]
    model_path: Path
    description: str
    """What the status report and the log say, e.g. `xnnpack (2 threads)`."""
    delegates: list[Any] = field(default_factory=list)


def plan_delegate(
    choice: DelegateChoice,
    model_path: Path,
    backend: RuntimeBackend,
    num_threads: int,
    edgetpu_device: str | None = None,
) -> DelegatePlan:
    """Decide on the delegate and the model file for it.

    Raises HardwareError when `edgetpu` is asked for and the library or the
    device is missing, ModelError when no compiled Edge TPU model exists.
    """
    if choice not in ("auto", "cpu", "edgetpu"):
        raise ModelError(f"delegate must be auto, cpu or edgetpu, not {choice!r}")
    tpu_model = edgetpu_model_path(model_path)
    if choice == "edgetpu":
        if not tpu_model.is_file():
            raise ModelError(
                f"no Edge TPU model at {tpu_model}: compile {model_path.name} with "
                f"'edgetpu_compiler -s -o {tpu_model.parent} {model_path}' "
                "(see models/MODEL_CARD.md) or set delegate = \"cpu\""
            )
        return _edgetpu_plan(tpu_model, backend, edgetpu_device)
    if choice == "auto" and tpu_model.is_file():
        try:
            return _edgetpu_plan(tpu_model, backend, edgetpu_device)
        except HardwareError as exc:
            log.info("Edge TPU not used, falling back to the CPU: %s", exc)
    cpu_model = model_path
    if cpu_model.stem.endswith("_edgetpu"):
        cpu_model = cpu_model.with_name(cpu_model.stem[: -len("_edgetpu")] + cpu_model.suffix)
    kernels = "xnnpack" if backend.xnnpack_int8 else "builtin/xnnpack-float-only"
    return DelegatePlan(
        kind="cpu",
        model_path=cpu_model,
        description=f"cpu {kernels} ({num_threads} thread{'s' if num_threads != 1 else ''})",
    )


def _edgetpu_plan(tpu_model: Path, backend: RuntimeBackend, device: str | None) -> DelegatePlan:
    options = {"device": device} if device else {}
    try:
        delegate = backend.load_delegate(EDGETPU_LIBRARY, options)
    except (OSError, ValueError) as exc:
        # LiteRT and tflite-runtime raise OSError when the shared library or the
        # device is missing; the message alone rarely says which.
        raise HardwareError(
            f"no Edge TPU could be used ({EDGETPU_LIBRARY}: {exc}): install libedgetpu1-std "
            "from Coral's apt repository, plug in the USB Accelerator (or check /dev/apex_0 "
            "for the PCIe card), or set delegate = \"cpu\""
        ) from None
    where = device or "first available"
    return DelegatePlan(
        kind="edgetpu",
        model_path=tpu_model,
        description=f"edgetpu ({where})",
        delegates=[delegate],
    )
