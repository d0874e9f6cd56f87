"""`goban-edge bench`: every performance figure of the appliance in one process.

Sections, in order: the machine's peak float32 matmul rate (1 thread and all
cores), the detector (int8 and float32, 1 and 2 threads) and the reference
network at the same thread counts, then the full pipeline on the bundled
recording with MQTT publishing and board-follow latency. `quick` shrinks the
repeat counts and the recording so that the whole run stays under a minute.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import cv2
import numpy as np

from edge.bench.detector import ModelTiming, time_model
from edge.bench.follow_latency import RecordingTruth
from edge.bench.machine import CpuMeter, CpuShare, MachineInfo, load_average, machine_info
from edge.bench.peak import PeakResult, peak_matmul_gflops
from edge.bench.pipeline import PipelineResult, calibrate_recording, run_pipeline
from edge.errors import BadInputError
from edge.rectify.geometry import RectifiedGeometry
from edge.runtime.model import ModelMetadata

REPO = Path(__file__).resolve().parents[2]
OTHERS_WARNING_PERCENT = 10.0


@dataclass(frozen=True)
class BenchSettings:
    quick: bool = False
    models: dict[str, Path] = field(default_factory=lambda: {
        "int8": REPO / "models" / "stones_int8.tflite",
        "float32": REPO / "models" / "stones_float32.tflite",
    })
    reference: Path = REPO / "models" / "reference" / "ssdlite_mobilenetv2_320_int8.tflite"
    recording: Path = REPO / "samples" / "castle-game-60-moves.mp4"
    truth: Path | None = REPO / "samples" / "castle-game-60-moves.truth.json"
    threads: tuple[int, ...] = (1, 2)
    pipeline_model: str = "int8"
    pipeline_threads: int = 2

    @property
    def runs(self) -> int:
        return 20 if self.quick else 200

    @property
    def warmup(self) -> int:
        return 3 if self.quick else 20

    @property
    def matmul(self) -> tuple[int, int]:
        """(matrix size, repeats)"""
        return (1024, 3) if self.quick else (2048, 7)

    @property
    def pipeline_frames(self) -> int | None:
        return 120 if self.quick else None

    def check(self) -> None:
        for label, path in [*self.models.items(), ("reference", self.reference), ("recording", self.recording)]:
            if not Path(path).is_file():
                raise BadInputError(f"{label} file {path} does not exist")
        if self.pipeline_model not in self.models:
            raise BadInputError(f"pipeline model {self.pipeline_model!r} is not one of {', '.join(self.models)}")


@dataclass
class BenchResults:
    quick: bool
    machine: MachineInfo
    load_before: tuple[float, float, float] | None
    load_after: tuple[float, float, float] | None = None
    peak: list[PeakResult] = field(default_factory=list)
    detector: list[ModelTiming] = field(default_factory=list)
    reference: list[ModelTiming] = field(default_factory=list)
    pipeline: PipelineResult | None = None
    seconds: float = 0.0
    cpu: CpuShare | None = None

    def peak_for(self, threads: int) -> PeakResult | None:
        return next((p for p in self.peak if p.threads == threads), None)

    def reference_for(self, threads: int) -> ModelTiming | None:
        return next((r for r in self.reference if r.threads == threads), None)

    def to_dict(self, command: str) -> dict[str, Any]:
        return {
            "kind": "goban-edge bench",
            "command": command,
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "quick": self.quick,
            "seconds": round(self.seconds, 1),
            "machine": self.machine.to_dict(),
            "load_before": self.load_before,
            "load_after": self.load_after,
            "cpu": None if self.cpu is None else self.cpu.to_dict(),
            "peak_matmul": [p.to_dict() for p in self.peak],
            "detector": [
                {**t.to_dict(), "peak_fraction": _fraction(t, self.peak_for(t.threads)),
                 "vs_reference": _ratio(t, self.reference_for(t.threads))}
                for t in self.detector
            ],
            "reference": [{**t.to_dict(), "peak_fraction": _fraction(t, self.peak_for(t.threads))} for t in self.reference],
            "pipeline": None if self.pipeline is None else self.pipeline.to_dict(),
        }


def _fraction(timing: ModelTiming, peak: PeakResult | None) -> float | None:
    if peak is None or timing.achieved_gflops is None or not peak.gflops:
        return None
    return round(timing.achieved_gflops / peak.gflops, 4)


def _ratio(timing: ModelTiming, reference: ModelTiming | None) -> float | None:
    """Detector median latency / reference median latency at the same thread count."""
    if reference is None or not reference.latency_ms.p50 or timing.latency_ms.p50 is None:
        return None
    return round(timing.latency_ms.p50 / reference.latency_ms.p50, 4)


def _bench_image(first_frame: np.ndarray, calibration: Any, geometry: RectifiedGeometry) -> np.ndarray:
    """The recording's first frame, rectified and in RGB: what the detector sees on a real board."""
    rectified = calibration.rectify(first_frame, geometry)
    return np.ascontiguousarray(cv2.cvtColor(rectified, cv2.COLOR_BGR2RGB))


def run_bench(settings: BenchSettings, progress: Callable[[str], None] = lambda line: None) -> BenchResults:
    settings.check()
    began = time.monotonic()
    meter = CpuMeter()
    results = BenchResults(settings.quick, machine_info(), load_average())
    n, repeats = settings.matmul
    cores = os.cpu_count() or 1
    for threads in sorted({1, cores}):
        peak = peak_matmul_gflops(n, repeats, threads)
        results.peak.append(peak)
        progress(f"peak float32 matmul {n}x{n}, {threads} thread(s): {peak.gflops:.1f} GFLOP/s")
    calibration, first = calibrate_recording(settings.recording)
    geometry = ModelMetadata.for_model(settings.models[settings.pipeline_model]).geometry
    image = _bench_image(first, calibration, RectifiedGeometry(
        image_px=int(geometry.get("image_px", 320)), margin_px=float(geometry.get("margin_px", 28.0))))
    for label, path in settings.models.items():
        for threads in settings.threads:
            timing = time_model(path, threads, image, settings.runs, settings.warmup, f"stones {label}")
            results.detector.append(timing)
            progress(f"detector {label}, {threads} thread(s): p50 {timing.latency_ms.p50:.2f} ms")
    for threads in settings.threads:
        timing = time_model(settings.reference, threads, image, settings.runs, settings.warmup, "reference int8")
        results.reference.append(timing)
        progress(f"reference int8, {threads} thread(s): p50 {timing.latency_ms.p50:.2f} ms")
    truth = RecordingTruth.load(settings.truth) if settings.truth is not None and settings.truth.is_file() else None
    results.pipeline = run_pipeline(
        settings.recording, settings.models[settings.pipeline_model], calibration,
        threads=settings.pipeline_threads, truth=truth, max_frames=settings.pipeline_frames,
    )
    progress(f"pipeline: {results.pipeline.frames} frames at {results.pipeline.fps:.1f} frames/s, "
             f"{results.pipeline.events} move event(s) published")
    results.load_after = load_average()
    results.seconds = time.monotonic() - began
    results.cpu = meter.read()
    if results.cpu.others_percent is not None and results.cpu.others_percent > OTHERS_WARNING_PERCENT:
        progress(f"warning: other processes used {results.cpu.others_percent:.0f} % of the machine during the run; "
                 "the figures are pessimistic")
    return results
