"""What every benchmark shares: the machine's description, package versions, peak memory of
this process, and rewriting its own section of BENCHMARKS.md."""

from __future__ import annotations

import contextlib
import os
import platform
import re
import resource
from importlib import metadata
from pathlib import Path
from typing import Any


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory_gb = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        memory_gb = round(int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024, 1)
    return {"system": f"{platform.system()} {platform.release()}", "cpu": cpu,
            "cpus": os.cpu_count(), "memory_gb": memory_gb}


def package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def peak_rss_reset() -> None:
    """Reset the process's peak RSS (Linux ``clear_refs`` 5); no-op elsewhere."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_rss_mb() -> float:
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_section(path: Path, begin: str, end: str, section: str,
                  intro: str = "# Benchmarks\n") -> None:
    """Replace the section between ``begin`` and ``end`` markers, or append it."""
    current = path.read_text() if path.exists() else intro
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(current):
        updated = pattern.sub(lambda _: section, current)
    else:
        updated = current.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(updated)
