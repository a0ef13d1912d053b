"""The two ways invoices come in besides one API request, side by side: a CSV of many (``bulk``, run
as an import job, ``imports``) and a bill's PDF read into one (``documents``). Both hold every row or
bill to the create rules of ``invoices.rules``.
"""
