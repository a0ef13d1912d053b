"""The interactive docs in a real browser: Debian's headless Chromium opens /docs (Swagger UI from
swagger-ui-dist, offline) on a stack with make dev's demo seed, finds every operation of the
document, authorizes with the demo key and organization, and runs "Try it out" on GET /v1/facilities
and on POST /api/v1/invoices with the document's example body. Screenshots go to .artifacts/."""

from __future__ import annotations

import json

import pytest

from carbon_accounting import examples
from tests.conftest import ROOT

pytestmark = pytest.mark.e2e

ARTIFACTS = ROOT / ".artifacts"
DEMO = {"ApiKey": "sk_test_acme_group_demo_key", "OrganizationId": examples.ACME}


def test_the_docs_list_every_operation_and_try_it_out_calls_the_stack(demo_stack, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as when
    from selenium.webdriver.support.ui import WebDriverWait

    document = json.loads((ROOT / "docs" / "openapi.json").read_text())
    wait = WebDriverWait(browser, 30)

    def try_out(operation_id: str, screenshot: str) -> tuple[str, str]:
        """Open an operation, run Try it out with what the page fills in; the status and body."""
        block = browser.find_element(By.CSS_SELECTOR, f"[id$='-{operation_id}']")
        block.find_element(By.CSS_SELECTOR, ".opblock-summary").click()
        wait.until(lambda _: block.find_elements(By.CSS_SELECTOR, ".try-out__btn"))[0].click()
        block.find_element(By.CSS_SELECTOR, ".execute").click()
        status = wait.until(
            lambda _: block.find_elements(By.CSS_SELECTOR, ".live-responses-table tbody .response-col_status")
        )[0]
        body = block.find_element(By.CSS_SELECTOR, ".live-responses-table .microlight").text
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", status)
        ARTIFACTS.mkdir(exist_ok=True)
        browser.save_screenshot(str(ARTIFACTS / screenshot))
        return status.text.strip(), body

    # Given the docs page of the running stack: every operation of the document is listed
    browser.get(f"{demo_stack.url}/docs")
    wait.until(
        lambda driver: len(driver.find_elements(By.CSS_SELECTOR, ".opblock")) == len(list(_tagged(document)))
    )
    shown = {element.get_attribute("id") for element in browser.find_elements(By.CSS_SELECTOR, ".opblock")}
    assert {
        f"operations-{tag.replace(' ', '_')}-{operation_id}" for tag, operation_id in _tagged(document)
    } == shown

    # When the user authorizes with the key and the organization
    browser.find_element(By.CSS_SELECTOR, ".auth-wrapper .authorize").click()
    for scheme, value in DEMO.items():
        container = wait.until(
            when.presence_of_element_located(
                (By.XPATH, f"//div[contains(@class,'auth-container')][.//h4[contains(., '{scheme}')]]")
            )
        )
        container.find_element(By.CSS_SELECTOR, "input").send_keys(value)
        container.find_element(By.CSS_SELECTOR, "button.authorize").click()
    browser.find_element(By.CSS_SELECTOR, ".modal-ux .close-modal").click()

    # Then Try it out reads the seeded facilities, and creates an invoice from the example body
    status, body = try_out("list_facilities_v1_facilities_get", "docs-list-facilities.png")
    assert status.startswith("200"), body
    assert "Madrid Office" in body
    status, body = try_out("create_invoice_api_v1_invoices_post", "docs-create-invoice.png")
    assert status.startswith("201"), body
    assert json.loads(body)["status"] == "loading"


def _tagged(document):
    for item in document["paths"].values():
        for operation in item.values():
            yield (operation.get("tags") or ["default"])[0], operation["operationId"]
