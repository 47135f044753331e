"""Named layers a reader recognises, as shorthand for explicit channel flags.

- depthwise: one filter per input channel (``groups = in_channels``, as many outputs
  unless asked for a multiple);
- pointwise: a 1x1 kernel mixing the channels at each cell;
- separable (depthwise-separable): depthwise, then pointwise on its output, compared
  with the standard convolution between the same channels.

A preset only fills in channel counts, groups and the kernel; ``preset_flags`` writes
what it stands for as the flags a reader could type instead.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from convanim.errors import ConvanimError
from convanim.geometry import ConvSpec
from convanim.text import counted, size_text

#: Input channels of a preset when none are given: the CS231n demo's three.
PRESET_IN_CHANNELS = 3
#: Output channels of a pointwise (or separable) preset when none are given.
PRESET_OUT_CHANNELS = 2


class Preset(str, enum.Enum):
    """The named layers."""

    DEPTHWISE = "depthwise"
    POINTWISE = "pointwise"
    SEPARABLE = "separable"


def preset_channels(
    preset: Preset, in_channels: int | None, out_channels: int | None, kernel_given: bool
) -> dict[str, int]:
    """The channel arguments (and the kernel, pointwise) of ``preset``'s first layer, from
    the counts given (None: the preset's defaults). A separable preset's first layer is
    its depthwise one.

    >>> preset_channels(Preset.DEPTHWISE, 4, None, False)
    {'in_channels': 4, 'out_channels': 4, 'groups': 4}
    """
    cin = PRESET_IN_CHANNELS if in_channels is None else in_channels
    if preset is Preset.POINTWISE:
        if kernel_given:
            raise ConvanimError("kernel", "a pointwise layer has a 1x1 kernel: drop {kernel}")
        cout = PRESET_OUT_CHANNELS if out_channels is None else out_channels
        return {"in_channels": cin, "out_channels": cout, "groups": 1, "kernel": 1}
    if preset is Preset.DEPTHWISE:
        cout = cin if out_channels is None else out_channels
        return {"in_channels": cin, "out_channels": cout, "groups": cin}
    return {"in_channels": cin, "out_channels": cin, "groups": cin}


@dataclass(frozen=True)
class Separable:
    """A depthwise-separable pair: ``depthwise``, then ``pointwise`` on its output.

    >>> pair = Separable.of(ConvSpec(input_size=(5, 5), kernel=3, padding=1, in_channels=3), 2)
    >>> pair.pointwise.input_size, pair.parameter_count, pair.standard.parameter_count
    ((5, 5), 33, 54)
    """

    depthwise: ConvSpec
    pointwise: ConvSpec

    @classmethod
    def of(cls, depthwise: ConvSpec, out_channels: int) -> Separable:
        """The pair whose depthwise layer is ``depthwise`` (its channels and groups are set
        here) and whose pointwise layer makes ``out_channels``."""
        if depthwise.transposed:
            raise ConvanimError("preset", "separable is a pair of convolutions: drop {transposed}")
        channels = depthwise.in_channels
        first = replace(depthwise, out_channels=channels, groups=channels)
        second = ConvSpec(
            input_size=first.output_size,
            kernel=1,
            in_channels=channels,
            out_channels=out_channels,
            bias=depthwise.bias,
        )
        return cls(first, second)

    @property
    def standard(self) -> ConvSpec:
        """The one convolution between the same channels, with the depthwise layer's kernel."""
        return replace(self.depthwise, out_channels=self.pointwise.out_channels, groups=1)

    @property
    def parameter_count(self) -> int:
        return self.depthwise.parameter_count + self.pointwise.parameter_count

    @property
    def multiply_accumulates(self) -> int:
        return self.depthwise.multiply_accumulates + self.pointwise.multiply_accumulates

    @property
    def dense_multiply_accumulates(self) -> int:
        return self.depthwise.dense_multiply_accumulates + self.pointwise.dense_multiply_accumulates

    def stage_captions(self) -> tuple[str, str]:
        """What each layer of the pair does, as a caption under its stage of the animation.

        >>> pair = Separable.of(ConvSpec(input_size=(5, 5), kernel=3, padding=1, in_channels=3), 2)
        >>> for caption in pair.stage_captions():
        ...     print(caption)
        1 of 2, depthwise: each of the 3 channels has its own 3x3 filter (groups 3)
        2 of 2, pointwise: 2 filters of 3x1x1 mix the 3 channels
        """
        first, second = self.depthwise, self.pointwise
        taps = first.weight_shape[2:]
        kernel = size_text(taps) if len(taps) > 1 else f"{taps[0]}-wide"
        slices = size_text(second.weight_shape[1:])
        each = "each of the " if first.in_channels > 1 else "the "
        mix = "mix" if second.in_channels > 1 else "scale"
        mix += ("es" if mix == "mix" else "s") if second.out_channels == 1 else ""
        return (
            f"1 of 2, depthwise: {each}{counted(first.in_channels, 'channel')} has its own "
            f"{kernel} filter (groups {first.groups})",
            f"2 of 2, pointwise: {counted(second.out_channels, 'filter')} of {slices} {mix} "
            f"the {counted(second.in_channels, 'channel')}",
        )

    def comparison_lines(self) -> list[str]:
        """The pair against the standard convolution: parameters and multiply-accumulates."""
        standard = self.standard
        rows = [
            ("depthwise", self.depthwise),
            ("pointwise", self.pointwise),
        ]
        lines = [
            f"{name} weight {size_text(spec.weight_shape)}: "
            f"{spec.parameter_count:,} parameters, "
            f"{spec.dense_multiply_accumulates:,} multiply-accumulates"
            for name, spec in rows
        ]
        lines.append(
            f"separable: {self.parameter_count:,} parameters, "
            f"{self.dense_multiply_accumulates:,} multiply-accumulates"
        )
        lines.append(
            f"standard weight {size_text(standard.weight_shape)}: "
            f"{standard.parameter_count:,} parameters, "
            f"{standard.dense_multiply_accumulates:,} multiply-accumulates"
        )
        share = self.parameter_count / standard.parameter_count
        macs = self.dense_multiply_accumulates / standard.dense_multiply_accumulates
        lines.append(f"separable / standard: {share:.0%} of the parameters, {macs:.0%} of the work")
        return lines


def preset_flags(spec: ConvSpec, preset: Preset, out_channels: int | None = None) -> str:
    """What ``preset`` stands for, as flags (``spec`` is its first layer).

    >>> preset_flags(ConvSpec(input_size=5, kernel=3, in_channels=3, out_channels=3, groups=3), Preset.DEPTHWISE)
    'preset depthwise = --cin 3 --cout 3 --groups 3'
    """
    flags = f"--cin {spec.in_channels} --cout {spec.out_channels} --groups {spec.groups}"
    if preset is Preset.POINTWISE:
        flags += " --k 1"
    if preset is Preset.SEPARABLE:
        second = f"--cin {spec.in_channels} --cout {out_channels} --k 1"
        return f"preset separable = {flags}, then {second}"
    return f"preset {preset.value} = {flags}"


class NetworkPreset(str, enum.Enum):
    """Named stacks of layers (``convanim net --preset``), each with its input size."""

    VGG_BLOCK = "vgg-block"
    WAVENET = "wavenet"
    DCGAN = "dcgan"
    UNET_STEP = "unet-step"
    RESNET_STEM = "resnet-stem"


@dataclass(frozen=True)
class NamedStack:
    """A stack as PyTorch writes it, the input it is shown on, and what it is."""

    layers: str
    input_size: tuple[int, ...]
    about: str


_RELU = "nn.ReLU(inplace=True)"
_DCGAN_UP = "nn.ConvTranspose2d({}, {}, 4, 2, 1, bias=False); nn.BatchNorm2d({}); nn.ReLU(True)"

#: The stacks, as their papers' reference code writes them (PyTorch's DCGAN tutorial,
#: torchvision's VGG and ResNet); WaveNet's causal padding as ConstantPad1d layers.
NETWORK_PRESETS: dict[NetworkPreset, NamedStack] = {
    NetworkPreset.VGG_BLOCK: NamedStack(
        "; ".join([f"nn.Conv2d(64, 64, 3, padding=1); {_RELU}"] * 3),
        (32, 32),
        "VGG's block: three 3x3 convolutions see 7x7",
    ),
    NetworkPreset.WAVENET: NamedStack(
        "; ".join(
            f"nn.ConstantPad1d(({d}, 0), 0); nn.Conv1d(1, 1, 2, dilation={d})" for d in (1, 2, 4, 8)
        ),
        (16,),
        "WaveNet's causal stack, dilations 1, 2, 4, 8: 16 inputs, each along one path",
    ),
    NetworkPreset.DCGAN: NamedStack(
        "; ".join(
            [
                "nn.ConvTranspose2d(100, 512, 4, 1, 0, bias=False); nn.BatchNorm2d(512); nn.ReLU(True)",
                _DCGAN_UP.format(512, 256, 256),
                _DCGAN_UP.format(256, 128, 128),
                _DCGAN_UP.format(128, 64, 64),
                "nn.ConvTranspose2d(64, 3, 4, 2, 1, bias=False); nn.Tanh()",
            ]
        ),
        (1, 1),
        "DCGAN's generator: 1x1 to 64x64 by transposed convolutions 4/2/1",
    ),
    NetworkPreset.UNET_STEP: NamedStack(
        f"nn.Conv2d(64, 64, 3, padding=1); {_RELU}; nn.MaxPool2d(2); "
        f"nn.Conv2d(64, 128, 3, padding=1); {_RELU}; nn.ConvTranspose2d(128, 64, 2, stride=2)",
        (16, 16),
        "a U-Net step down and up: convolution, pooling, convolution, transposed 2/2",
    ),
    NetworkPreset.RESNET_STEM: NamedStack(
        "nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False); nn.BatchNorm2d(64); "
        f"{_RELU}; nn.MaxPool2d(3, stride=2, padding=1)",
        (224, 224),
        "ResNet's stem: 7x7 stride 2, then max pooling 3/2",
    ),
}
