"""The runtime layer on small real .tflite models (tests/data, built by make_tiny_models.py).

The only fake is the Edge TPU library itself (`load_delegate`), the narrowest
hardware edge: there is no Coral on a CI machine.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from edge.errors import HardwareError, ModelError
from edge.runtime.backend import load_backend
from edge.runtime.delegates import edgetpu_model_path, plan_delegate
from edge.runtime.model import TFLiteModel

DATA = Path(__file__).parent / "data"
INPUT = (np.arange(32 * 32 * 3).reshape(32, 32, 3) % 256).astype(np.uint8)


@pytest.mark.parametrize("name", ["tiny_int8", "tiny_float32"])
def test_outputs_match_tensorflow_reference(name: str) -> None:
    model = TFLiteModel(DATA / f"{name}.tflite", delegate="cpu", num_threads=1)
    out = model.run(INPUT)
    expected = json.loads((DATA / f"{name}.expected.json").read_text())
    for role in ("heatmap", "boxes"):
        ref = np.array(expected[role], dtype=np.float32)[0]
        assert out[role].shape == ref.shape
        # XNNPACK and TF's reference kernels may round differently by one quantum.
        tol = model.outputs[role].scale * 1.01 if model.outputs[role].scale else 1e-4
        np.testing.assert_allclose(out[role], ref, atol=tol)
    assert model.delegate == "cpu"
    assert "xnnpack" in model.delegate_description


def test_outputs_found_by_name_not_position(tmp_path: Path) -> None:
    meta = json.loads((DATA / "tiny_int8.json").read_text())
    # Swap the roles' order in the metadata: lookup must not depend on order.
    meta["outputs"] = dict(reversed(list(meta["outputs"].items())))
    shutil.copy(DATA / "tiny_int8.tflite", tmp_path / "m.tflite")
    (tmp_path / "m.json").write_text(json.dumps(meta))
    model = TFLiteModel(tmp_path / "m.tflite", delegate="cpu")
    assert model.outputs["heatmap"].shape[-1] == 2
    assert model.outputs["boxes"].shape[-1] == 4


def test_wrong_metadata_shape_is_a_clear_error(tmp_path: Path) -> None:
    meta = json.loads((DATA / "tiny_int8.json").read_text())
    meta["input"]["shape"] = [1, 320, 320, 3]
    shutil.copy(DATA / "tiny_int8.tflite", tmp_path / "m.tflite")
    (tmp_path / "m.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match=r"takes uint8\[1, 32, 32, 3\] but its metadata"):
        TFLiteModel(tmp_path / "m.tflite", delegate="cpu")


def test_truncated_model_is_a_clear_error(tmp_path: Path) -> None:
    blob = (DATA / "tiny_int8.tflite").read_bytes()
    (tmp_path / "m.tflite").write_bytes(blob[: len(blob) // 3])
    shutil.copy(DATA / "tiny_int8.json", tmp_path / "m.json")
    with pytest.raises(ModelError, match="not a usable TFLite model"):
        TFLiteModel(tmp_path / "m.tflite", delegate="cpu")


def test_missing_model_and_metadata(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        TFLiteModel(tmp_path / "none.tflite", delegate="cpu")
    shutil.copy(DATA / "tiny_int8.tflite", tmp_path / "m.tflite")
    with pytest.raises(ModelError, match="metadata .*m.json is missing"):
        TFLiteModel(tmp_path / "m.tflite", delegate="cpu")


def _fake_tpu_library(*, present: bool):
    """Stand-in for libedgetpu (no Coral on this machine): records what was asked."""
    calls: list = []

    def load_delegate(library: str, options: dict | None = None):
        calls.append((library, options))
        if not present:
            raise OSError(f"{library}: cannot open shared object file: No such file or directory")
        return object()

    backend = dataclasses.replace(load_backend(), load_delegate=load_delegate)
    return calls, backend


def test_edgetpu_missing_library_message(tmp_path: Path) -> None:
    calls, backend = _fake_tpu_library(present=False)
    shutil.copy(DATA / "tiny_int8.tflite", tmp_path / "m_edgetpu.tflite")
    with pytest.raises(HardwareError) as err:
        plan_delegate("edgetpu", tmp_path / "m.tflite", backend, 1)
    msg = str(err.value)
    assert "libedgetpu" in msg and "USB Accelerator" in msg and 'delegate = "cpu"' in msg
    assert calls and calls[0][0].startswith("libedgetpu")


def test_edgetpu_missing_compiled_model_message(tmp_path: Path) -> None:
    backend = load_backend()
    with pytest.raises(ModelError, match=r"no Edge TPU model at .*m_edgetpu.tflite: compile m.tflite with 'edgetpu_compiler"):
        plan_delegate("edgetpu", tmp_path / "m.tflite", backend, 1)


def test_auto_prefers_tpu_only_when_model_and_library_are_there(tmp_path: Path) -> None:
    model = tmp_path / "m.tflite"
    calls, absent = _fake_tpu_library(present=False)
    # No compiled model: the library is never even tried.
    assert plan_delegate("auto", model, absent, 2).kind == "cpu"
    assert calls == []
    shutil.copy(DATA / "tiny_int8.tflite", edgetpu_model_path(model))
    plan = plan_delegate("auto", model, absent, 2)
    assert plan.kind == "cpu" and plan.model_path == model and "2 threads" in plan.description
    _, present = _fake_tpu_library(present=True)
    plan = plan_delegate("auto", model, present, 2, "usb")
    assert plan.kind == "edgetpu" and plan.model_path.name == "m_edgetpu.tflite"
    assert plan.description == "edgetpu (usb)" and len(plan.delegates) == 1


def test_model_reports_delegate_choice(tmp_path: Path) -> None:
    model = TFLiteModel(DATA / "tiny_int8.tflite", delegate="auto", num_threads=2)
    assert model.delegate == "cpu"
    assert model.delegate_description.startswith("cpu xnnpack (2 threads)")


def test_bad_delegate_name() -> None:
    with pytest.raises(ModelError, match="auto, cpu or edgetpu"):
        plan_delegate("gpu", Path("m.tflite"), load_backend(), 1)  # type: ignore[arg-type]


def test_only_one_module_imports_a_runtime() -> None:
    root = Path(__file__).resolve().parents[1]
    importers = sorted(
        str(p.relative_to(root))
        for p in list((root / "edge").rglob("*.py")) + list((root / "calibration").rglob("*.py"))
        if "import ai_edge_litert" in p.read_text() or "import tflite_runtime" in p.read_text()
        or "ai_edge_litert.interpreter" in p.read_text() or "tflite_runtime.interpreter" in p.read_text()
    )
    assert importers == ["edge/runtime/backend.py"]
