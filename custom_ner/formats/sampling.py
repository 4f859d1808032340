"""The one seeded sample of the project (silver texts, update-sm data, report texts)."""
import random
from typing import List, Sequence, TypeVar

T = TypeVar("T")


def sample(items: Sequence[T], n: int, seed: int) -> List[T]:
    """Up to ``n`` of ``items`` in a seeded random order (``n`` 0: all of them, shuffled).

    The order depends only on the number of items and the seed, so the same inputs
    give the same sample on every run and machine.
    """
    shuffled = list(items)
    random.Random(seed).shuffle(shuffled)
    return shuffled[:n] if n else shuffled
