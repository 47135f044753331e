"""Peak memory against the number of frames: `convanim gif`, `convanim gallery` and `animate()`.

Run from the repository root: python benchmarks/bench_memory.py
Each case runs in a subprocess of its own; its peak RSS (VmHWM, and the kernel's
ru_maxrss once it exits) is read from /proc while it runs, summed over the
process and its children (the gallery's workers). Goal: flat within 1.5x from 9
to 2,500 frames, and under 300 MB at 2,500. About 3 minutes on 2 cores.

To measure other code (say, a checkout that held every frame in memory), put it
first on PYTHONPATH; --max-work skips the cases whose frames x pixels exceed it
and --limit-gb caps each subprocess's address space (ulimit -v), since such code
needs about 9 bytes per pixel per frame:

    PYTHONPATH=/tmp/old python benchmarks/bench_memory.py --max-work 6e8 --limit-gb 16
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

GIF = [sys.executable, "-m", "convanim", "gif"]
PROBE_SECONDS = 0.02

ANIMATE = """
import sys
from convanim import animate
from convanim.geometry import ConvSpec
side, width = int(sys.argv[1]), int(sys.argv[2])
result = animate(ConvSpec(input_size=(side, side), kernel=3), width=width)
print(f"animate(): {len(result.data):,} bytes")
"""

BREAKDOWN = """
import sys
from pathlib import Path
from convanim.pipeline import drawing, plan
from convanim.geometry import ConvSpec
from convanim.story.board import View
from convanim.draw.style import Style

def rss():
    status = Path("/proc/self/status").read_text().splitlines()
    return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024

side, view, width = int(sys.argv[1]), View(sys.argv[2]), int(sys.argv[3])
spec = ConvSpec(input_size=(side, side), kernel=3, transposed=view is View.SCATTER)
style = Style(width=width)
start = rss()
board = plan(spec, view, style)
frames = len(board.frames)
after_board = rss()
del board
laid_out, _ = drawing(spec, view=view, style=style)
after_drawing = rss()
print(f"{frames} {start:.0f} {after_board - start:.0f} {after_drawing - after_board:.0f}")
"""


@dataclass(frozen=True)
class Case:
    label: str
    command: list[str]
    frames: int  # expected, for --max-work
    pixels: int  # per frame, expected, for --max-work


@dataclass(frozen=True)
class Peak:
    total_mb: float  # the largest sum over the process tree of each process's peak so far
    largest_mb: float  # the largest single process
    processes: int
    seconds: float
    output: str
    code: int


def _tree(root: int) -> list[int]:
    """``root`` and its descendants, from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            parents.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += parents.get(pid, [])
    return tree


def _high_water_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def measure(command: list[str], folder: Path, limit_gb: float | None = None) -> Peak:
    """Run ``command`` in ``folder``; the peak RSS of it and its children, sampled every 20 ms.

    (In the repository, ``python -m convanim`` would import its convanim, not PYTHONPATH's.)
    """

    def limit() -> None:
        if limit_gb:
            size = int(limit_gb * 2**30)
            resource.setrlimit(resource.RLIMIT_AS, (size, size))

    start = time.perf_counter()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command, cwd=folder, stdout=log, stderr=subprocess.STDOUT, preexec_fn=limit
        )
        peaks: dict[int, int] = {}
        best_total = 0
        while True:
            for pid in _tree(process.pid):
                kb = _high_water_kb(pid)
                if kb is not None:
                    peaks[pid] = max(peaks.get(pid, 0), kb)
            best_total = max(best_total, sum(peaks.values()))
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(PROBE_SECONDS)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        # The kernel's figure for a lone process, in case its last growth was missed (with
        # children it is the largest of them all, not the root's own).
        own = peaks.get(process.pid, 0)
        if len(peaks) <= 1:
            own = max(own, usage.ru_maxrss)
        best_total = max(best_total, sum(peaks.values()) - peaks.get(process.pid, 0) + own)
        log.seek(0)
        output = log.read().decode(errors="replace").strip()
    largest = max([own, *peaks.values()])
    return Peak(best_total / 1024, largest / 1024, len(peaks), seconds, output, process.returncode)


def gif_cases(folder: Path) -> list[Case]:
    out = str(folder / "a.gif")
    # The default width grows with the input: 308x380 px at --i 5, 1508x1980 at --i 30.
    # At the default width --i 52 (2,500 frames) would be 2564x3388 px, over the default
    # 4-megapixel budget, so the second series draws every frame count at one width,
    # that of --i 20 (1028 px), inside the default limits.
    default = [(5, 9, 117_040), (12, 100, 533_232), (20, 324, 1_377_520), (30, 784, 2_985_840)]
    cases = [
        Case(f"gif --i {side} --k 3", [*GIF, "--i", str(side), "--k", "3", "-o", out], n, px)
        for side, n, px in default
    ]
    for side, n in ((5, 9), (12, 100), (30, 784), (52, 2500)):
        command = [*GIF, "--i", str(side), "--k", "3", "--width", "1028", "-o", out]
        cases.append(Case(f"gif --i {side} --k 3 --width 1028", command, n, 1_370_000))
    return cases


def other_cases(folder: Path) -> list[Case]:
    cases = [
        Case(
            "gallery (19 GIFs, cpu_count workers)",
            [sys.executable, "-m", "convanim", "gallery", "-o", str(folder / "gallery")],
            9 * 19,
            400_000,
        )
    ]
    for side, n in ((5, 9), (12, 100), (30, 784), (52, 2500)):
        command = [sys.executable, "-c", ANIMATE, str(side), "760"]
        cases.append(Case(f"animate(i={side}, k=3, width=760)", command, n, 780_000))
    out = str(folder / "s.gif")
    for side, n in ((3, 9), (10, 100), (20, 400)):
        command = [*GIF, "-t", "--i", str(side), "--k", "3", "--view", "scatter", "-o", out]
        command += ["--width", "760"]
        cases.append(Case(f"gif -t --i {side} --k 3 --view scatter --width 760", command, n, 0))
    huge = "9" * 26  # answered from the arithmetic: no array as long as the axis
    shape = [sys.executable, "-m", "convanim", "shape"]
    cases.append(Case(f"shape --k {huge}", [*shape, "--k", huge], 0, 0))
    cases.append(
        Case(
            f"shape --k {huge} --s 7 --d 3 -t",
            [*shape, "--k", huge, "--s", "7", "--d", "3", "-t"],
            0,
            0,
        )
    )
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-work", type=float, help="skip cases over frames x pixels")
    parser.add_argument("--limit-gb", type=float, help="address-space cap per subprocess")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        where = subprocess.run(
            [sys.executable, "-c", "import convanim; print(convanim.__file__)"],
            cwd=folder,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, measuring {where}")
        print(
            f"{'case':<50} {'frames':>6} {'peak RSS':>10} {'largest':>9} {'procs':>5} {'time':>7}"
        )
        for case in [*gif_cases(folder), *other_cases(folder)]:
            if args.max_work and case.frames * case.pixels > args.max_work:
                print(f"{case.label:<50} {case.frames:>6} {'skipped (--max-work)':>20}")
                continue
            peak = measure(case.command, folder, args.limit_gb)
            failed = "" if peak.code == 0 else f"  FAILED ({peak.code}): {peak.output[-200:]}"
            print(
                f"{case.label:<50} {case.frames:>6} {peak.total_mb:>7.0f} MB {peak.largest_mb:>6.0f} MB"
                f" {peak.processes:>5} {peak.seconds:>6.1f}s{failed}",
                flush=True,
            )
        print("\nwhere a render's memory goes (RSS growth, MB):")
        print(f"{'case':<50} {'frames':>6} {'start':>6} {'storyboard':>10} {'drawing':>8}")
        for side, view, width in ((52, "canvas", 1028), (20, "scatter", 760)):
            command = [sys.executable, "-c", BREAKDOWN, str(side), view, str(width)]
            result = subprocess.run(
                command, cwd=folder, capture_output=True, text=True, check=False
            )
            label = f"{view} --i {side} --k 3 --width {width}"
            if result.returncode:
                print(f"{label:<50} failed: {result.stderr.strip()[-200:]}")
                continue
            frames, start, board, laid_out = result.stdout.split()
            print(f"{label:<50} {frames:>6} {start:>6} {board:>10} {laid_out:>8}")


if __name__ == "__main__":
    main()
