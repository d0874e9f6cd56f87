"""What the figures were measured on: CPU, cores, load, library versions."""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from edge.bench.blas import BlasInfo, blas_info


@dataclass(frozen=True)
class MachineInfo:
    cpu_model: str
    cores: int
    memory_gib: float | None
    kernel: str
    python: str
    numpy: str
    litert: str | None
    paho: str | None
    blas: BlasInfo

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def line(self) -> str:
        mem = f", {self.memory_gib:.0f} GiB" if self.memory_gib else ""
        return f"{self.cpu_model}, {self.cores} core(s){mem}; Linux {self.kernel}; Python {self.python}, numpy {self.numpy}"


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    try:
        for line in cpuinfo.read_text(errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "Model", "Hardware") and value.strip():
                return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def memory_gib(meminfo: Path = Path("/proc/meminfo")) -> float | None:
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024**2
    except (OSError, ValueError, IndexError):
        pass
    return None


def load_average() -> tuple[float, float, float] | None:
    """1, 5 and 15 minute load averages; other jobs on the machine show up here."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return None
    return round(one, 2), round(five, 2), round(fifteen, 2)


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def machine_info() -> MachineInfo:
    return MachineInfo(
        cpu_model=cpu_model(),
        cores=os.cpu_count() or 1,
        memory_gib=None if (m := memory_gib()) is None else round(m, 1),
        kernel=platform.release(),
        python=sys.version.split()[0],
        numpy=np.__version__,
        litert=_version("ai-edge-litert"),
        paho=_version("paho-mqtt"),
        blas=blas_info(),
    )
