"""The one place that imports a TensorFlow Lite runtime.

LiteRT (`ai-edge-litert`) comes first: it works on numpy 1.26 and 2.x and
applies XNNPACK to float32 and int8 models. `tflite-runtime` 2.14 is kept as a
fallback for images that still ship it; it needs numpy < 2 and runs int8 models
without XNNPACK, which is several times slower.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from edge.errors import ModelError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RuntimeBackend:
    name: str
    """Distribution name: `ai-edge-litert` or `tflite-runtime`."""
    version: str
    interpreter_class: Callable[..., Any]
    load_delegate: Callable[..., Any]
    xnnpack_int8: bool
    """Whether int8 models get XNNPACK's kernels."""


_CANDIDATES = (
    ("ai-edge-litert", "ai_edge_litert.interpreter", "ai_edge_litert", True),
    ("tflite-runtime", "tflite_runtime.interpreter", "tflite_runtime", False),
)


@lru_cache(maxsize=None)
def load_backend(prefer: str | None = None) -> RuntimeBackend:
    """Import the first available runtime (or the one named by `prefer`).

    Raises ModelError when neither runtime is installed.
    """
    tried = []
    for name, module_name, package_name, xnnpack_int8 in _CANDIDATES:
        if prefer is not None and name != prefer:
            continue
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            tried.append(f"{name} ({exc})")
            continue
        package = importlib.import_module(package_name)
        version = getattr(package, "__version__", "unknown")
        if not xnnpack_int8:
            log.warning(
                "using %s %s: int8 models run without XNNPACK and are several times slower; "
                "install ai-edge-litert for full speed",
                name,
                version,
            )
        return RuntimeBackend(
            name=name,
            version=version,
            interpreter_class=module.Interpreter,
            load_delegate=module.load_delegate,
            xnnpack_int8=xnnpack_int8,
        )
    raise ModelError(
        "no TensorFlow Lite runtime is installed: pip install ai-edge-litert "
        f"(tried {', '.join(tried) or prefer})"
    )


def inspect_graph(model_path: str) -> tuple[list[str], list[dict[str, Any]]]:
    """The model's own operators and tensors, before any delegate rewrites the graph.

    For the Edge TPU compatibility check: with XNNPACK applied, the ops it
    takes over would show up as one DELEGATE node.
    """
    backend = load_backend()
    module = importlib.import_module(backend.interpreter_class.__module__)
    interp = backend.interpreter_class(
        model_path=model_path,
        experimental_op_resolver_type=module.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
    )
    interp.allocate_tensors()
    return [d["op_name"] for d in interp._get_ops_details()], list(interp.get_tensor_details())
