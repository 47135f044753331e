"""``convanim net`` in-process: the JSON of a 50-layer chain on 224x224 and of ResNet-50's
main path, then the pictures of VGG's block (layers view) and WaveNet's stack (tree view).

Prints, per case, the seconds from the chain's text to the JSON (parse, build, field,
path counts, summaries) and the peak of Python's allocations (tracemalloc) during it;
then the seconds from the chain's text to an animated SVG and to a GIF, each once.
Run from the repository root: python benchmarks/bench_network.py
"""

from __future__ import annotations

import json
import tempfile
import time
import tracemalloc
from pathlib import Path

from convanim.geometry.network import receptive_field
from convanim.pytorch import build_network, parse_chain
from convanim.request import Request
from convanim.story.board import NetworkView
from convanim.story.presets import NETWORK_PRESETS, NetworkPreset
from convanim.text import network_record


def fifty_layers() -> str:
    """50 layers: 3x3 convolutions, with a stride-2 one every tenth layer."""
    layers = []
    for k in range(50):
        stride = 2 if k % 10 == 9 else 1
        layers.append(f"nn.Conv2d(8, 8, 3, stride={stride}, padding=1)")
    return "; ".join(layers)


def resnet50_main_path() -> str:
    """torchvision's ResNet-50 without its shortcuts: the stem, then each bottleneck's
    1x1, 3x3 (stride 2 at the first block of stages 2-4) and 1x1, with their BN and ReLU."""
    layers = [
        "nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)",
        "nn.BatchNorm2d(64)",
        "nn.ReLU(inplace=True)",
        "nn.MaxPool2d(3, stride=2, padding=1)",
    ]
    inplanes = 64
    for planes, blocks, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
        for block in range(blocks):
            step = stride if block == 0 else 1
            layers += [
                f"nn.Conv2d({inplanes}, {planes}, 1, bias=False)",
                f"nn.BatchNorm2d({planes})",
                "nn.ReLU(inplace=True)",
                f"nn.Conv2d({planes}, {planes}, 3, stride={step}, padding=1, bias=False)",
                f"nn.BatchNorm2d({planes})",
                "nn.ReLU(inplace=True)",
                f"nn.Conv2d({planes}, {planes * 4}, 1, bias=False)",
                f"nn.BatchNorm2d({planes * 4})",
                "nn.ReLU(inplace=True)",
            ]
            inplanes = planes * 4
    return "; ".join(layers)


def measure(name: str, text: str) -> None:
    tracemalloc.start()
    start = time.perf_counter()
    built = build_network(parse_chain(text), (224, 224))
    data = json.dumps(network_record(built, receptive_field(built)))
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"  {name:<34} {len(built.stages):>4} layers  {seconds:6.2f} s  "
        f"peak {peak / 2**20:6.1f} MiB  JSON {len(data) / 2**10:7.1f} KiB"
    )


def picture(name: str, preset: NetworkPreset, size: tuple[int, ...], view: NetworkView) -> None:
    folder = Path(tempfile.mkdtemp())
    timings = []
    for suffix in (".svg", ".gif"):
        start = time.perf_counter()
        built = build_network(parse_chain(NETWORK_PRESETS[preset].layers), size)
        written = Request.of(built, view=view).write(folder / f"net{suffix}")
        timings.append(
            f"{suffix[1:]} {time.perf_counter() - start:5.2f} s ({written.bytes:,} bytes)"
        )
    print(f"  {name:<34} {'  '.join(timings)}")


if __name__ == "__main__":
    print("convanim net --json in-process, 224x224 input:")
    measure("50 layers of 3x3 (stride 2 every 10)", fifty_layers())
    measure("ResNet-50 main path (no shortcuts)", resnet50_main_path())
    print("convanim net --view, from the text to the file:")
    picture("VGG block on 9x9, layers view", NetworkPreset.VGG_BLOCK, (9, 9), NetworkView.LAYERS)
    picture("WaveNet on 16, tree view", NetworkPreset.WAVENET, (16,), NetworkView.TREE)
