"""What the API writes into a CSV a spreadsheet will open: text that never runs as a formula."""

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: object) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (OWASP's CSV injection rule): one
    that starts with ``= + - @``, a tab or a carriage return is prefixed with ``'``."""
    text = str(cell)
    return f"'{text}" if text.startswith(_FORMULA_START) else text
