"""The benchmark suite's pieces on tiny inputs: statistics, reports, the peak-rate helper,
network timing, follow latency from the recording's truth, and a short pipeline run
(real model, real video, real mosquitto). No timing is asserted: benchmarks are
measurements, not tests.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from support.mosquitto import require_mosquitto

from edge.bench.bench_report import bench_markdown
from edge.bench.blas import blas_info, blas_threads
from edge.bench.detector import time_model
from edge.bench.follow_latency import RecordingTruth, follow_latency
from edge.bench.machine import CpuMeter, cpu_model, machine_info
from edge.bench.peak import peak_matmul_gflops
from edge.bench.pipeline import calibrate_recording, run_pipeline
from edge.bench.report import md_table, write_report
from edge.bench.stats import summarize
from edge.bench.suite import BenchResults, BenchSettings
from edge.errors import BadInputError
from edge.runtime.cost import model_cost
from edge.runtime.model import TFLiteModel

REPO = Path(__file__).resolve().parents[1]
INT8 = REPO / "models" / "stones_int8.tflite"
RECORDING = REPO / "samples" / "castle-game-60-moves.mp4"
TRUTH = REPO / "samples" / "castle-game-60-moves.truth.json"


def test_summary_percentiles() -> None:
    s = summarize(range(1, 101))
    assert (s.n, s.max) == (100, 100.0)
    assert s.mean == pytest.approx(50.5) and s.p50 == pytest.approx(50.5)
    assert s.p95 == pytest.approx(95.05) and s.p99 == pytest.approx(99.01)
    assert summarize([]).to_dict() == {"n": 0, "mean": None, "p50": None, "p95": None, "p99": None, "max": None}
    with pytest.raises(ValueError):
        summarize([1.0, float("nan")])


def test_markdown_table_and_report_files(tmp_path: Path) -> None:
    table = md_table(["a", "b", "c"], [[1.0, None, "x|y"], [0.125, 12, 2.5]])
    assert table.splitlines() == ["| a | b | c |", "| --- | --- | --- |", "| 1 | n/a | x\\|y |", "| 0.12 | 12 | 2.5 |"]
    with pytest.raises(ValueError):
        md_table(["a"], [[1, 2]])
    json_path, md_path = write_report(tmp_path / "out" / "r.json", {"x": [1, 2]}, "# hi\n")
    assert json.loads(json_path.read_text()) == {"x": [1, 2]} and md_path.read_text() == "# hi\n"
    assert md_path == tmp_path / "out" / "r.md"


def test_peak_matmul_helper_on_a_small_matrix() -> None:
    peak = peak_matmul_gflops(n=96, repeats=2, threads=1)
    assert peak.n == 96 and peak.repeats == 2 and peak.threads == 1
    assert peak.gflops == pytest.approx(2 * 96**3 / peak.best_s / 1e9)
    with pytest.raises(ValueError):
        peak_matmul_gflops(n=0)


def test_blas_is_identified_and_thread_limit_is_restored() -> None:
    info = blas_info()
    assert info.name and info.describe().startswith(info.name)
    if info.threads is not None:  # numpy's OpenBLAS found: the limit applies and is undone
        with blas_threads(1) as applied:
            assert applied and blas_info().threads == 1
        assert blas_info().threads == info.threads
    assert machine_info().cores >= 1


def test_cpu_model_is_read_from_cpuinfo(tmp_path: Path) -> None:
    fake = tmp_path / "cpuinfo"
    fake.write_text("processor\t: 0\nmodel name\t: Example CPU @ 2.0GHz\nflags\t: fpu\n")
    assert cpu_model(fake) == "Example CPU @ 2.0GHz"
    assert cpu_model(tmp_path / "absent")  # falls back to platform information


def test_network_timing_on_the_real_model() -> None:
    image = np.zeros((320, 320, 3), np.uint8)
    timing = time_model(INT8, 1, image, runs=3, warmup=1, label="stones int8")
    assert timing.latency_ms.n == 3 and timing.threads == 1 and "xnnpack" in timing.delegate
    assert timing.gflop == pytest.approx(model_cost(TFLiteModel(INT8, delegate="cpu")).flops / 1e9)
    assert timing.achieved_gflops == pytest.approx(timing.gflop / (timing.latency_ms.p50 / 1000))
    with pytest.raises(ValueError):
        time_model(INT8, 1, np.zeros((100, 100, 3), np.uint8), runs=1, warmup=0, label="x")


def test_calm_frames_from_the_recording_truth() -> None:
    truth = RecordingTruth.load(TRUTH)
    calm = truth.calm_frames()
    assert truth.fps == 10.0 and truth.moves == len(calm) == 60
    for move, frame in calm.items():  # the first frame without a hand that shows the move
        assert not truth.occluded[frame] and truth.move_index[frame] >= move
        assert all(truth.occluded[f] or truth.move_index[f] < move for f in range(frame))
    assert truth.calm_frames(30) == {k: f for k, f in calm.items() if f < 30}


def test_follow_latency_counts_frames_from_the_calm_frame() -> None:
    result = follow_latency({1: 6, 2: 15, 3: 15, 4: 22}, {1: 9, 2: 20, 3: 20}, fps=10.0)
    assert (result.moves_done, result.moves_followed) == (4, 3)
    assert result.frames.max == 5 and result.frames.p50 == 5 and result.ms.max == pytest.approx(500.0)


def test_truth_file_errors_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="does not exist"):
        RecordingTruth.load(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"fps": 10}')
    with pytest.raises(BadInputError, match="not a recording truth file"):
        RecordingTruth.load(bad)


def test_short_pipeline_run_publishes_and_receives_its_moves() -> None:
    require_mosquitto()
    calibration, first = calibrate_recording(RECORDING)
    assert calibration.board_size == 19 and first.ndim == 3
    truth = RecordingTruth.load(TRUTH)
    result = run_pipeline(RECORDING, INT8, calibration, threads=1, truth=truth, max_frames=40)
    assert result.frames == 40 and result.frame_ms.n == 40 and result.detect_ms.n == 40
    assert result.events >= 1, "the first moves of the bundled recording were not followed"
    assert result.frame_to_publish_ms.n == result.frame_to_receipt_ms.n == result.events
    assert result.follow is not None and result.follow.moves_done == len(truth.calm_frames(40))


def test_bench_markdown_from_results_of_tiny_runs() -> None:
    results = BenchResults(True, machine_info(), (0.5, 0.4, 0.3))
    results.peak.append(peak_matmul_gflops(n=64, repeats=1, threads=1))
    image = np.zeros((320, 320, 3), np.uint8)
    results.detector.append(time_model(INT8, 1, image, runs=2, warmup=0, label="stones int8"))
    results.reference.append(time_model(BenchSettings().reference, 1, image, runs=1, warmup=0, label="reference int8"))
    data = results.to_dict("goban-edge bench --quick")
    assert data["detector"][0]["vs_reference"] == pytest.approx(
        results.detector[0].latency_ms.p50 / results.reference[0].latency_ms.p50, rel=1e-3)
    assert data["detector"][0]["peak_fraction"] is not None
    json.dumps(data, allow_nan=False)
    md = bench_markdown(data)
    assert "`goban-edge bench --quick`" in md and "| stones int8 | 1 |" in md and "| reference int8 | 1 |" in md
    assert "Full pipeline" not in md  # no pipeline section without a pipeline run


def test_bench_settings_name_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="recording file"):
        BenchSettings(recording=tmp_path / "none.mp4").check()


def test_cpu_meter_separates_this_run_from_the_rest_of_the_machine() -> None:
    meter = CpuMeter()
    a = np.ones((200, 200), np.float32)
    deadline = time.monotonic() + 0.3
    while time.monotonic() < deadline:
        a @ a
    share = meter.read()
    assert share.seconds >= 0.3 and share.own_percent > 0
    if share.machine_percent is not None:  # Linux: /proc/stat
        assert 0 <= share.machine_percent <= 100 and share.others_percent is not None and share.others_percent >= 0
    assert "other processes" in share.line()
