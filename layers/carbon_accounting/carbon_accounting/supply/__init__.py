"""Supply points and completeness: what a utility bills inside a facility, whether every supply point
is billed every month once, and how far each bill looks like its neighbours.

- ``identifiers``: CUPS, MPAN, MPRN and meter numbers, and the id each supply point has (pure);
- ``models``: the API's supply point and coverage shapes;
- ``points``: a facility's supply points, registered, listed in its ``cups_list`` or billed;
- ``coverage``: ``GET /v1/coverage``, from the rollups (``rollups.supply``);
- ``quality``: an invoice's quality flags, computed with its figures.
"""
