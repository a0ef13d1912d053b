"""schemathesis hooks for this API (loaded through SCHEMATHESIS_HOOKS by ``tests.fuzz.run``).

Idempotency-Key: schemathesis draws header values from small pools (the coverage phase's boundary
values come back in many cases), so it sends one key with many different bodies, which this API
rightly refuses with 422 IDEMPOTENCY_KEY_REUSED, and its positive-data check then reports a
schema-valid request rejected. A client makes one key per intended create: each generated valid key
gets a suffix of its own here, keeping it valid (so what is checked as positive stays positive), and
an invalid key is sent as drawn, for the negative checks.

The hook is ``map_case``, the one hook every phase applies to its cases: the coverage phase builds
its cases without Hypothesis' strategies and skips ``map_headers``, which let a 15-minute run reuse a
boundary key across bodies.
"""

import re
import uuid

import schemathesis

from carbon_accounting.idempotency import HEADER, KEY_PATTERN


@schemathesis.hook
def map_case(context, case):
    key = (case.headers or {}).get(HEADER)
    if isinstance(key, str) and re.fullmatch(KEY_PATTERN, key):
        case.headers[HEADER] = f"{key[:200]}~{uuid.uuid4().hex}"
    return case
