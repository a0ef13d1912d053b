"""The Textract extractor against Textract's own API shapes (botocore Stubber checks every request and
response against the service model), since Textract cannot run here.

The responses are the ones ``GetDocumentAnalysis`` documents: a job that is first IN_PROGRESS, then
SUCCEEDED across two pages of results (``NextToken``), with LINE blocks carrying their text, page,
confidence and bounding box. Their lines are the walkthrough bill's, one block per table cell, the
way Textract splits a row: the extractor must join them back into rows.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from botocore.stub import Stubber
from pypdf import PdfReader

from carbon_accounting.intake.documents import extractors
from carbon_accounting.intake.documents.extraction import read_bill
from carbon_accounting.intake.documents.extractors import Textract, Unreadable
from tests.documents.generator import render, spanish_electricity
from tests.documents.scoring import FACILITIES, score
from tests.tenants import ACME

KEY = f"files/{ACME}/7d2e9a41-5c3b-4f6e-8a9d-0b1c2d3e4f50"
JOB = "6a1f0c4e2b9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f"


def line_blocks(pdf: bytes, confidence: float = 99.2) -> list[dict[str, Any]]:
    """The bill's lines as Textract's LINE blocks: each cell (text separated by 3 spaces or more in
    the layout) a block of its own, at its place on the page."""
    blocks = []
    reader = PdfReader(io.BytesIO(pdf))
    for page_number, page in enumerate(reader.pages, start=1):
        rows = [row for row in page.extract_text(extraction_mode="layout").splitlines() if row.strip()]
        for row_index, row in enumerate(rows):
            for cell in re.finditer(r"\S+(?: {1,2}\S+)*", row):
                blocks.append(
                    {
                        "BlockType": "LINE",
                        "Id": f"{page_number}-{row_index}-{cell.start()}",
                        "Page": page_number,
                        "Confidence": confidence,
                        "Text": cell.group(0),
                        "Geometry": {
                            "BoundingBox": {
                                "Width": len(cell.group(0)) / 120,
                                "Height": 0.012,
                                "Left": cell.start() / 120,
                                "Top": 0.05 + row_index * 0.02,
                            },
                        },
                    }
                )
    assert blocks, "the bill has a text layer to take the lines from"
    return blocks


@pytest.fixture
def textract():
    client = extractors.textract()
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def started(stubber: Stubber) -> None:
    stubber.add_response(
        "start_document_analysis",
        {"JobId": JOB},
        {
            "DocumentLocation": {
                "S3Object": {"Bucket": "carbon-accounting-test-bucket", "Name": KEY, "Version": "v1"}
            },
            "FeatureTypes": ["FORMS"],
        },
    )


def test_a_scan_read_by_textract_gives_the_fields_the_text_layer_would(textract):
    bill = spanish_electricity()
    blocks = line_blocks(render(bill))
    started(textract)
    textract.add_response("get_document_analysis", {"JobStatus": "IN_PROGRESS"}, {"JobId": JOB})
    half = len(blocks) // 2
    textract.add_response(
        "get_document_analysis",
        {"JobStatus": "SUCCEEDED", "Blocks": blocks[:half], "NextToken": "page-2-of-results"},
        {"JobId": JOB},
    )
    textract.add_response(
        "get_document_analysis",
        {"JobStatus": "SUCCEEDED", "Blocks": blocks[half:]},
        {"JobId": JOB, "NextToken": "page-2-of-results"},
    )
    waits: list[float] = []

    lines = Textract(sleep=waits.append).lines(KEY, "v1")

    assert waits == [extractors.POLL_SECONDS]
    assert "Consumo total 905,00 kWh" in [line.text for line in lines], "a row's cells joined back"
    reading = read_bill(lines, facilities=FACILITIES)
    assert score(bill, reading).wrong == [] and score(bill, reading).missed == []
    assert reading.reason is None
    assert reading.fields["base_quantity"]["confidence"] == 0.992


def test_an_unsure_textract_line_is_shown_but_goes_to_review(textract):
    bill = spanish_electricity()
    started(textract)
    blocks = line_blocks(render(bill), confidence=71.5)
    textract.add_response(
        "get_document_analysis", {"JobStatus": "SUCCEEDED", "Blocks": blocks}, {"JobId": JOB}
    )

    reading = read_bill(Textract(sleep=lambda _: None).lines(KEY, "v1"), facilities=FACILITIES)

    assert reading.fields["base_quantity"]["value"] == 905.0
    assert reading.reason == "incomplete"
    assert "base_quantity was read with confidence 0.71: check it" in reading.problems


def test_a_job_textract_fails_makes_the_document_unreadable(textract):
    started(textract)
    textract.add_response(
        "get_document_analysis",
        {"JobStatus": "FAILED", "StatusMessage": "UNSUPPORTED_DOCUMENT"},
        {"JobId": JOB},
    )

    with pytest.raises(Unreadable, match="UNSUPPORTED_DOCUMENT"):
        Textract(sleep=lambda _: None).lines(KEY, "v1")


def test_a_job_still_running_when_the_invocation_ends_fails_it_for_a_retry(textract):
    started(textract)
    textract.add_response("get_document_analysis", {"JobStatus": "IN_PROGRESS"}, {"JobId": JOB})

    with pytest.raises(TimeoutError):
        Textract(time_left=lambda: 1.0, sleep=lambda _: None).lines(KEY, "v1")


def test_the_template_parameter_chooses_the_extractor(monkeypatch):
    from carbon_accounting.settings import get_settings

    for value, chosen in (("textract", Textract), ("text_layer", extractors.TextLayer)):
        monkeypatch.setenv("DOCUMENT_EXTRACTOR", value)
        get_settings.cache_clear()
        assert isinstance(extractors.extractor(), chosen)
    get_settings.cache_clear()
