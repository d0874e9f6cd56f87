"""What the figures were measured on: CPU, cores, load, library versions."""

from __future__ import annotations

import os
import platform
import resource
import sys
import time
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


def system_jiffies(stat: Path = Path("/proc/stat")) -> tuple[int, int] | None:
    """(busy, total) CPU time of the whole machine, in clock ticks."""
    try:
        # user nice system idle iowait irq softirq steal [guest guest_nice: already inside user]
        fields = [int(v) for v in stat.read_text().splitlines()[0].split()[1:9]]
    except (OSError, ValueError, IndexError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def _own_cpu_s() -> float:
    """CPU seconds of this process and of its children that have ended (the broker, the fleets)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


@dataclass(frozen=True)
class CpuShare:
    """How busy the machine was during a measurement, in % of all cores."""

    machine_percent: float | None
    own_percent: float
    """This measurement: the process and its finished children."""
    others_percent: float | None
    """Everything else running at the same time (other jobs skew the figures)."""
    seconds: float

    def to_dict(self) -> dict[str, float | None]:
        return {k: (None if v is None else round(v, 1)) for k, v in asdict(self).items()}

    def line(self) -> str:
        others = "n/a" if self.others_percent is None else f"{self.others_percent:.0f} %"
        return f"this run {self.own_percent:.0f} %, other processes {others} of all cores"


def busy_percent(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    """% of all cores busy between two `system_jiffies()` readings."""
    if before is None or after is None or after[1] == before[1]:
        return None
    return 100.0 * (after[0] - before[0]) / (after[1] - before[1])


class CpuMeter:
    """Started before a measurement, read after it: what else the machine was doing meanwhile.

    A load average cannot tell: it decays over minutes, so it still shows a job
    that ended before the measurement began.
    """

    def __init__(self) -> None:
        self._system = system_jiffies()
        self._own = _own_cpu_s()
        self._began = time.monotonic()

    def read(self) -> CpuShare:
        seconds = max(time.monotonic() - self._began, 1e-9)
        cores = os.cpu_count() or 1
        own = 100.0 * (_own_cpu_s() - self._own) / seconds / cores
        machine = busy_percent(self._system, system_jiffies())
        if machine is None:
            return CpuShare(None, own, None, seconds)
        return CpuShare(machine, own, max(0.0, machine - own), seconds)
