"""Debian's Chromium, headless, driven by Playwright: an SVG file opened as the page, its
animation clock set by hand, screenshots as RGB arrays.

Playwright talks to the browser over its DevTools pipe, so no chromedriver is involved
and nothing is downloaded: the browser is always ``CHROMIUM`` (never ``playwright
install``). Pages are opened at device scale factor 1 in a viewport the SVG's size, so a
screenshot pixel is an SVG user unit, as a raster frame's pixel is.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from types import TracebackType

import numpy as np

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; scripts/test.sh installs it
INSTALL = "apt-get install chromium (scripts/test.sh does) and pip install -e '.[test]'"

#: Pauses every animation of the document at one time of its clock (ms); how many it found.
_SET_CLOCK = """milliseconds => {
    const animations = document.getAnimations();
    for (const animation of animations) {
        animation.pause();
        animation.currentTime = milliseconds;
    }
    return animations.length;
}"""


def unavailable() -> str | None:
    """Why the browser tests cannot run here, or None if they can."""
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is missing: {INSTALL}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return f"Playwright is missing: {INSTALL}"
    return None


class SvgPage:
    """One SVG file open in its own browser context (colour scheme and motion emulated)."""

    def __init__(self, context, path: Path):
        self.context = context
        self.page = context.new_page()
        self.requests: list[str] = []  # every URL the page asked for, the file itself included
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.url = path.resolve().as_uri()
        self.page.goto(self.url)

    def screenshot(self) -> np.ndarray:
        """The viewport now, as an (height, width, 3) uint8 RGB array."""
        from PIL import Image

        png = self.page.screenshot()
        return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))

    def at(self, milliseconds: float) -> np.ndarray:
        """The picture with every animation paused at ``milliseconds`` of its clock."""
        found = self.page.evaluate(_SET_CLOCK, milliseconds)
        assert found, f"{self.url} has no animation to set the clock of"
        return self.screenshot()

    def wait(self, milliseconds: float) -> None:
        """Let the page's own clock run for ``milliseconds`` of real time."""
        self.page.wait_for_timeout(milliseconds)

    def close(self) -> None:
        self.context.close()


class Chromium:
    """The browser, launched once: ``with Chromium() as browser: browser.open(...)``."""

    def __enter__(self) -> Chromium:
        from playwright.sync_api import sync_playwright

        self.playwright = sync_playwright().start()
        self.browser = self.playwright.chromium.launch(executable_path=str(CHROMIUM))
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.browser.close()
        self.playwright.stop()

    def open(
        self,
        path: Path,
        size: tuple[int, int],
        *,
        color_scheme: str = "light",
        reduced_motion: str = "no-preference",
    ) -> SvgPage:
        """``path`` as the page, in a viewport of ``size`` (width, height) at scale 1."""
        width, height = size
        context = self.browser.new_context(
            viewport={"width": width, "height": height},
            device_scale_factor=1,
            color_scheme=color_scheme,
            reduced_motion=reduced_motion,
        )
        return SvgPage(context, path)
