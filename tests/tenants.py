"""The tenants of tests/e2e/seed.json, by name, for assertions that read better than UUIDs."""

from uuid import UUID

ACME = UUID("6f1c2b8e-3a47-4d0e-9b1f-2c3d4e5f6a70")
ACME_KEY = "sk_test_acme_group"
ACME_USER = UUID("7a2d3c9f-4b58-4e1f-8c20-3d4e5f6a7b81")
ACME_MADRID = UUID("8b3e4d0a-5c69-4f20-9d31-4e5f6a7b8c92")
ACME_BILBAO_ARCHIVED = UUID("9c4f5e1b-6d7a-4031-8e42-5f6a7b8c9da3")

IBERIA = UUID("ad506f2c-7e8b-4142-9f53-6a7b8c9daeb4")  # subsidiary of ACME
IBERIA_KEY = "sk_test_acme_iberia"
IBERIA_USER = UUID("be617a3d-8f9c-4253-8a64-7b8c9daebfc5")
IBERIA_LISBON = UUID("cf728b4e-9a0d-4364-9b75-8c9daebfc0d6")

GLOBEX = UUID("d0839c5f-ab1e-4475-8c86-9daebfc0d1e7")
GLOBEX_KEY = "sk_test_globex"
GLOBEX_USER = UUID("e194ad60-bc2f-4586-9d97-aebfc0d1e2f8")
GLOBEX_BERLIN = UUID("f2a5be71-cd30-4697-8ea8-bfc0d1e2f309")


def api_key_headers(key: str, organization: UUID) -> dict[str, str]:
    return {"x-api-key": key, "x-organization-id": str(organization)}
