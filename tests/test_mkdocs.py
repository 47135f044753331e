"""The ```` ```convanim ```` fence in real MkDocs builds: inline SVG, refusals fail --strict."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

MKDOCS = Path(sys.executable).parent / "mkdocs"
CONFIG = """\
site_name: test
markdown_extensions:
  - pymdownx.superfences:
      custom_fences:
        - name: convanim
          class: convanim
          validator: !!python/name:convanim.integrations.mkdocs.validator
          format: !!python/name:convanim.integrations.mkdocs.fence
"""
SCATTER = "Transposed convolution of a 2x2 input with kernel 2x2, stride 2, padding 0, giving a 4x4 output"
PAGE = """\
# Animations

```convanim
--i 3 --k 2 --no-labels
```

```convanim caption="Stamps & sums" alt="Two stamps"
--i 2 --k 2 --s 2 -t --view scatter
```
"""


def mkdocs_build(
    folder: Path, page: str, *options: str, config: str = CONFIG
) -> subprocess.CompletedProcess[str]:
    (folder / "docs").mkdir(exist_ok=True)
    (folder / "mkdocs.yml").write_text(config)
    (folder / "docs" / "index.md").write_text(page)
    command = [str(MKDOCS), "build", "--config-file", str(folder / "mkdocs.yml"), *options]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=folder)


def test_fence_puts_the_svg_inline_with_caption_and_alt(tmp_path):
    done = mkdocs_build(tmp_path, PAGE, "--strict")
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "site" / "index.html").read_text()
    figures = re.findall(r'<figure class="convanim">(.*?)</figure>', html, flags=re.DOTALL)
    assert len(figures) == 2
    plain, stamps = figures
    assert plain.startswith("<svg") and "<title>Convolution of a 3x3 input" in plain
    assert "<figcaption>" not in plain
    assert stamps.startswith('<div role="img" aria-label="Two stamps"><svg')
    assert f"<title>{SCATTER}</title>" in stamps  # the spec's own label, overridden by the div's
    assert stamps.endswith("</svg></div><figcaption>Stamps &amp; sums</figcaption>")


def test_refused_fence_fails_a_strict_build_with_the_error_line(tmp_path):
    page = PAGE.replace("--i 3 --k 2", "--i 3 --k 0")
    error = (
        "convanim: --k (axis 0): must be positive, got 0 (in the fence `convanim gif --i 3 --k 0"
    )
    strict = mkdocs_build(tmp_path, page, "--strict")
    assert strict.returncode != 0
    assert f"WARNING -  {error}" in strict.stderr
    assert "Aborted with 1 warnings in strict mode" in strict.stdout + strict.stderr
    lenient = mkdocs_build(tmp_path, page)
    assert lenient.returncode == 0, lenient.stderr
    html = (tmp_path / "site" / "index.html").read_text()
    assert "error: --k (axis 0): must be positive, got 0</pre>" in html
    assert html.count("<svg") == 1  # the other fence still renders


def test_unknown_fence_option_is_a_warning(tmp_path):
    strict = mkdocs_build(
        tmp_path, PAGE.replace('alt="Two stamps"', 'title="Two stamps"'), "--strict"
    )
    assert strict.returncode != 0
    assert (
        "convanim: unknown fence option 'title' (the fence takes caption and alt)" in strict.stderr
    )


def test_unread_header_and_out_flag_are_refused_and_the_next_fence_still_renders(tmp_path):
    """``alt=`` leaves a header superfences cannot read: with the convanim.integrations.mkdocs extension
    the fence is refused on the page (not left as text swallowing the next fence); a body
    with -o is refused, since the fence writes the animation into the page."""
    page = (
        "```convanim alt=\n--i 3 --k 2\n```\n\n"
        "```convanim\n--i 2 --k 2\n```\n\n"
        "```convanim\n--i 2 --k 2 -o a.svg\n```\n"
    )
    done = mkdocs_build(tmp_path, page, config=f"{CONFIG}  - convanim.integrations.mkdocs\n")
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "site" / "index.html").read_text()
    errors = re.findall(r'<pre class="convanim-error">(.*?)</pre>', html, flags=re.DOTALL)
    assert errors == [
        "convanim gif --i 3 --k 2\nerror: the fence options alt= are not read: quote each "
        "value, alt=&quot;...&quot;",
        "convanim gif --i 2 --k 2 -o a.svg\nerror: -o: the page holds the animation: drop -o",
    ]
    assert html.count('<figure class="convanim"><svg') == 1  # the fence between them
    assert "<title>Convolution of a 2x2 input" in html
    assert done.stderr.count("WARNING -  convanim: ") == 2
    assert not (tmp_path / "a.svg").exists()


def test_a_fence_asking_for_help_is_refused_on_the_page():
    from convanim.integrations.mkdocs import fence

    html = fence("--help", "convanim", "convanim", {}, None)
    assert html.startswith('<pre class="convanim-error">convanim gif --help\nerror: --help: ')


def test_a_fence_starting_with_net_draws_a_network(tmp_path):
    page = """\
# Networks

```convanim
net --layers "nn.Conv1d(1, 1, 2); nn.Conv1d(1, 1, 2, dilation=2)" --i 5 --view tree --cell 0
```
"""
    done = mkdocs_build(tmp_path, page, "--strict")
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "site" / "index.html").read_text()
    (figure,) = re.findall(r'<figure class="convanim">(.*?)</figure>', html, flags=re.DOTALL)
    assert figure.startswith("<svg")
    assert "<title>What output cell 0 of a network of 2 layers (input 5, output 2)" in figure
    refused = mkdocs_build(tmp_path, page.replace(" --view tree", ""), "--strict")
    assert refused.returncode != 0
    assert (
        "convanim: --view: the page holds a picture: give --view tree, layers or counts "
        "(in the fence `convanim net --layers"
    ) in refused.stderr
