"""The capture stage: frame sources, each yielding `Frame(timestamp, image)`."""

from edge.capture.base import Frame, FrameSource
from edge.capture.factory import open_source

__all__ = ["Frame", "FrameSource", "open_source"]
