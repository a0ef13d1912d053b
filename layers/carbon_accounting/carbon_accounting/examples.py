"""Request examples of the OpenAPI document, taken from the README's journeys on the demo seed
(local/seed.json: Acme Group, its Madrid office, its subsidiary Acme Iberia's Lisbon office), so that
"Try it out" on ``make dev``'s /docs works as it is. Each is also sent by a test, so none goes stale.
"""

from __future__ import annotations

from typing import Any

ACME = "b5879f92-1478-40d5-b42e-0adfb22471ac"
ACME_IBERIA = "9db66941-83ee-40d4-b49b-688f0984cae4"
MADRID = "2e716cf7-ab0e-4c95-83e2-5b5e197ce343"
LYON = "a558e047-e81a-4d14-af7c-04b505a13680"
LISBON = "87350a53-5641-459f-96ca-bdc9c341ef8d"
KWH = "617e8ff3-f16b-556d-adf7-723f92996f0b"
NATURAL_GAS = "bd5fbaa9-fe5a-58ec-a317-e72bfac8b1bf"

FACILITY: dict[str, Any] = {
    "name": "Valencia Plant",
    "country": "ES",
    "type": "plant",
    "cups_list": ["ES1234123456789012JY"],
}
SINGLE_INVOICE: dict[str, Any] = {
    "type": "electricity",
    "base_quantity": 15000.5,
    "unit_id": KWH,
    "start_date": "2024-11-01",
    "end_date": "2024-11-30",
    "cups": "ES1234123456789012JY",
    "facility_percentages": [{"organization_id": ACME, "facility_id": MADRID, "percentage": 1}],
}
DISTRIBUTED_INVOICE: dict[str, Any] = {
    "type": "heat",
    "base_quantity": 10000,
    "unit_id": KWH,
    "facility_fuel_id": NATURAL_GAS,
    "start_date": "2024-01-01",
    "end_date": "2024-03-31",
    "facility_percentages": [
        {"organization_id": ACME, "facility_id": MADRID, "percentage": 0.6},
        {"organization_id": ACME_IBERIA, "facility_id": LISBON, "percentage": 0.4},
    ],
}

# PATCH: the README archives Lyon with If-Match "1", and corrects an invoice's quantity.
FACILITY_UPDATE: dict[str, Any] = {"status": "archived"}
INVOICE_UPDATE: dict[str, Any] = {"base_quantity": 16000}
FILES: list[dict[str, Any]] = [
    {"name": "electricity_nov_2024.pdf", "mime_type": "application/pdf", "size_kb": 240}
]
BULK_IMPORT: dict[str, Any] = {"file_name": "bulk-import-sample.csv"}
RECALCULATION: dict[str, Any] = {"type": ["electricity"], "start_date": "2024-01-01"}
FACTOR_POLICY: dict[str, Any] = {"policy": "pinned"}
CUSTOM_FACTOR: dict[str, Any] = {
    "name": "Kiln firing",
    "unit_id": "336ebb52-69f2-533e-aca6-497a2c698409",
    "factor": 0.52,
}


def openapi_examples(**examples: tuple[str, Any]) -> dict[str, Any]:
    """``Body(openapi_examples=...)`` from ``name=(summary, value)`` pairs."""
    from aws_lambda_powertools.event_handler.openapi.models import Example

    return {name: Example(summary=summary, value=value) for name, (summary, value) in examples.items()}
