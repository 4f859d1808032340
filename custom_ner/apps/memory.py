"""Resident memory of processes, read from Linux's /proc: what the soak test and the
batch annotator's ``--stats`` record over time."""
from pathlib import Path
from typing import List


def rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` in MB."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for row in status:
            if row.startswith("VmRSS:"):
                return int(row.split()[1]) / 1024
    raise OSError(f"no VmRSS for process {pid}")


def children(pid: int) -> List[int]:
    """Direct child processes of ``pid`` (worker processes of a pool)."""
    kids: List[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        kids += [int(k) for k in task.read_text().split()]
    return kids


def tree_rss_mb(pid: int) -> float:
    """RSS of ``pid`` and its direct children together, in MB (0 where /proc is missing);
    children that exit while being read are left out."""
    total = 0.0
    for p in [pid, *children(pid)] if Path("/proc").is_dir() else []:
        try:
            total += rss_mb(p)
        except OSError:
            pass
    return total
