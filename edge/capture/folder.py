"""An image folder, read in sorted order: recorded games and tests."""

from __future__ import annotations

from pathlib import Path

import cv2

from edge.capture.base import Frame
from edge.errors import BadInputError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}


class FolderSource:
    live = False

    def __init__(self, folder: str | Path, fps: float = 10.0, loop: bool = False) -> None:
        self.folder = Path(folder)
        self.name = f"folder:{self.folder}"
        self.fps = fps
        self.loop = loop
        self._files: list[Path] = []
        self._next = 0
        self._count = 0

    def open(self) -> None:
        if not self.folder.is_dir():
            raise BadInputError(f"image folder {self.folder} does not exist")
        self._files = sorted(p for p in self.folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not self._files:
            raise BadInputError(f"image folder {self.folder} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
        self._next = 0

    def read(self) -> Frame | None:
        if self._next >= len(self._files):
            if not self.loop:
                return None
            self._next = 0
        path = self._files[self._next]
        self._next += 1
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            raise BadInputError(f"{path}: not a readable image")
        # Recordings play on a frame clock so that replays are deterministic.
        frame = Frame(self._count / self.fps, image)
        self._count += 1
        return frame

    def close(self) -> None:
        self._files = []
