"""Progress bars for long commands: shown on a terminal, silent in logs and CI."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import BinaryIO

from tqdm import tqdm


@contextmanager
def progress_bar(
    label: str, handle: BinaryIO | None = None, total: int | None = None
) -> Iterator[Callable[[int], None]]:
    """Yield an ``advance(n)`` callback. With a file handle, the bar shows bytes read (flat memory,
    no pre-count of records); otherwise it counts items out of ``total``."""
    disable = not sys.stderr.isatty()
    if handle is not None:
        size = os.fstat(handle.fileno()).st_size
        with tqdm(total=size, unit="B", unit_scale=True, desc=label, disable=disable) as bar:
            yield lambda _n: bar.update(max(0, handle.tell() - bar.n))
    else:
        with tqdm(total=total, desc=label, disable=disable) as bar:
            yield bar.update
