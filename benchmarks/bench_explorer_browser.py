"""The explorer's answer time in a browser: from a control's change on the local page to the
new picture painted, for the guide's default layer (--i 5 --k 3 --s 2 --p 1), the kernel
alternating between 3 and 2 (both 9 frames). Issue 20's target: at most 100 ms.

The clock starts (performance.now()) as the kernel field's input event is dispatched and
stops after the first frame painted with the new picture: a MutationObserver sees the
picture replaced, a requestAnimationFrame callback runs before that frame's paint and a
task queued from it runs after. Each change's server time (the view.json request, from
the page's resource timing) is printed beside it.

Needs Debian's Chromium (/usr/bin/chromium) and Playwright, as tests/browser.py does.
Run from the repository root: python benchmarks/bench_explorer_browser.py
"""

from __future__ import annotations

import re
import signal
import statistics
import subprocess
import sys

CHROMIUM = "/usr/bin/chromium"  # Debian's package, never `playwright install` (tests/browser.py)
FLAGS = ("--i", "5", "--k", "3", "--s", "2", "--p", "1")
KERNELS = ("2", "3")  # alternated: each change draws the other state
WARM_UP = 2
CHANGES = 20
TARGET_MS = 100

#: One change: set the kernel, dispatch input, resolve once the new picture is painted.
_CHANGE = """([value, query]) => new Promise(resolve => {
    const root = document.querySelector(".convanim-explorer");
    const picture = root.querySelector(".cx-picture");
    const input = root.querySelector('.cx-fields [name="k"]');
    let start;
    const observer = new MutationObserver(() => {
        if (root.dataset.state !== "shown" || root.dataset.query !== query) return;
        observer.disconnect();
        requestAnimationFrame(() => setTimeout(() => {
            const total = performance.now() - start;
            const asked = performance.getEntriesByType("resource")
                .filter(entry => entry.name.includes("view.json?" + query)).pop();
            performance.clearResourceTimings();
            resolve([total, asked ? asked.responseEnd - asked.startTime : NaN]);
        }));
    });
    observer.observe(picture, {childList: true});
    input.value = value;
    start = performance.now();
    input.dispatchEvent(new Event("input"));
})"""


def main() -> None:
    from playwright.sync_api import sync_playwright

    command = [sys.executable, "-m", "convanim", "explore", *FLAGS, "--port", "0", "--no-browser"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        said = re.search(r"(http://\S+)", server.stdout.readline())
        assert said, "the server said no address"
        address = said[1]
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM)
            page = chromium.new_page(viewport={"width": 1280, "height": 900})
            page.goto(address)
            page.wait_for_selector(".convanim-explorer[data-state=shown]")
            start = page.evaluate("document.querySelector('.convanim-explorer').dataset.query")
            totals, serving = [], []
            for number in range(WARM_UP + CHANGES):
                kernel = KERNELS[number % 2]
                query = re.sub(r"k=\d+", f"k={kernel}", start)
                total, served = page.evaluate(_CHANGE, [kernel, query])
                if number >= WARM_UP:
                    totals.append(total)
                    serving.append(served)
            chromium.close()
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
    print(f"explorer, {start} <-> kernel 2, {CHANGES} changes in Chromium (local page):")
    print(
        f"  change to new picture painted: median {statistics.median(totals):.1f} ms, "
        f"best {min(totals):.1f} ms, worst {max(totals):.1f} ms"
    )
    print(f"  of which the server's answer (view.json): median {statistics.median(serving):.1f} ms")
    verdict = "met" if statistics.median(totals) <= TARGET_MS else "missed"
    print(f"  target: at most {TARGET_MS} ms ({verdict})")


if __name__ == "__main__":
    main()
