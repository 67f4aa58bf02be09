"""Pausing Python's cyclic garbage collector around work that builds a large, short-lived
structure, such as the ranking of a registry of thousands of experts.

Such work allocates some 100,000 objects that reference counting frees when it ends.
Left running, the collector walks them (and every older object of the process) several
times meanwhile, and promotes the survivors so that a full collection follows a few
requests later: a third of the work's time, and pauses of a tenth of a second. Paused
until the structure is freed, it finds nothing new to walk.

The pause is process-wide: work that ends while another pause is open leaves the
collector to the outer one, and the collector always runs again once the last one ends.
Code in a pause must not leave reference cycles behind (a stored exception is one).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
