"""Which BLAS numpy runs on, and how many threads it uses.

numpy's wheels bundle OpenBLAS built with DYNAMIC_ARCH: the kernel family is
chosen at load time from the CPU, unless the environment forces one
(`OPENBLAS_CORETYPE`, e.g. `Prescott`, which is several times slower than
`Haswell` on the same machine). The peak-rate figure is only meaningful next
to the kernel family that produced it, so it is read from the loaded library
itself through ctypes (threadpoolctl does the same; it is not a dependency).
"""

from __future__ import annotations

import ctypes
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
# Symbol spellings: numpy 2 (scipy-openblas, 64-bit ints), numpy 1.26 (openblas64_), plain OpenBLAS.
_PREFIXES = ("scipy_openblas_", "openblas_")
_SUFFIXES = ("64_", "")


@dataclass(frozen=True)
class BlasInfo:
    name: str
    """numpy's build-time BLAS, e.g. `scipy-openblas 0.3.29`."""
    library: str | None
    """The loaded shared library, when found."""
    core: str | None
    """OpenBLAS's runtime kernel family (`Haswell`, `SkylakeX`, `Prescott`...)."""
    config: str | None
    threads: int | None
    environment: dict[str, str]
    """BLAS-related environment variables that were set."""

    def describe(self) -> str:
        parts = [self.name]
        if self.core:
            parts.append(f"{self.core} kernels")
        if self.threads:
            parts.append(f"{self.threads} thread(s)")
        parts += [f"{k}={v}" for k, v in self.environment.items()]
        return ", ".join(parts)


def _build_name() -> str:
    try:
        config = np.show_config(mode="dicts")  # numpy >= 1.25
        blas = config["Build Dependencies"]["blas"]
        return f"{blas.get('name', 'unknown')} {blas.get('version', '')}".strip()
    except Exception:  # noqa: BLE001 - older numpy or an unusual build: the name is only informative
        return "unknown"


def _loaded_library() -> Path | None:
    """numpy's own OpenBLAS: other packages (opencv) may load a second copy with other settings."""
    maps = Path("/proc/self/maps")
    if not maps.exists():
        return None
    found: list[str] = []
    for line in maps.read_text(errors="replace").splitlines():
        path = line.split()[-1] if line.split() else ""
        if "openblas" in path.lower() and ".so" in path and path not in found:
            found.append(path)
    numpy_dir = str(Path(np.__file__).resolve().parent)  # also matches the sibling `numpy.libs`
    ours = [p for p in found if p.startswith(numpy_dir)]
    chosen = ours or found
    return Path(chosen[0]) if chosen else None


class _OpenBlas:
    def __init__(self, path: Path) -> None:
        self.lib = ctypes.CDLL(str(path))

    def function(self, name: str, restype: object) -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
        for prefix in _PREFIXES:
            for suffix in _SUFFIXES:
                fn = getattr(self.lib, f"{prefix}{name}{suffix}", None)
                if fn is not None:
                    fn.restype = restype
                    return fn
        return None


def _openblas() -> tuple[Path, _OpenBlas] | None:
    path = _loaded_library()
    if path is None:
        return None
    try:
        return path, _OpenBlas(path)
    except OSError:
        return None


def blas_info() -> BlasInfo:
    found = _openblas()
    path, lib = found if found is not None else (None, None)
    core = config = None
    threads = None
    if lib is not None:
        if (fn := lib.function("get_corename", ctypes.c_char_p)) is not None:
            core = fn().decode(errors="replace")
        if (fn := lib.function("get_config", ctypes.c_char_p)) is not None:
            config = fn().decode(errors="replace").strip()
        if (fn := lib.function("get_num_threads", ctypes.c_int)) is not None:
            threads = int(fn())
    env = {k: os.environ[k] for k in _ENV if k in os.environ}
    return BlasInfo(_build_name(), None if path is None else str(path), core, config, threads, env)


@contextmanager
def blas_threads(count: int | None) -> Iterator[bool]:
    """Run the block with OpenBLAS limited to `count` threads; yields False when that cannot be done."""
    found = _openblas() if count is not None else None
    lib = found[1] if found is not None else None
    get = lib.function("get_num_threads", ctypes.c_int) if lib else None
    set_ = lib.function("set_num_threads", None) if lib else None
    if count is None or get is None or set_ is None:
        yield count is None
        return
    before = int(get())
    set_(ctypes.c_int(count))
    try:
        yield True
    finally:
        set_(ctypes.c_int(before))
