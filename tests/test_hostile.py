"""Bad input as a user types it, through the real program: one error line, exit 2, nothing left.

Each case runs ``python -m convanim`` in an empty folder and checks: exit code 2,
exactly one line on stderr and it starts with ``error:``, no traceback, nothing on
stdout, and no file or folder created anywhere under the working folder. Then what
the system refuses (names too long, a full disk or standard output, a home folder
that cannot be written) and what the user stops (Ctrl-C and SIGTERM, at start-up,
mid-render, during the gallery), with real signals and real failures.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

NAN_INPUT = ",".join(["nan"] * 24 + ["1"])
ONES = ",".join(["1"] * 36)  # two 3x3 input channels; 2x2 3x3 weight slices
SCATTER_BEYOND = [  # printable sums, which the bias takes past what a cell prints
    *[
        "gif",
        "-t",
        "--i",
        "3",
        "--cin",
        "2",
        "--cout",
        "2",
        "--bias",
        "--reading",
        "scatter",
        "--input-values",
    ],
    ONES[:35],
    "--weights",
    ONES,
    "--bias-values",
    "999999,0",
]

LONG = "a" * 300  # longer than a file name may be (255 bytes): the system says ENAMETOOLONG
TOO_LONG = "cannot write (File name too long)"

CASES = [
    # shape: arithmetic, any size, answers at once
    (["shape", "--k", "0"], "--k (axis 0): must be positive"),
    (["shape", "--p", ":"], "--p: expected an integer"),
    (["shape", "--p", "same,valid"], "--p: a padding name applies to every axis"),
    (["shape", "--p", "{kernel}"], "got '{kernel}'"),
    (["shape", "--i", "5,5,5", "--k", "3,3"], "--k: has 2 values but the spec has 3 axes"),
    (["shape", "--op", "1"], "--op (axis 0): only applies to a transposed convolution"),
    (["shape", "--dims", "0"], "Invalid value for '--dims'"),
    (["shape", "--k"], "Option '--k' requires an argument"),
    (["shape", "--bogus"], "No such option: --bogus"),
    (["shape", "-t", "--i", "1", "--k", "1", "--p", "5"], "--p (axis 0): the output is empty"),
    (["shape", "-t", "--s", "0"], "--s (axis 0): must be positive, got 0"),
    # channels and --layer: PyTorch's rules; layer text is read, never run
    (["shape", "--cin", "3", "--groups", "2"], "--cin: must be divisible by --groups (2), got 3"),
    (["shape", "--layer", "__import__('os').system('touch pwned')"], '--layer: "__import__'),
    (
        ["shape", "--layer", "nn.Conv2d(open('pwned', 'w'), 1, 3)"],
        "in_channels: expected a literal",
    ),
    (["shape", "--layer", "nn.Conv2d(1, 1, 3).weight"], "expected one of Conv1d, Conv2d"),
    (["shape", "--layer", "nn.Conv2d(1, 1, 3)" + " " * 500], "longer than 500 characters"),
    (["shape", "--layer", "nn.Conv2d(3, 4, 3, groups=2)"], "in_channels: must be divisible by"),
    (["shape", "--layer", "nn.Conv2d(1, 1, 3)", "--i", "5,5,5"], "--i: has 3 values but --layer"),
    (["shape", "--layer", "nn.Conv1d(1, 1, 3)", "--k", "5"], "--k: --layer sets it already"),
    (["gif", "--cin", "2", "--view", "canvas"], "--view: draws one channel; a layer with 2 input"),
    (["gif", "--layer", "nn.MaxPool2d(2)", "--pool", "avg"], "--pool: --layer is a pooling layer"),
    (["gif", "--cin", "3", "--view", "volume", "--values"], "--values: the volume view prints no"),
    (["gif", "--cin", "2", "--view", "stack", "--reading", "scatter"], "--reading: the scatter"),
    (["gif", "--reading", "scatter", "-t"], "--reading: reads the stack and volume views"),
    (["gif", "--cin", "64", "--cout", "64"], "--cin: 8119x11256 px frames exceed the budget"),
    (["gif", "--preset", "separable", "-t"], "--preset: separable is a pair of convolutions"),
    (["gif", "--preset", "pointwise", "--k", "3"], "--k: a pointwise layer has a 1x1 kernel"),
    (["gif", "--preset", "depthwise", "--groups", "2"], "--groups: --preset sets it already"),
    (["overlap", "--preset", "separable"], "--preset: separable is two layers"),
    (["overlap", "--layer", "nn.Conv2d(1, 1, 3)"], "but this command takes a transposed"),
    # gif: budgets before anything proportional to the size is made
    (["gif", "--i", "1000000000"], "--i: 999999996000000004 frames exceed the budget of 2500"),
    (["gif", "--i", "100000", "--k", "3"], "raise it with --max-frames"),
    (["gif", "--pool", "max", "--i", "100000", "--k", "3"], "raise it with --max-frames"),
    (  # a weight gradient: one frame per weight, whatever the input's size
        ["gif", "--grad", "weight", "--cin", "64", "--cout", "64", "--i", "3000"],
        "--cin: 36864 frames (one per weight) exceed the budget of 2500",
    ),
    (
        ["gif", "--grad", "weight", "--cin", "2", "--cout", "2", "--grad-values", "1,2"],
        "--grad-values: needs 18 values for 2x3x3, got 2",
    ),
    (["gif", "--values", "--seed", "-1"], "--seed: must be a non-negative integer"),
    (["gif", "--duration", "0"], "Invalid value for '--duration'"),
    (["gif", "--width", "1"], "Invalid value for '--width'"),
    (["gif", "--max-frames", "0"], "Invalid value for '--max-frames'"),
    (["gif", "--view", "nope"], "Invalid value for '--view'"),
    (["gif", "--theme", "nope"], "Invalid value for '--theme'"),
    (["gif", "--transparent", "-o", "out/x.mp4"], "--transparent: .mp4 has no transparency"),
    (["gif", "-o", "out/x.bmp"], "-o: out/x.bmp: the extension must be one of"),
    (["gif", "--op", "1,0,0,0", "-t", "--s", "2"], "--op: gives 4 axes, but a picture has 1 to 3"),
    (["gif", "--pool", "max", "--weights", "1"], "--weights: pooling has no weights"),
    (["gif", "--cin", "3", "--bias-values", "1,2"], "--bias-values: the layer has no bias: add"),
    (
        ["gif", "--layer", "nn.MaxPool2d(3)", "--view", "volume"],
        "--layer: pooling has no channel view: drop --view volume or --layer",
    ),
    (["gif", "--pool", "max", "--view", "stack"], "--pool: pooling has no channel view: drop"),
    (["gif", "--layer", "nn.MaxPool2d(3)", "--ceil-mode"], "--ceil-mode: --layer sets its own"),
    (["gif", "--preset", "depthwise", "--cin", "3", "--i", "2"], "--i (axis 0): the dilated"),
    (
        ["gif", "--layer", "nn.MaxPool2d(3)", "--bias-values", "1"],
        "--bias-values: pooling has no bias: drop --bias-values or --layer",
    ),
    (
        ["gif", "--cin", "3", "--cout", "2", "--bias", "--bias-values", "1"],
        "--bias-values: needs 2 values for 2 output channels, got 1",
    ),
    (["gif", "--cin", "3", "--bias", "--bias-values", "x"], "--bias-values: expected comma-sep"),
    (["gif", "--pool", "max", "--bias-values", "1"], "--bias-values: pooling has no bias: drop"),
    (
        ["gif", "--layer", "nn.Conv2d(3, 2, 3, bias=False)", "--bias-values", "1,2"],
        "--bias-values: the layer has no bias: add bias=True in --layer",
    ),
    (
        SCATTER_BEYOND,
        # the middle output: 999999 + 9 stamps of 1 from each of the 2 input channels
        "--bias-values: the sums reach 1000017, and a cell prints numbers below 1,000,000",
    ),
    (["gif", "--no-count-include-pad"], "--no-count-include-pad: only average pooling"),
    (["gif", "--ceil-mode"], "--ceil-mode: only pooling (--pool) has a ceil mode"),
    (["gif", "--input-values", NAN_INPUT], "--input-values: must be finite numbers"),
    (
        ["gif", "--input-values", ",".join(["999999"] * 25), "--weights", ONES[:17]],
        "--input-values: the sums reach 8999991, and a cell prints numbers below 1,000,000",
    ),
    # numbers a cell cannot print readably, what a picture would leave out, PyTorch's words
    (
        ["gif", "--cout", "2", "--bias", "--bias-values", "1e308,-1e308"],
        "--bias-values: a cell prints numbers below 1,000,000 readably, got 1e+308",
    ),
    (["gif", "--cout", "2", "--bias", "--bias-values", "1e9,1"], "readably, got 1e+09"),
    (["gif", "--weights", "1,1,1,1,-1e6,1,1,1,1"], "--weights: a cell prints numbers below"),
    (["gif", "--input-values", ONES[:47] + ",1e6"], "--input-values: a cell prints numbers"),
    (
        ["gif", "--layer", "nn.MaxPool2d(3)", "--weights", ONES[:17]],
        "--weights: pooling has no weights: drop --weights or --layer",
    ),
    (
        ["gif", "--bias", "--view", "canvas"],
        "--bias: the one-slice views draw no bias: draw it with --view stack",
    ),
    (
        ["gif", "--layer", "nn.Conv2d(1, 1, 3)", "--view", "flat"],
        "--layer: bias: the one-slice views draw no bias: draw it with --view stack, or drop",
    ),
    (
        ["gif", "--pool", "max", "--i", "2", "--k", "3", "--s", "3", "--ceil-mode"],
        "--k (axis 0): the dilated kernel spans 3 cells, more than the 2 cells of the padded "
        "input; in ceil mode too (convanim's rule",
    ),
    (
        ["shape", "--layer", "nn.MaxPool2d(3, ceil_mode=True)", "--i", "2"],
        "the 2 cells of the padded input; in ceil mode too (convanim's rule",
    ),
    (
        ["gif", "--pool", "max", "--i", "1", "--k", "2", "--d", "2", "--p", "1"],
        "--p (axis 0): a pooling window would cover only padding (PyTorch gives -inf there; "
        "convanim's own rule",
    ),
    (
        ["shape", "--layer", "Conv2d(1, 1, kernel_size=(3, 3), padding=5, padding_mode=reflect)"],
        "--layer: 'Conv2d(1, 1, kernel_size=(3, 3), padding=5, padding_mode=reflect)': "
        "padding_mode (axis 0): reflect needs each side of padding below input_size (5), got 5",
    ),
    (["gif", "--padding-mode", "mirror"], "--padding-mode: must be one of zeros, reflect,"),
    (
        ["gif", "--i", "3", "--p", "3", "--padding-mode", "reflect"],
        "--padding-mode (axis 0): reflect needs each side of --p below --i (3), got 3",
    ),
    (
        ["gif", "--i", "3", "--p", "4,0", "--padding-mode", "circular"],
        "--padding-mode (axis 0): circular needs each side of --p at most --i (3), got 4",
    ),
    (
        ["gif", "-t", "--p", "1", "--padding-mode", "reflect"],
        "--padding-mode: reflect is not defined for a transposed convolution",
    ),
    (
        ["gif", "--layer", "nn.ConvTranspose2d(1, 1, 3, padding_mode='reflect')"],
        "--layer: \"nn.ConvTranspose2d(1, 1, 3, padding_mode='reflect')\": padding_mode: "
        "ConvTranspose2d pads with zeros only",
    ),
    (
        ["gif", "--pool", "max", "--k", "2", "--p", "1", "--padding-mode", "reflect"],
        "--padding-mode: pooling has no padding mode",
    ),
    (
        ["gif", "--p", "1", "--padding-mode", "replicate", "--grad", "input"],
        "--grad: input draws zero padding only, got --padding-mode replicate",
    ),
    (
        ["matrix", "--i", "2", "--p", "1", "--padding-mode", "circular", "-o", "m.png"],
        "--padding-mode: circular copies input cells into the padding, and here a kernel meets",
    ),
    (["gif", "--overlap"], "--overlap: the overlap frame closes a scatter view"),
    (["gif", "--view", "scatter"], "--view: the scatter view needs a transposed spec (-t)"),
    (["gif", "--i", "40", "--dims", "1", "--width", "50"], "--width: 1.16 px per cell"),
    (["gif", "--pool", "max", "--d", "2", "--p", "2"], "--p (axis 0): pooling pads at most half"),
    (["gif", "--k", "3", "--d", "1000"], "--d: 96116x64188 px frames (2001 cells across)"),
    (["gif", "--i", "1", "--k", "10001", "--p", "5000"], "--k: 480116x320188 px frames"),
    (["gif", "-t", "--view", "scatter", "--i", "50", "--k", "50", "--s", "50"], "--i: 120068x"),
    (["gif", "--duration", "100000000"], "--duration: must be at most 655350 ms"),
    # stills and the SVG's automatic theme
    (["gif", "--frame", "0"], "--frame: must be a frame number from 1 to 9"),
    (["gif", "--frame", "10", "-o", "out/a.svg"], "--frame: must be a frame number from 1 to 9"),
    (["gif", "--frame", "x"], "Invalid value for '--frame'"),
    (["gif", "--frame", "2", "-o", "out/a.gif"], "-o: out/a.gif: a still frame is written as"),
    (["gif", "--theme", "auto", "-o", "out/a.webp"], "--theme: auto follows the reader's"),
    (["gif", "--theme", "auto", "--frame", "1", "-o", "a.pdf"], "--theme: auto follows"),
    # gallery, overlap, matrix
    (["gallery", "-o", "afile"], "-o: afile is a file, not a folder"),
    (["overlap", "--i", "5,5,5"], "--i: gives 3 axes, but a picture has 1 or 2"),
    (["overlap", "-o", "x.gif"], "-o: x.gif: a figure is written as .png, .svg, .pdf"),
    (["overlap", "-o", "x.txt"], "-o: x.txt: a figure is written as"),
    (["overlap", "--i", "100000", "--k", "3"], "--i: the overlap map would count"),
    (["matrix", "-o", "x.txt"], "-o: x.txt: a figure is written as"),
    (["matrix", "--animate", "-o", "x.svg"], "-o: x.svg: the matrix animation is written as"),
    (["matrix", "--i", "200", "--k", "3"], "--i: a 39204x40000 matrix is unreadable"),
    # scenes: refused before Manim starts
    (["scene"], "NAME: name a scene"),
    (["scene", "bogus"], "NAME: no scene 'bogus'"),
    (["scene", "convolution", "--i", "30"], "--i: the ConvolutionScene would take 225 steps"),
    (["scene", "transposed", "--i", "2", "--dims", "3"], "--i: the transposed scene draws a 1-D"),
    (["scene", "convolution", "-o", "x.txt"], "-o: x.txt: a mp4 scene is written as .mp4"),
    (["scene", "convolution", "--seed", "-1"], "--seed: must be a non-negative integer"),
    # names the file system refuses, said before rendering
    (["gif", "-o", f"{LONG}.gif"], TOO_LONG),
    (["gif", "-o", f"{LONG}.mp4"], TOO_LONG),
    (["gif", "-o", f"new/{LONG}/a.gif"], TOO_LONG),
    (["gif", "--frame", "1", "-o", f"{LONG}.png"], TOO_LONG),
    (["matrix", "-o", f"{LONG}.png"], TOO_LONG),
    (["matrix", "--animate", "-o", f"{LONG}.gif"], TOO_LONG),
    (["overlap", "-o", f"{LONG}.png"], TOO_LONG),
    (["gallery", "-o", LONG], TOO_LONG),
    (["gallery", "-o", f"new/{LONG}"], TOO_LONG),
    (["scene", "convolution", "-o", f"{LONG}.mp4"], TOO_LONG),
    # a folder that loops on itself: the temporary file cannot even be looked up
    (["matrix", "-o", "loop/a.png"], "-o: loop/a.png: cannot create the folder"),
    (["overlap", "-o", "loop/a.png"], "-o: loop/a.png: cannot create the folder"),
]


def _everything(folder: Path) -> set[str]:
    return {str(path.relative_to(folder)) for path in folder.rglob("*")}


@pytest.mark.parametrize(("args", "message"), CASES, ids=[" ".join(a)[:60] for a, _ in CASES])
def test_bad_input_gets_one_error_line_exit_2_and_leaves_nothing(tmp_path, args, message):
    (tmp_path / "afile").write_text("not a folder")
    (tmp_path / "loop").symlink_to("loop")
    before = _everything(tmp_path)
    done = _convanim(args, tmp_path)
    _one_error_line(done, message)
    assert done.stdout == ""
    assert _everything(tmp_path) == before


def _convanim(args, folder, **options) -> subprocess.CompletedProcess[str]:
    """``python -m convanim *args`` run in ``folder``, its output captured."""
    environment = {**os.environ, "COLUMNS": "80", **options.pop("env", {})}
    options.setdefault("stdout", subprocess.PIPE)
    return subprocess.run(
        [sys.executable, "-m", "convanim", *args],
        cwd=folder,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        env=environment,
        **options,
    )


def _one_error_line(done: subprocess.CompletedProcess[str], message: str, code: int = 2) -> None:
    lines = done.stderr.splitlines()
    assert done.returncode == code, done.stderr
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    assert message in lines[0]
    assert "Traceback" not in done.stderr


# What the system refuses.


def _file_size_limit(limit: int):
    """For a child process: files may grow to ``limit`` bytes, a write beyond fails (EFBIG),
    as on a full disk; Python ignores SIGXFSZ, so the write raises."""
    import resource

    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX resource limits")
@pytest.mark.parametrize("name", ["a.gif", "a.mp4", "a.webp", "a.png", "a.svg"])
def test_a_full_disk_is_one_error_line_and_leaves_nothing(tmp_path, name):
    from convanim.render.encode.writers import mp4_available

    if name.endswith(".mp4") and not mp4_available():
        pytest.skip("writing .mp4 needs PyAV")
    done = _convanim(
        ["gif", "--i", "12", "-o", f"out/{name}"], tmp_path, preexec_fn=_file_size_limit(20_000)
    )
    _one_error_line(done, f"-o: out/{name}: cannot write (File too large)")
    assert _everything(tmp_path) == set()


@pytest.fixture
def small_disk(tmp_path):
    """A file system of 64 KiB of its own at ``tmp_path / "disk"`` (mounting needs root)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)]
    if os.name != "posix" or subprocess.run(mount, capture_output=True).returncode != 0:
        pytest.skip("mounting a file system needs root (the file size limit stands in for it)")
    yield disk
    subprocess.run(["umount", str(disk)], check=True)


def test_a_read_only_and_a_full_file_system_are_one_error_line(tmp_path, small_disk):
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    read_only = [
        (["matrix", "-o", "disk/a.png"], "-o: disk/a.png: cannot write (Read-only file system)"),
        (["overlap", "-o", "disk/a.png"], "-o: disk/a.png: cannot write (Read-only"),
        (["gif", "-o", "disk/a.gif"], "-o: disk/a.gif: cannot write (Read-only file system)"),
        (["gif", "-o", "disk/new/a.gif"], "cannot create the folder (Read-only file system)"),
        (["gallery", "-o", "disk/gallery"], "cannot create the folder (Read-only file system)"),
    ]
    for args, message in read_only:
        _one_error_line(_convanim(args, tmp_path), message)
    subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    full = [
        (["gif", "--i", "12", "-o", "disk/a.mp4"], "-o: disk/a.mp4: cannot write (No space left"),
        (["gif", "--i", "9", "-o", "disk/a.gif"], "-o: disk/a.gif: cannot write (No space left"),
        (["gallery", "-o", "disk/gallery"], "-o: disk/gallery/"),
    ]
    for args, message in full:
        _one_error_line(_convanim(args, tmp_path), message)
    assert list(small_disk.iterdir()) == []


def test_a_full_standard_output_is_said_once(tmp_path):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    with open("/dev/full", "w") as full:
        for args in (["shape"], ["--help"], ["--version"]):
            done = _convanim(args, tmp_path, stdout=full)
            _one_error_line(done, "cannot write to standard output: No space left on device")


def test_a_reader_that_leaves_early_ends_the_program_quietly(tmp_path):
    for args in (["shape", "--json"], ["--help"]):
        command = [sys.executable, "-m", "convanim", *args]
        with subprocess.Popen(
            command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        ) as child:
            child.stdout.close()  # as `| head -c1` does once it has its byte
            errors = child.stderr.read()
        assert child.returncode == 1
        assert errors == ""


def test_install_completion_in_a_home_that_cannot_be_written(tmp_path):
    home = tmp_path / "afile"
    home.write_text("a file, not a folder")
    done = _convanim(
        ["--install-completion", "bash"],
        tmp_path,
        env={"HOME": str(home / "home"), "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"},
    )
    _one_error_line(done, f"--install-completion: {home / 'home'}: cannot write (Not a directory)")
    assert _everything(tmp_path) == {"afile"}


# What the user stops: Ctrl-C and SIGTERM, sent for real.

SLOW = ["gif", "--i", "14", "-o", "out/a.gif"]  # 144 frames: seconds of rendering


def _started(child: subprocess.Popen[str]) -> None:
    """Wait until ``child`` runs convanim's own code: NumPy is loaded, which convanim's
    start-up does first (the interpreter's own start-up before that is Python's)."""
    maps = Path(f"/proc/{child.pid}/maps")
    if not maps.exists():
        child.kill()
        pytest.skip("needs /proc to see what the child has loaded")
    while "_multiarray_umath" not in maps.read_text():
        assert child.poll() is None, child.communicate()
        time.sleep(0.005)


def _stopped(child: subprocess.Popen[str], signum: int, folder: Path) -> None:
    child.send_signal(signum)
    output, errors = child.communicate(timeout=60)
    assert child.returncode == 128 + signum, errors
    assert errors == "error: interrupted\n"
    assert output == ""
    assert _everything(folder) == set()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("delay", [0, 0.1, 0.3, 0.6])
def test_stopped_at_any_moment_says_interrupted_and_leaves_nothing(tmp_path, signum, delay):
    """From start-up (importing the libraries) through parsing to drawing and writing."""
    command = [sys.executable, "-m", "convanim", *SLOW]
    with subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as child:
        _started(child)
        time.sleep(delay)
        _stopped(child, signum, tmp_path)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_stopped_while_the_file_is_written_says_interrupted_and_leaves_nothing(tmp_path, signum):
    command = [sys.executable, "-m", "convanim", *SLOW]
    with subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as child:
        while not list(tmp_path.glob("out/.a.gif.*.part")):
            assert child.poll() is None, child.communicate()
            time.sleep(0.005)
        _stopped(child, signum, tmp_path)


SWALLOWING = """
import sys, time
from pathlib import Path
from convanim import pipeline as animation
from convanim.cli import main

drawing = animation.drawing

def swallowing(*args, **kwargs):
    Path("drawing").write_text("")
    try:
        time.sleep(60)  # the signal arrives here
    except KeyboardInterrupt:  # as NumPy swallows an error raised in a special-method lookup
        pass
    return drawing(*args, **kwargs)

animation.drawing = swallowing
sys.argv = ["convanim", "gif", "-o", "out/a.gif"]
main()
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupt_a_library_swallows_still_keeps_the_file_out(tmp_path, signum):
    command = [sys.executable, "-c", SWALLOWING]
    with subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as child:
        while not (tmp_path / "drawing").exists():
            assert child.poll() is None, child.communicate()
            time.sleep(0.005)
        (tmp_path / "drawing").unlink()
        _stopped(child, signum, tmp_path)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_gallery_stopped_leaves_its_folder_as_it_was(tmp_path, signum):
    """Finished animations are not kept, the folder's own files stay untouched; the signal
    goes to every process of the group, as from a terminal, the workers too."""
    folder = tmp_path / "renders"
    folder.mkdir()
    (folder / "README.md").write_text("the user's own")
    (folder / "mine.gif").write_text("the user's own")
    before = {path: path.read_text() for path in folder.iterdir()}
    command = [sys.executable, "-m", "convanim", "gallery", "-o", "renders"]
    with subprocess.Popen(
        command,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as child:
        while not list(folder.glob(".*/*.svg")):  # some animations are finished
            assert child.poll() is None, child.communicate()
            time.sleep(0.01)
        os.killpg(child.pid, signum)
        output, errors = child.communicate(timeout=60)
    assert child.returncode == 128 + signum, errors
    assert errors == "error: interrupted\n"
    assert output == ""
    assert {path: path.read_text() for path in folder.iterdir()} == before
    assert _everything(tmp_path) == {"renders", "renders/README.md", "renders/mine.gif"}
