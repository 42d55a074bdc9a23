"""Exact integer array arithmetic: int64 when it cannot overflow, Python integers otherwise.

Welfare terms are (cap - price) x Wh, up to about 1e12 x 1e10 each; their sums can leave
int64. These helpers check the magnitudes and fall back to object arrays of Python ints,
so results are always exact and never pass through floating point.
"""

from __future__ import annotations

import numpy as np

_SAFE = 2**62


def _magnitude(a: np.ndarray) -> int:
    if a.size == 0:
        return 0
    return max(abs(int(a.max())), abs(int(a.min())))


def multiply(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a x b elementwise, exactly."""
    if _magnitude(a) * _magnitude(b) < _SAFE:
        return a.astype(np.int64, copy=False) * b.astype(np.int64, copy=False)
    return a.astype(object) * b.astype(object)


def cumsum(a: np.ndarray) -> np.ndarray:
    """Running sum with a leading 0, exactly (length ``a.size + 1``)."""
    if a.dtype != object and _magnitude(a) * max(a.size, 1) < _SAFE:
        return np.concatenate(([0], np.cumsum(a, dtype=np.int64)))
    out = np.empty(a.size + 1, dtype=object)
    out[0] = 0
    out[1:] = np.cumsum(a.astype(object))
    return out


def total(a: np.ndarray) -> int:
    """The exact sum as a Python int."""
    if a.size == 0:
        return 0
    if a.dtype != object and _magnitude(a) * a.size < _SAFE:
        return int(a.sum(dtype=np.int64))
    return sum(int(x) for x in a.tolist())


def dot(a: np.ndarray, b: np.ndarray) -> int:
    """Exact sum of a x b."""
    return total(multiply(a, b))
