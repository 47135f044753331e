"""A sequence whose items are made when read: long animations never hold all their frames."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar, overload

Item = TypeVar("Item")


class Lazy(Sequence[Item]):
    """``length`` items, item ``i`` made by ``make(i)`` each time it is read; nothing is kept.

    >>> squares = Lazy(4, lambda i: i * i)
    >>> squares[-1], squares[1:3], list(squares)
    (9, [1, 4], [0, 1, 4, 9])
    """

    def __init__(self, length: int, make: Callable[[int], Item]):
        self._length = length
        self._make = make

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> Item: ...
    @overload
    def __getitem__(self, index: slice) -> list[Item]: ...
    def __getitem__(self, index: int | slice) -> Item | list[Item]:
        positions = range(self._length)
        if isinstance(index, slice):
            return [self._make(i) for i in positions[index]]
        return self._make(positions[index])  # negative indices; IndexError past the end

    def __iter__(self) -> Iterator[Item]:
        return (self._make(i) for i in range(self._length))
