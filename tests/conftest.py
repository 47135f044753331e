"""Hypothesis profiles and shared strategies: random valid ConvSpecs in 1-D to 3-D.

``HYPOTHESIS_PROFILE=ci`` loads the "ci" profile (derandomized, failures printed
with a reproduction blob). It is loaded here, before any test module is
imported, so the ``settings(...)`` the modules build at import time inherit it.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator

import browser
import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st

from convanim.errors import ConvanimError
from convanim.geometry import ConvSpec

settings.register_profile("default", deadline=None)
settings.register_profile("ci", derandomize=True, print_blob=True, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@st.composite
def conv_specs(draw, transposed: bool | None = None, max_ndim: int = 3, max_size: int = 7):
    """A valid spec: random sizes, kernels, strides, dilations, paddings (also asymmetric
    and named) and, for transposed specs, output_padding."""
    ndim = draw(st.integers(1, max_ndim))
    if transposed is None:
        transposed = draw(st.booleans())
    axis = st.integers
    kernel = tuple(draw(axis(1, 4)) for _ in range(ndim))
    stride = tuple(draw(axis(1, 3)) for _ in range(ndim))
    dilation = tuple(draw(axis(1, 3)) for _ in range(ndim))
    padding_style = draw(st.sampled_from(["int", "pairs", "named"]))
    if padding_style == "named" and not transposed:
        padding = draw(st.sampled_from(["valid", "same", "full"]))
    elif padding_style == "pairs":
        padding = tuple((draw(axis(0, 4)), draw(axis(0, 4))) for _ in range(ndim))
    else:
        padding = draw(axis(0, 4))
    output_padding = (
        tuple(draw(axis(0, max(s, d) - 1)) for s, d in zip(stride, dilation)) if transposed else 0
    )
    input_size = tuple(draw(axis(1, max_size)) for _ in range(ndim))
    try:
        return ConvSpec(
            input_size=input_size,
            kernel=kernel,
            stride=stride,
            padding=padding,
            dilation=dilation,
            output_padding=output_padding,
            transposed=transposed,
        )
    except ConvanimError:
        draw(st.nothing())  # an empty output: not a valid spec, draw again


@st.composite
def channel_specs(draw, transposed: bool | None = None, max_ndim: int = 2, max_size: int = 6):
    """A valid spec of ``conv_specs`` with random channel counts (1 to 3 per group), 1 to 3
    groups and a bias or not."""
    spec = draw(conv_specs(transposed=transposed, max_ndim=max_ndim, max_size=max_size))
    groups = draw(st.integers(1, 3))
    return dataclasses.replace(
        spec,
        in_channels=groups * draw(st.integers(1, 3)),
        out_channels=groups * draw(st.integers(1, 3)),
        groups=groups,
        bias=draw(st.booleans()),
    )


COPYING = ("reflect", "replicate", "circular")
#: The largest padding side each mode allows on n input cells (PyTorch's F.pad).
LARGEST_SIDE = {"reflect": lambda n: n - 1, "circular": lambda n: n, "replicate": lambda n: n + 3}


@st.composite
def moded_specs(draw, max_ndim: int = 2, channels: bool = False):
    """A convolution with a copying padding mode and per-side padding within the mode's rule."""
    mode = draw(st.sampled_from(COPYING))
    ndim = draw(st.integers(1, max_ndim))
    sizes = tuple(draw(st.integers(1, 6)) for _ in range(ndim))
    largest = [LARGEST_SIDE[mode](n) for n in sizes]
    padding = tuple((draw(st.integers(0, p)), draw(st.integers(0, p))) for p in largest)
    groups = draw(st.integers(1, 2)) if channels else 1
    try:
        return ConvSpec(
            input_size=sizes,
            kernel=tuple(draw(st.integers(1, 4)) for _ in range(ndim)),
            stride=tuple(draw(st.integers(1, 3)) for _ in range(ndim)),
            dilation=tuple(draw(st.integers(1, 2)) for _ in range(ndim)),
            padding=padding,
            padding_mode=mode,
            in_channels=groups * (draw(st.integers(1, 2)) if channels else 1),
            out_channels=groups * (draw(st.integers(1, 2)) if channels else 1),
            groups=groups,
            bias=channels and draw(st.booleans()),
        )
    except ConvanimError:
        draw(st.nothing())  # the kernel does not fit the padded input


def arange_values(shape) -> np.ndarray:
    """Distinct values (1, 2, 3, ...) so that any misplaced index changes a result."""
    return np.arange(1, int(np.prod(shape)) + 1, dtype=float).reshape(shape)


def random_values(shape, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(-4, 5, size=shape).astype(float)


@pytest.fixture(scope="module")
def chromium() -> Iterator[browser.Chromium]:
    """One headless Chromium per module (the browser tests'): skipped where it is not
    installed, except in CI, which must run them."""
    reason = browser.unavailable()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run the browser tests")
        pytest.skip(reason)
    with browser.Chromium() as launched:
        yield launched
