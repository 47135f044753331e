"""Max and average pooling against the NumPy reference."""

from __future__ import annotations

import numpy as np
import pytest
import reference
from conftest import random_values
from hypothesis import given, settings
from hypothesis import strategies as st

from convanim.errors import ConvanimError
from convanim.geometry import ConvSpec, Pooling, PoolMode

SETTINGS = settings(max_examples=60, deadline=None)


@st.composite
def pool_specs(draw):
    """A valid pooling: padding at most half the window, dilation only for max pooling."""
    mode = draw(st.sampled_from(["max", "avg"]))
    ndim = draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 4)) for _ in range(ndim))
    dilation = tuple(draw(st.integers(1, 2)) if mode == "max" else 1 for _ in range(ndim))
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    padding = tuple((draw(st.integers(0, k // 2)), draw(st.integers(0, k // 2))) for k in kernel)
    input_size = tuple(draw(st.integers(max(1, s - sum(p)), 8)) for s, p in zip(spans, padding))
    spec = ConvSpec(
        input_size=input_size,
        kernel=kernel,
        stride=tuple(draw(st.integers(1, 3)) for _ in range(ndim)),
        padding=padding,
        dilation=dilation,
    )
    try:
        return Pooling(spec, mode, draw(st.booleans()))
    except ConvanimError:  # a window of padding only: rare, drawn again
        draw(st.nothing())


@SETTINGS
@given(pooling=pool_specs(), seed=st.integers(0, 2**16))
def test_pooling_matches_numpy_reference(pooling, seed):
    x = random_values(pooling.spec.input_size, seed)
    expected = reference.pool(x, pooling.spec, pooling.mode.value, pooling.count_include_pad)
    np.testing.assert_allclose(pooling.apply(x), expected)


@SETTINGS
@given(pooling=pool_specs(), seed=st.integers(0, 2**16))
def test_max_pooling_winners_hold_the_maximum(pooling, seed):
    pooling = Pooling(pooling.spec, "max")
    x = random_values(pooling.spec.input_size, seed)
    winners = pooling.winners(x)
    np.testing.assert_array_equal(x[tuple(np.moveaxis(winners, -1, 0))], pooling.apply(x))


@pytest.mark.parametrize(("mode", "expected"), [("max", PoolMode.MAX), ("avg", PoolMode.AVG)])
def test_pooling_mode_is_normalised_to_pool_mode(mode, expected):
    pooling = Pooling(ConvSpec(input_size=4, kernel=2, stride=2), mode)
    assert pooling.mode is expected
    assert Pooling(pooling.spec, expected).mode is expected


def test_pooling_rejects_an_unknown_mode():
    with pytest.raises(ConvanimError) as caught:
        Pooling(ConvSpec(input_size=4, kernel=2), "mean")
    assert str(caught.value) == "pool: must be one of max, avg, got 'mean'"


@pytest.mark.parametrize(
    ("kernel", "stride", "padding", "average", "maximum"),
    [  # F.avg_pool1d(ones(5)) and F.max_pool1d(arange(5)), ceil_mode=True, from PyTorch 2.13
        (2, 2, 0, [1.0, 1.0, 1.0], [1.0, 3.0, 4.0]),
        (3, 2, 0, [1.0, 1.0], [2.0, 4.0]),
        (3, 2, 1, [2 / 3, 1.0, 2 / 3], [1.0, 3.0, 4.0]),
        (2, 3, 1, [0.5, 1.0], [0.0, 3.0]),
        (3, 3, 1, [2 / 3, 1.0], [1.0, 4.0]),
    ],
)
def test_ceil_mode_matches_pytorch(kernel, stride, padding, average, maximum):
    spec = ConvSpec(input_size=5, kernel=kernel, stride=stride, padding=padding)
    np.testing.assert_allclose(Pooling(spec, "avg", ceil_mode=True).apply(np.ones(5)), average)
    np.testing.assert_array_equal(
        Pooling(spec, "max", ceil_mode=True).apply(np.arange(5.0)), maximum
    )


def test_max_pooling_counts_no_padding():
    """count_include_pad is average pooling's (MaxPool2d has no such argument): refused for
    max pooling, so describe never prints a layer PyTorch rejects."""
    with pytest.raises(ConvanimError, match="count_include_pad: only average pooling counts"):
        Pooling(ConvSpec(input_size=5, kernel=3, padding=1), "max", count_include_pad=False)
