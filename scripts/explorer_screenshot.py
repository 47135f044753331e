"""Take the README's screenshot of the explorer: the local page in Debian's Chromium.

Run from the repository root: python scripts/explorer_screenshot.py [docs/_static/explorer.png]
It starts ``convanim explore`` on a free port, opens the guide's transposed case with
numbers, pins frame 5 (as a reader's click would), and saves the page at 1100 px wide.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"  # Debian's package, as the browser tests use
STATE = "k=3&s=2&p=1&t=1&view=scatter&values=1"
VIEWPORT = {"width": 1100, "height": 820}
PINNED_FRAME = 4  # 0-based: the fifth input cell's stamp


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/_static/explorer.png")
    server = subprocess.Popen(
        [sys.executable, "-m", "convanim", "explore", "--port", "0", "--no-browser"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    port = re.search(r"127\.0\.0\.1:(\d+)", server.stdout.readline())[1]  # type: ignore[index]
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM)
            page = browser.new_page(viewport=VIEWPORT, device_scale_factor=1)
            page.goto(f"http://127.0.0.1:{port}/?{STATE}")
            page.wait_for_selector(".convanim-explorer[data-state=shown]")
            scrubber = page.locator(".cx-scrubber")
            scrubber.focus()
            for _ in range(PINNED_FRAME):  # the reader's arrow keys on the scrubber
                scrubber.press("ArrowRight")
            page.evaluate("window.scrollTo(0, 0)")
            page.wait_for_timeout(200)
            page.screenshot(path=str(out))
            browser.close()
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
    print(f"{out}: {out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
