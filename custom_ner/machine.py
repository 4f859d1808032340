"""What machine a figure was measured on: the CPU model and the matrix-product
kernels in use, recorded in every metrics file and in the report.

Why it matters: on one machine a run is repeated byte for byte, but another CPU
type picks other BLAS kernels (OpenBLAS and BLIS choose theirs for the CPU at run
time: AVX-512 or AVX2, another summation order), so the same config and seed give
figures that differ within the seed spread (docs/reproducibility.md).
"""
import os
import platform
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, Dict, List, Optional

# the CPU features that decide which kernels BLAS and BLIS pick
KERNEL_FLAGS = ("avx512f", "avx512_bf16", "avx2", "fma", "avx")


def cpu_model() -> str:
    """The CPU's model name (Linux /proc/cpuinfo), else what ``platform`` says."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_flags() -> List[str]:
    """Which of :data:`KERNEL_FLAGS` the CPU has (empty where /proc/cpuinfo is missing)."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf8", errors="replace").splitlines():
            if line.startswith("flags"):
                have = set(line.split(":", 1)[1].split())
                return [flag for flag in KERNEL_FLAGS if flag in have]
    except OSError:
        pass
    return []


def blas() -> List[Dict[str, Any]]:
    """The BLAS libraries loaded in this process (numpy's, and torch's where spacy-transformers
    is installed) with the kernel each picked for this CPU (threadpoolctl's
    ``architecture``: e.g. SkylakeX, Haswell, Zen)."""
    import numpy  # noqa: F401  loads numpy's OpenBLAS, so that it is listed
    from threadpoolctl import threadpool_info

    found = [{"library": info.get("internal_api"), "file": Path(info.get("filepath") or "").name,
              "version": info.get("version"), "kernel": info.get("architecture"), "threads": info.get("num_threads")}
             for info in threadpool_info() if info.get("user_api") == "blas"]
    return sorted(found, key=lambda b: (str(b["library"]), b["file"]))  # listed in load order, which varies


def version(package: str) -> Optional[str]:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


@lru_cache(maxsize=1)
def machine() -> Dict[str, Any]:
    """The CPU model, its kernel-deciding flags, the cores this process may use, the BLAS
    kernels (numpy's) and the BLIS version (thinc's CPU matrix products)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cpu": cpu_model(), "cpu_flags": cpu_flags(), "cores": cores, "blas": blas(),
            "blis": version("blis"), "numpy": version("numpy"), "thinc": version("thinc")}


def describe(info: Dict[str, Any]) -> str:
    """One line for people: 'AMD EPYC 7B13 (avx2, fma, avx), OpenBLAS 0.3.31 Haswell kernels, BLIS 1.3.4'."""
    kernels = ", ".join(f"{b['library']} {b['version']} {b['kernel']} kernels" for b in info.get("blas") or [])
    flags = ", ".join(info.get("cpu_flags") or []) or "no AVX"
    return f"{info.get('cpu')} ({flags}), {kernels or 'no BLAS found'}, BLIS {info.get('blis')}"
