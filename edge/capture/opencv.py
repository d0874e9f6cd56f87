"""OpenCV capture: a USB camera by index, an RTSP/HTTP stream, or a video file."""

from __future__ import annotations

import time
from pathlib import Path

import cv2

from edge.capture.base import Frame
from edge.errors import BadInputError, HardwareError


class OpenCvSource:
    def __init__(self, device: str, width: int | None = None, height: int | None = None, fps: float | None = None,
                 loop: bool = False) -> None:
        self.device = device
        self.index = int(device) if device.isdigit() else None
        self.live = self.index is not None or "://" in device
        self.name = f"opencv:{device}"
        self.width, self.height, self.fps = width, height, fps
        self.loop = loop
        self._cap: cv2.VideoCapture | None = None
        self._frame_no = 0

    def open(self) -> None:
        if not self.live and not Path(self.device).is_file():
            raise BadInputError(f"video file {self.device} does not exist")
        cap = cv2.VideoCapture(self.index if self.index is not None else self.device)
        if not cap.isOpened():
            cap.release()
            err = HardwareError if self.live else BadInputError
            raise err(f"cannot open {self.name}")
        if self.index is not None:
            if self.width and self.height:
                cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
                cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
            if self.fps:
                cap.set(cv2.CAP_PROP_FPS, self.fps)
        self._cap = cap
        self._frame_no = 0
        if not self.live:
            self._file_fps = cap.get(cv2.CAP_PROP_FPS) or self.fps or 10.0

    def read(self) -> Frame | None:
        if self._cap is None:
            raise HardwareError(f"{self.name} is not open")
        ok, image = self._cap.read()
        if not ok:
            if self.live:
                raise HardwareError(f"{self.name} delivered no frame")
            if not self.loop or self._frame_no == 0:
                return None
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, image = self._cap.read()
            if not ok:
                return None
        self._frame_no += 1
        stamp = time.time() if self.live else self._frame_no / self._file_fps
        return Frame(stamp, image)

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None
