"""The shipped systemd unit: systemd-analyze finds nothing to warn about, the
exposure score stays low, and the Python stack it runs survives its
MemoryDenyWriteExecute= setting."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from edge.publish.config import CREDENTIAL_NAME

REPO = Path(__file__).resolve().parents[1]
UNIT = REPO / "systemd" / "goban-edge.service"
EXEC = "/opt/goban-edge/.venv/bin/goban-edge"


def _analyze() -> str:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed (package systemd)")
    return tool


def _settings() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in UNIT.read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            out.setdefault(key, []).append(value)
    return out


def _runnable_copy(tmp_path: Path) -> Path:
    """The unit with ExecStart pointing at an executable that exists here:
    verify insists on it, and /opt/goban-edge is not installed on this machine."""
    fake = tmp_path / "goban-edge"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    text = UNIT.read_text()
    assert text.count(EXEC) == 1
    copy = tmp_path / "units" / "goban-edge.service"
    copy.parent.mkdir()
    copy.write_text(text.replace(EXEC, str(fake)))
    return copy


def test_unit_declares_what_the_daemon_and_the_docs_rely_on() -> None:
    s = _settings()
    assert s["ExecStart"] == [f"{EXEC} run --config /etc/goban-edge/config.toml"]
    assert s["Type"] == ["notify"] and s["Restart"] == ["on-failure"]
    assert int(s["WatchdogSec"][0]) >= 10
    assert "StartLimitIntervalSec" in s and "StartLimitBurst" in s
    assert s["StateDirectory"] == ["goban-edge"] and s["ConfigurationDirectory"] == ["goban-edge"]
    assert s["LoadCredential"] == [f"{CREDENTIAL_NAME}:/etc/goban-edge/mqtt-password"]
    assert s["DevicePolicy"] == ["closed"] and s["ProtectSystem"] == ["strict"]
    assert {"char-video4linux rw", "char-media rw", "char-dma_heap rw", "char-usb_device rw", "char-apex rw"} <= set(s["DeviceAllow"])
    assert "video" in s["SupplementaryGroups"][0].split()


def test_systemd_analyze_verify_prints_no_warning(tmp_path: Path) -> None:
    tool = _analyze()
    copy = _runnable_copy(tmp_path)
    result = subprocess.run([tool, "verify", str(copy)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "" and result.stderr.strip() == "", result.stdout + result.stderr


def test_verify_would_notice_a_broken_unit(tmp_path: Path) -> None:
    """The check above can fail: a misspelt directive makes verify speak up."""
    tool = _analyze()
    copy = _runnable_copy(tmp_path)
    copy.write_text(copy.read_text().replace("ProtectSystem=strict", "ProtectSytem=strict"))
    result = subprocess.run([tool, "verify", str(copy)], capture_output=True, text=True, timeout=60)
    assert "ProtectSytem" in result.stdout + result.stderr


def test_exposure_score_is_at_most_two(tmp_path: Path) -> None:
    tool = _analyze()
    copy = _runnable_copy(tmp_path)
    result = subprocess.run(
        [tool, "security", "--offline=true", "--no-pager", str(copy)], capture_output=True, text=True, timeout=60
    )
    match = re.search(r"Overall exposure level for goban-edge\.service: ([0-9.]+)", result.stdout)
    assert match, result.stdout[-2000:] + result.stderr
    score = float(match.group(1))
    assert score <= 2.0, f"exposure {score}:\n{result.stdout}"


def test_the_python_stack_runs_with_memory_deny_write_execute() -> None:
    """MemoryDenyWriteExecute=yes kills anything that maps memory writable and
    executable. The kernel's PR_SET_MDWE (Linux 6.3+) enforces the same rule
    in a subprocess, without systemd: import the daemon's libraries under it."""
    child = textwrap.dedent(
        """
        import ctypes, mmap, sys
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(65, 1, 0, 0, 0) != 0:  # PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN
            print("unsupported"); sys.exit(0)
        try:
            mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
            print("not enforced"); sys.exit(1)
        except OSError:
            pass
        import numpy, cv2, sqlite3, ssl
        import paho.mqtt.client
        from edge.publish import Publisher, parse_command
        from edge.daemon.notify import Notifier
        try:
            from ai_edge_litert import interpreter
        except ImportError:
            pass
        callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int)(lambda x: x + 1)
        assert callback(1) == 2
        assert cv2.GaussianBlur(numpy.ones((8, 8), numpy.uint8), (3, 3), 0).sum() == 64
        print("ok")
        """
    )
    result = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, cwd=REPO, timeout=120)
    if result.stdout.strip() == "unsupported":
        pytest.skip("this kernel has no PR_SET_MDWE (needs Linux 6.3+)")
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stdout + result.stderr
