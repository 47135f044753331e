"""The explorer's answer, in-process: a query to everything the page shows (the command
line's parsing, the request, the animated SVG in both colour schemes, the formula and
the hover targets), for the issue's two cases and two more.

Prints the median and best of several rounds per case (milliseconds), after one warm-up
call, and the share of the median spent in parsing. Each round draws the same state
again: the geometry's per-spec caches are warm, as they are when a reader comes back to
a state. Run from the repository root: python benchmarks/bench_explorer.py
"""

from __future__ import annotations

import statistics
import time

from convanim.integrations.explorer.state import read_query, request_of, shown

ROUNDS = 15
CASES = {
    "guide default (--i 5 --k 3 --s 2 --p 1)": "i=5&k=3&s=2&p=1",
    "CS231n stack (--cin 3 --cout 2 --bias --s 2 --p 1 --view stack --values)": (
        "k=3&s=2&p=1&cin=3&cout=2&bias=1&view=stack&values=1"
    ),
    "odd transposed (--i 3 --k 3 --s 2 --p 1 --op 1 -t)": "i=3&k=3&s=2&p=1&op=1&t=1",
    "WaveNet tree (--net --preset wavenet)": "net=1&preset=wavenet",
}


def measure(call) -> tuple[float, float]:
    call()
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, min(times) * 1000


def main() -> None:
    print(f"{'case':<75} {'median':>8} {'best':>8} {'parsing':>8}  (ms)")
    for name, query in CASES.items():
        state = read_query(query)
        median, best = measure(lambda state=state: shown(state))
        parsing, _ = measure(lambda state=state: request_of(state))
        print(f"{name:<75} {median:8.1f} {best:8.1f} {parsing:8.1f}")


if __name__ == "__main__":
    main()
