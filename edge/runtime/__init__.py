"""The runtime layer: LiteRT (or tflite-runtime) interpreters with XNNPACK or an Edge TPU.

`edge.runtime.backend` is the only module in the project that imports a
TensorFlow Lite runtime.
"""

from edge.runtime.model import ModelMetadata, TensorSpec, TFLiteModel

__all__ = ["ModelMetadata", "TensorSpec", "TFLiteModel"]
