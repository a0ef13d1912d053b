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

SUPPLY_POINT: dict[str, Any] = {
    "type": "water",
    "identifier": "CYBLE-20-114477",
    "identifier_kind": "meter",
    "name": "Water main",
}
SUPPLY_POINT_UPDATE: dict[str, Any] = {"name": "Madrid office, main incomer"}
COVERAGE_SETTINGS: dict[str, Any] = {"stale_after_months": 2}

# PATCH: the README archives Lyon with If-Match "1", and corrects an invoice's quantity.
FACILITY_UPDATE: dict[str, Any] = {"status": "archived"}
INVOICE_UPDATE: dict[str, Any] = {"base_quantity": 16000}
FILES: list[dict[str, Any]] = [
    {"name": "electricity_nov_2024.pdf", "mime_type": "application/pdf", "size_kb": 240}
]
BULK_IMPORT: dict[str, Any] = {"file_name": "bulk-import-sample.csv"}
DOCUMENT: dict[str, Any] = {"file_name": "bill_nov_2024.pdf", "mime_type": "application/pdf", "size_kb": 240}
RECALCULATION: dict[str, Any] = {"type": ["electricity"], "start_date": "2024-01-01"}
FACTOR_POLICY: dict[str, Any] = {"policy": "pinned"}
CUSTOM_FACTOR: dict[str, Any] = {
    "name": "Kiln firing",
    "unit_id": "336ebb52-69f2-533e-aca6-497a2c698409",
    "factor": 0.52,
}


# Answers, as the API gives them on the demo seed (a test compares them with what it computes, so
# a change of figures or fields shows here): Madrid, and SINGLE_INVOICE once calculated.
FACILITY_ANSWER: dict[str, Any] = {
    "id": "2e716cf7-ab0e-4c95-83e2-5b5e197ce343",
    "organization_id": "b5879f92-1478-40d5-b42e-0adfb22471ac",
    "name": "Madrid Office",
    "country": "ES",
    "type": "office",
    "address": None,
    "cups_list": ["ES0021000000000000RC"],
    "subdivision": "ES-MD",
    "postal_code": "28013",
    "status": "active",
    "version": 1,
    "created_at": "2026-12-02T06:26:53.652000Z",
    "updated_at": "2026-12-02T06:26:53.652000Z",
}
INVOICE_ANSWER: dict[str, Any] = {
    "id": "d66219b8-94d3-4c17-a628-6e49544fc6b7",
    "quantity": 15000.5,
    "base_quantity": 15000.5,
    "percentage": 1.0,
    "status": "active",
    "co2e": 4558.611853150326,
    "co2e_biomass": 0.0,
    "co2e_location_based": 2050.5282531503267,
    "co2e_consumption": 4383.1461,
    "co2e_generation": 0.0,
    "co2e_transmission_and_distribution": 175.46575315032663,
    "emissions_by_scope": [
        {"scope": 2, "category": None, "co2e": 4383.1461, "co2e_location_based": 1875.0625},
        {"scope": 3, "category": 3, "co2e": 175.46575315032663, "co2e_location_based": 175.46575315032663},
    ],
    "emissions_by_year": [
        {
            "year": 2024,
            "days": 30,
            "co2e": 4558.611853150326,
            "co2e_location_based": 2050.5282531503267,
            "co2e_biomass": 0.0,
            "by_scope": [
                {"scope": 2, "category": None, "co2e": 4383.1461, "co2e_location_based": 1875.0625},
                {
                    "scope": 3,
                    "category": 3,
                    "co2e": 175.46575315032663,
                    "co2e_location_based": 175.46575315032663,
                },
            ],
        }
    ],
    "start_date": "2024-11-01",
    "end_date": "2024-11-30",
    "unit_id": "617e8ff3-f16b-556d-adf7-723f92996f0b",
    "original_quantity": None,
    "original_unit_id": None,
    "facility_id": "2e716cf7-ab0e-4c95-83e2-5b5e197ce343",
    "uploaded_by": None,
    "invoice_id": None,
    "cups": "ES1234123456789012JY",
    "file_url": None,
    "file_name": None,
    "file_id": None,
    "source_invoice_id": None,
    "enabled": True,
    "created_at": "2026-12-02T06:26:54.160000Z",
    "updated_at": "2026-12-02T06:26:54.265000Z",
    "toc_id": None,
    "invofox_id": None,
    "facility_percentages": [
        {
            "organization_id": "b5879f92-1478-40d5-b42e-0adfb22471ac",
            "facility_id": "2e716cf7-ab0e-4c95-83e2-5b5e197ce343",
            "percentage": 1.0,
            "company_name": "Acme Group",
            "facility_name": "Madrid Office",
        }
    ],
    "error_messages": [],
    "notices": [
        "no well-to-tank factor of electricity generation for ES in 2024: the upstream part "
        "(co2e_generation) is not estimated",
        "no 2024 T&D loss share for ES; used 2023",
    ],
    "scope": 2,
    "emission_factors": [
        {
            "id": "eea:ES:2024",
            "source": "EEA, Greenhouse gas emission intensity of electricity "
            "generation, 2025 edition (data years 2023-2024)",
            "year": 2024,
            "region": "ES",
            "value": 0.125,
            "unit": "kg CO2e/kWh",
            "method": "location_based",
            "dataset_version": "eea-2025ed",
            "basis": "generation",
        },
        {
            "id": "worldbank-td:ES:2023",
            "source": "World Bank WDI EG.ELC.LOSS.ZS, based on IEA data (CC BY 4.0)",
            "year": 2023,
            "region": "ES",
            "value": 8.5571,
            "unit": "% of output",
            "method": "transmission_and_distribution",
            "dataset_version": "worldbank-td-2023",
            "basis": "loss_share",
        },
        {
            "id": "aib:ES:2024",
            "source": "AIB European Residual Mixes 2024, v1.1",
            "year": 2024,
            "region": "ES",
            "value": 0.2922,
            "unit": "kg CO2/kWh",
            "method": "market_based",
            "dataset_version": "aib-2024",
            "basis": "residual_mix",
        },
    ],
    "dataset_version": "aib-2024+eea-2025ed+worldbank-td-2023",
    "methodology_version": "3",
    "extraction": None,
    "duplicate_of": None,
    "supply_point_id": "d0604800-ac68-5eed-aa59-ea607ca2f754",
    "reading": None,
    "quality_flags": [],
    "version": 2,
    "type": "electricity",
    "supplier_id": None,
    "custom_emission_factor_id": None,
    "custom_emission_factor": None,
    "certified_quantity": None,
}


def openapi_examples(**examples: tuple[str, Any]) -> dict[str, Any]:
    """``Body(openapi_examples=...)`` from ``name=(summary, value)`` pairs, as the plain mappings the
    OpenAPI document reads into its Example objects. Building the Example objects here imported
    Powertools' OpenAPI models, 36 ms of the cold start of every function with a body, which a
    function only needs to generate the document (issue 16)."""
    return {name: {"summary": summary, "value": value} for name, (summary, value) in examples.items()}
