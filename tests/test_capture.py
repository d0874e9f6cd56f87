"""Frame sources. Folder and OpenCV sources read real files; the picamera2 source
runs against a small fake of the Picamera2 object, the narrowest hardware edge
(picamera2 only exists on a Raspberry Pi)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.capture.base import Frame
from edge.capture.factory import open_source
from edge.capture.folder import FolderSource
from edge.capture.latest import LatestFrame
from edge.capture.opencv import OpenCvSource
from edge.capture.picamera import Picamera2Source
from edge.capture.reopen import ReopeningSource
from edge.config.model import CameraSection
from edge.errors import BadInputError, HardwareError


def _numbered(i: int, shape: tuple[int, int] = (48, 64)) -> np.ndarray:
    img = np.zeros((*shape, 3), np.uint8)
    img[:] = (i * 20) % 256
    return img


def test_folder_source_sorted_with_frame_clock(tmp_path: Path) -> None:
    for i in (3, 1, 2):
        cv2.imwrite(str(tmp_path / f"f{i:03d}.png"), _numbered(i))
    (tmp_path / "notes.txt").write_text("not an image")
    src = FolderSource(tmp_path, fps=5)
    src.open()
    frames = [src.read() for _ in range(4)]
    assert frames[3] is None
    assert [int(f.image[0, 0, 0]) for f in frames[:3]] == [20, 40, 60]
    assert [f.timestamp for f in frames[:3]] == [0.0, 0.2, 0.4]


def test_folder_source_errors(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="does not exist"):
        FolderSource(tmp_path / "nope").open()
    with pytest.raises(BadInputError, match="holds no images"):
        FolderSource(tmp_path).open()
    (tmp_path / "broken.jpg").write_bytes(b"not a jpeg")
    src = FolderSource(tmp_path)
    src.open()
    with pytest.raises(BadInputError, match="broken.jpg: not a readable image"):
        src.read()


def test_opencv_video_file(tmp_path: Path) -> None:
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (64, 48))
    for i in range(5):
        writer.write(_numbered(i + 1))
    writer.release()
    src = OpenCvSource(str(path))
    assert not src.live
    src.open()
    frames = []
    while (f := src.read()) is not None:
        frames.append(f)
    src.close()
    assert len(frames) == 5
    assert abs(int(frames[2].image[10, 10, 0]) - 60) <= 4  # MJPG is lossy
    assert frames[1].timestamp == pytest.approx(0.2)


def test_opencv_missing_file_and_absent_camera(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="does not exist"):
        OpenCvSource(str(tmp_path / "none.mp4")).open()
    cam = OpenCvSource("63")  # no /dev/video63 on a CI machine
    assert cam.live
    with pytest.raises(HardwareError, match="cannot open opencv:63"):
        cam.open()


class FakePicamera2:
    """Only what Picamera2Source touches: configure/start/capture_request/stop/close."""

    def __init__(self, platform: str = "VC4", fail_after: int | None = None) -> None:
        self.platform = platform
        self.config: dict | None = None
        self.captures = 0
        self.fail_after = fail_after
        self.closed = False

    def create_video_configuration(self, main: dict, lores: dict, controls: dict) -> dict:
        return {"main": main, "lores": lores, "controls": controls}

    def configure(self, config: dict) -> None:
        self.config = config

    def start(self) -> None:
        pass

    def capture_request(self) -> "FakeRequest":
        self.captures += 1
        if self.fail_after is not None and self.captures > self.fail_after:
            raise RuntimeError("Camera frontend has timed out!")
        return FakeRequest(self)

    def stop(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


class FakeRequest:
    def __init__(self, cam: FakePicamera2) -> None:
        self.cam = cam
        self.released = False

    def make_array(self, stream: str) -> np.ndarray:
        w, h = self.cam.config[stream]["size"]
        if stream == "lores" and self.cam.config["lores"]["format"] == "YUV420":
            stride = w + 32  # the ISP pads rows
            yuv = np.full((h * 3 // 2, stride), 128, np.uint8)
            yuv[:h, :w] = 200  # bright luma, neutral chroma: a grey image
            return yuv
        arr = np.zeros((h, w, 3), np.uint8)
        arr[..., 0] = 255  # blue in B, G, R order
        return arr

    def release(self) -> None:
        self.released = True


def test_picamera2_pi4_yuv_lores_and_main_from_one_request() -> None:
    cam = FakePicamera2("VC4")
    src = Picamera2Source((1280, 960), (641, 480), 10, camera_factory=lambda: cam)
    src.open()
    assert cam.config["lores"] == {"size": (640, 480), "format": "YUV420"}
    frame = src.read()
    assert frame.image.shape == (480, 640, 3)
    # Y=200 in BT.601 limited range is 1.164 * (200 - 16) = 214 in RGB.
    assert abs(int(frame.image[100, 100, 1]) - 214) <= 2
    assert frame.full is not None and frame.full.shape == (960, 1280, 3)
    assert cam.captures == 1
    src.close()
    assert cam.closed


def test_picamera2_pi5_rgb_lores() -> None:
    cam = FakePicamera2("Platform.PISP")
    src = Picamera2Source((1280, 960), (640, 480), 10, camera_factory=lambda: cam)
    src.open()
    assert cam.config["lores"]["format"] == "RGB888"
    frame = src.read()
    assert tuple(frame.image[0, 0]) == (255, 0, 0)


def test_picamera2_absent_is_a_clear_error() -> None:
    src = open_source(CameraSection(type="picamera2"))
    with pytest.raises(HardwareError, match="apt install python3-picamera2"):
        src.open()


def test_live_source_reopens_with_backoff() -> None:
    cams = [FakePicamera2(fail_after=2), FakePicamera2()]
    opened: list[FakePicamera2] = []

    def factory() -> FakePicamera2:
        if len(opened) == 1 and not hasattr(factory, "refused"):
            factory.refused = True  # type: ignore[attr-defined]
            raise HardwareError("no Raspberry Pi camera found")
        cam = cams[len(opened)]
        opened.append(cam)
        return cam

    src = ReopeningSource(Picamera2Source((64, 48), (32, 24), 10, camera_factory=factory), 0.01, 0.05)
    src.open()
    frames = [src.read() for _ in range(4)]
    assert all(isinstance(f, Frame) for f in frames)
    assert len(opened) == 2 and src.failures == 2 and src.state == "ok"


def test_reopening_stops_promptly() -> None:
    def factory() -> FakePicamera2:
        raise HardwareError("no Raspberry Pi camera found")

    stop = threading.Event()
    src = ReopeningSource(Picamera2Source((64, 48), (32, 24), 10, camera_factory=factory), 0.05, 10, stop)
    threading.Timer(0.3, stop.set).start()
    t0 = time.monotonic()
    assert src.read() is None
    assert time.monotonic() - t0 < 2.0
    assert src.state == "reopening"


class FastSource:
    """Produces numbered frames as fast as it can (a real camera outrunning inference)."""

    live = False
    name = "fast"

    def __init__(self, n: int) -> None:
        self.n, self.i = n, 0

    def open(self) -> None:
        pass

    def read(self) -> Frame | None:
        if self.i >= self.n:
            return None
        self.i += 1
        time.sleep(0.001)
        return Frame(float(self.i), np.zeros((2, 2, 3), np.uint8))

    def close(self) -> None:
        pass


def test_latest_frame_drops_stale_frames_and_never_queues() -> None:
    grab = LatestFrame(FastSource(300)).start()
    seen = []
    while True:
        frame = grab.get(timeout=1.0)
        if frame is None:
            break
        seen.append(frame.timestamp)
        time.sleep(0.02)  # slow inference
    assert seen == sorted(seen) and seen[-1] == 300.0
    assert len(seen) < 100 and grab.dropped > 200
    assert grab.captured == 300
