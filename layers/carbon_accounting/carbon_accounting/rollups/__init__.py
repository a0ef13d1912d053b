"""An organization's rollups: counts and monthly figures kept as invoices change, so that its lists'
counts and its emissions summary read a few items, never every invoice it ever filed.

- ``contribution``: what one invoice adds (pure): the counts by status and type, and, while active,
  its figures by month, type and scope part.
- ``maintenance``: the table's stream applies each invoice change's delta exactly once
  (UpdateRollupsFunction).
- ``verification``: recount an organization from its invoices, report the differences and repair
  them (``make admin ARGS="rollups verify|rebuild ..."``).

docs/data-model.md has the items and what reading them costs.
"""
