"""Where a document's lines of text come from: its PDF text layer, or Amazon Textract for scans.

The template's ``DocumentExtractor`` parameter chooses (``DOCUMENT_EXTRACTOR``: ``text_layer``, the
default and what runs locally, or ``textract``). Both give ``Line``s, each with its page and the
extractor's confidence in it; ``documents.extraction`` reads the fields from those the same way
whichever extractor gave them.

The text layer is read with pypdf (pure Python, no dependencies, about 1.5 MiB installed: small
enough for the layer and for arm64 without compiled wheels), in its layout mode, which keeps a
table's row on one line as the bill prints it. A hostile PDF is bounded: at most ``MAX_PAGES``
pages and ``MAX_PAGE_CHARACTERS`` characters a page are read, and whatever pypdf raises on a
malformed file makes the document ``Unreadable`` (its invoice goes to review saying so), never a
failed invocation retried forever.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Protocol

from carbon_accounting import aws, storage
from carbon_accounting.intake.documents.bill_text import Line, lines_of
from carbon_accounting.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_textract import TextractClient
    from mypy_boto3_textract.type_defs import BlockTypeDef, S3ObjectTypeDef

MAX_PAGES = 20
MAX_PAGE_CHARACTERS = 20_000


class Unreadable(Exception):
    """The document is not a PDF that can be read (malformed, encrypted, too long)."""


class Extractor(Protocol):
    name: str

    def lines(self, key: str, version_id: str | None) -> list[Line]:
        """The document's lines, page by page; empty when it has no text to read."""
        ...


class TextLayer:
    name = "text_layer"

    def lines(self, key: str, version_id: str | None) -> list[Line]:
        return text_layer_lines(storage.read(key, version_id))


def text_layer_lines(document: bytes) -> list[Line]:
    """The lines of a PDF's text layer; empty for a scan (pages that are images only)."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(document))
        if reader.is_encrypted:
            raise Unreadable("The PDF is encrypted")
        if len(reader.pages) > MAX_PAGES:
            raise Unreadable(f"The PDF has {len(reader.pages)} pages; a bill is read up to {MAX_PAGES}")
        lines: list[Line] = []
        for number, page in enumerate(reader.pages, start=1):
            text = page.extract_text(extraction_mode="layout")[:MAX_PAGE_CHARACTERS]
            lines += lines_of(number, text)
    except Unreadable:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as error:
        # pypdf on a malformed file raises its own errors and, deeper in, the built-in ones.
        raise Unreadable(f"The PDF cannot be read: {type(error).__name__}") from error
    return lines


# ------------------------------------------------------------------ Amazon Textract

POLL_SECONDS = 2.0


@cache
def textract() -> TextractClient:
    import boto3

    return boto3.client("textract", config=aws.config())


class Textract:
    """Amazon Textract's asynchronous document analysis (``StartDocumentAnalysis`` with FORMS), which
    reads scans and multi-page PDFs straight from the bucket. Its LINE blocks are joined into rows
    (the lines whose boxes share a baseline), as a text layer's layout mode gives them, and keep
    Textract's confidence in each line."""

    name = "textract"

    def __init__(
        self, time_left: Callable[[], float] | None = None, sleep: Callable[[float], None] = time.sleep
    ):
        self.time_left = time_left or (lambda: 60.0)
        self.sleep = sleep

    def lines(self, key: str, version_id: str | None) -> list[Line]:
        location: S3ObjectTypeDef = {"Bucket": get_settings().bucket_name, "Name": key}
        if version_id:
            location["Version"] = version_id
        job = textract().start_document_analysis(
            DocumentLocation={"S3Object": location}, FeatureTypes=["FORMS"]
        )["JobId"]
        blocks: list[BlockTypeDef] = []
        token: str | None = None
        while True:
            if token:
                answer = textract().get_document_analysis(JobId=job, NextToken=token)
            else:
                answer = textract().get_document_analysis(JobId=job)
            status = answer["JobStatus"]
            if status == "IN_PROGRESS":
                if self.time_left() < 2 * POLL_SECONDS:
                    raise TimeoutError(f"Textract job {job} still in progress")  # the retry starts again
                self.sleep(POLL_SECONDS)
                continue
            if status not in ("SUCCEEDED", "PARTIAL_SUCCESS"):
                raise Unreadable(
                    f"Textract could not read the document: {answer.get('StatusMessage', status)}"
                )
            blocks += answer.get("Blocks", [])
            token = answer.get("NextToken")
            if not token:
                return rows([block for block in blocks if block["BlockType"] == "LINE"])


def rows(blocks: list[BlockTypeDef]) -> list[Line]:
    """Textract's LINE blocks as rows: on each page, top to bottom, the lines whose vertical centres
    are within half a line's height of each other joined left to right."""
    lines: list[Line] = []
    by_page: dict[int, list[BlockTypeDef]] = {}
    for block in blocks:
        by_page.setdefault(int(block.get("Page", 1)), []).append(block)
    for page in sorted(by_page):

        def centre(block: BlockTypeDef) -> float:
            box = block["Geometry"]["BoundingBox"]
            return box["Top"] + box["Height"] / 2

        current: list[BlockTypeDef] = []
        for block in sorted(by_page[page], key=centre):
            box = block["Geometry"]["BoundingBox"]
            if current and abs(centre(block) - centre(current[0])) > box["Height"] / 2:
                lines += _row(page, current)
                current = []
            current.append(block)
        if current:
            lines += _row(page, current)
    return lines


def _row(page: int, blocks: list[BlockTypeDef]) -> list[Line]:
    ordered = sorted(blocks, key=lambda block: block["Geometry"]["BoundingBox"]["Left"])
    text = "   ".join(block["Text"] for block in ordered)
    confidence = min(float(block["Confidence"]) for block in ordered) / 100
    return lines_of(page, text, confidence)


def extractor(time_left: Callable[[], float] | None = None) -> Extractor:
    """The extractor the function is configured with (``DOCUMENT_EXTRACTOR``)."""
    return Textract(time_left) if get_settings().document_extractor == "textract" else TextLayer()
