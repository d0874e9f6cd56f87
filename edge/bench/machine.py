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


def process_cpu_snapshot(proc: Path = Path("/proc")) -> dict[tuple[int, int], float] | None:
    """CPU seconds of every process, keyed by (pid, start time), counting its reaped children too.

    Summed over processes rather than read from /proc/stat: the kernel's
    machine-wide counters are sampled at timer ticks and, with idle CPUs
    stopping their tick, miss most of a workload made of sub-millisecond
    bursts (hundreds of MQTT clients), while each process's total is exact.
    """
    if not proc.is_dir():
        return None
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[tuple[int, int], float] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            utime, stime, cutime, cstime = (int(fields[i]) for i in (11, 12, 13, 14))
            out[(int(entry.name), int(fields[19]))] = (utime + stime + cutime + cstime) / tick
        except (OSError, IndexError, ValueError):
            continue  # ended while being read
    return out


def cpu_between(before: dict[tuple[int, int], float] | None, after: dict[tuple[int, int], float] | None) -> float | None:
    """CPU seconds all processes used between two snapshots (a process that ended is counted
    through its parent, which reaped it; one that started counts whole)."""
    if before is None or after is None:
        return None
    return sum(max(0.0, total - before.get(key, 0.0)) for key, total in after.items())


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


class CpuMeter:
    """Started before a measurement, read after it: what else the machine was doing meanwhile.

    A load average cannot tell: it decays over minutes, so it still shows a job
    that ended before the measurement began.
    """

    def __init__(self) -> None:
        self._snapshot = process_cpu_snapshot()
        self._own = _own_cpu_s()
        self._began = time.monotonic()

    def read(self) -> CpuShare:
        seconds = max(time.monotonic() - self._began, 1e-9)
        cores = os.cpu_count() or 1
        own = 100.0 * (_own_cpu_s() - self._own) / seconds / cores
        used = cpu_between(self._snapshot, process_cpu_snapshot())
        if used is None:
            return CpuShare(None, own, None, seconds)
        # Per-process totals move in whole clock ticks, so over a short window their sum can
        # overshoot what the cores could do; the machine cannot be more than fully busy.
        machine = min(100.0, 100.0 * used / seconds / cores)
        return CpuShare(machine, own, max(0.0, machine - own), seconds)
