"""The ids of what a request creates: random, or derived from the request's Idempotency-Key.

A retried create must not create twice, even when its first attempt wrote everything and then
failed to record its answer (a fault, a timeout). Under ``derived_from`` the ids a request creates
are a function of its key (UUIDv5 of the key's namespace and a counter), so the retry, running the
same code on the same body, names the same items; the repository then finds them written and
writes nothing again (``derived``).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from uuid import UUID

_namespace: ContextVar[tuple[UUID, Iterator[int]] | None] = ContextVar("ids_namespace", default=None)


def new_id() -> UUID:
    """The next id for something this request creates."""
    derived_ids = _namespace.get()
    if derived_ids is None:
        return uuid.uuid4()
    namespace, counter = derived_ids
    return uuid.uuid5(namespace, str(next(counter)))


def derived() -> bool:
    """Whether this request's ids are derived from its Idempotency-Key (so its writes may be a retry's)."""
    return _namespace.get() is not None


@contextmanager
def derived_from(namespace: UUID) -> Iterator[None]:
    """Within the block, ``new_id`` answers the ids of ``namespace``, in order."""
    token = _namespace.set((namespace, itertools.count()))
    try:
        yield
    finally:
        _namespace.reset(token)
