"""The whole layer, both ways: render time, bytes and peak memory of the backward pass, the
deconvnet, the padding modes and the 3-D pictures, each through the real command line as
GIF and as SVG (whole-process wall time, median of a few runs; peak RSS of that process).

Run from the repository root: python benchmarks/bench_both_ways.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROUNDS = 3
KIB_PER_MIB = 1024  # ru_maxrss is in KiB on Linux

CASES: dict[str, list[str]] = {
    "dx, gather": ["gif", "--k", "3", "--s", "2", "--p", "1", "--grad", "input"],
    "dx, scatter": [
        "gif",
        "--k",
        "3",
        "--s",
        "2",
        "--p",
        "1",
        "--grad",
        "input",
        "--view",
        "scatter",
    ],
    "dw, one channel": ["gif", "--k", "3", "--s", "2", "--p", "1", "--grad", "weight"],
    "dw, 3 -> 2 channels": [
        *("gif", "--k", "3", "--s", "2", "--p", "1", "--cin", "3", "--cout", "2"),
        *("--grad", "weight"),
    ],
    "db, 3 -> 2 channels": [
        *("gif", "--k", "3", "--s", "2", "--p", "1", "--cin", "3", "--cout", "2", "--bias"),
        *("--grad", "bias"),
    ],
    "deconvnet, numbers": ["deconvnet"],
    "deconvnet, picture": ["deconvnet", "--picture"],
    "reflect padding": ["gif", "--i", "4", "--p", "1", "--padding-mode", "reflect", "--values"],
    "circular padding": ["gif", "--i", "4", "--p", "1", "--padding-mode", "circular", "--values"],
    "Conv3d 3x5x5": ["gif", "--dims", "3", "--i", "3,5,5", "--k", "3", "--s", "2", "--p", "1"],
    "MaxPool3d 4x4x4": ["gif", "--layer", "nn.MaxPool3d(2)", "--i", "4,4,4", "--values"],
}


def run(arguments: list[str], path: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one ``convanim`` process writing ``path``."""
    command = [sys.executable, "-m", "convanim", *arguments, "-o", str(path)]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        message = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"{' '.join(arguments)} failed: {message}")
    return seconds, usage.ru_maxrss / KIB_PER_MIB


def main() -> None:
    print(
        f"{'case':22s} {'GIF s':>7s} {'GIF bytes':>10s} {'MiB':>5s} {'SVG s':>7s} {'SVG bytes':>10s}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for name, arguments in CASES.items():
            row = []
            for suffix in (".gif", ".svg"):
                path = Path(folder) / f"out{suffix}"
                runs = [run(arguments, path) for _ in range(ROUNDS)]
                seconds = statistics.median(wall for wall, _ in runs)
                row.append((seconds, path.stat().st_size, max(peak for _, peak in runs)))
            (gif_s, gif_bytes, gif_mib), (svg_s, svg_bytes, _) = row
            print(
                f"{name:22s} {gif_s:7.2f} {gif_bytes:10,d} {gif_mib:5.0f} {svg_s:7.2f} {svg_bytes:10,d}"
            )


if __name__ == "__main__":
    main()
