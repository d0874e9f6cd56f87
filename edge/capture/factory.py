"""From the `[camera]` configuration to a frame source."""

from __future__ import annotations

from edge.capture.base import FrameSource
from edge.capture.folder import FolderSource
from edge.capture.opencv import OpenCvSource
from edge.capture.paced import PacedSource
from edge.capture.picamera import Picamera2Source
from edge.config.model import CameraSection


def open_source(camera: CameraSection) -> FrameSource:
    """The configured source, not yet opened."""
    if camera.type == "picamera2":
        return Picamera2Source((camera.width, camera.height), (camera.lores_width, camera.lores_height), camera.fps)
    if camera.type == "folder":
        source: FrameSource = FolderSource(camera.device, fps=camera.fps, loop=camera.loop)
    else:
        source = OpenCvSource(camera.device, camera.width, camera.height, camera.fps, loop=camera.loop)
    return PacedSource(source) if camera.realtime and not source.live else source
