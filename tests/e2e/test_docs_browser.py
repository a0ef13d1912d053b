"""The interactive docs in a real browser: Debian's headless Chromium opens make dev's /docs (Swagger
UI from swagger-ui-dist, offline), finds every operation of the document, authorizes with a key and
an organization, and runs "Try it out" on GET /v1/facilities. A screenshot goes to .artifacts/."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import ROOT
from tests.e2e.test_api import ACME_HEADERS

pytestmark = pytest.mark.e2e

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
SCREENSHOT = ROOT / ".artifacts" / "docs-swagger-ui.png"


@pytest.fixture
def browser():
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip(
            "Debian's chromium and chromium-driver are not installed (make test installs them as root)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,2400"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def test_the_docs_list_every_operation_and_try_it_out_calls_the_stack(local_stack, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as when
    from selenium.webdriver.support.ui import WebDriverWait

    document = json.loads((ROOT / "docs" / "openapi.json").read_text())
    operations = {
        operation["operationId"] for item in document["paths"].values() for operation in item.values()
    }
    wait = WebDriverWait(browser, 30)

    # Given the docs page of the running stack
    browser.get(f"{local_stack.url}/docs")
    wait.until(lambda driver: len(driver.find_elements(By.CSS_SELECTOR, ".opblock")) == len(operations))
    shown = {element.get_attribute("id") for element in browser.find_elements(By.CSS_SELECTOR, ".opblock")}
    assert {
        f"operations-{tag.replace(' ', '_')}-{operation_id}" for tag, operation_id in _tagged(document)
    } == shown

    # When the user authorizes with the key and the organization
    browser.find_element(By.CSS_SELECTOR, ".auth-wrapper .authorize").click()
    for scheme, value in (
        ("ApiKey", ACME_HEADERS["x-api-key"]),
        ("OrganizationId", ACME_HEADERS["x-organization-id"]),
    ):
        container = wait.until(
            when.presence_of_element_located(
                (By.XPATH, f"//div[contains(@class,'auth-container')][.//h4[contains(., '{scheme}')]]")
            )
        )
        container.find_element(By.CSS_SELECTOR, "input").send_keys(value)
        container.find_element(By.CSS_SELECTOR, "button.authorize").click()
    browser.find_element(By.CSS_SELECTOR, ".modal-ux .close-modal").click()

    # And tries GET /v1/facilities out
    block = browser.find_element(By.ID, "operations-Facilities-list_facilities_v1_facilities_get")
    block.find_element(By.CSS_SELECTOR, ".opblock-summary").click()
    wait.until(lambda _: block.find_elements(By.CSS_SELECTOR, ".try-out__btn"))[0].click()
    block.find_element(By.CSS_SELECTOR, ".execute").click()

    # Then the stack answers 200 with the seeded facilities
    status = wait.until(
        lambda _: block.find_elements(By.CSS_SELECTOR, ".live-responses-table tbody .response-col_status")
    )[0]
    body = block.find_element(By.CSS_SELECTOR, ".live-responses-table .microlight").text
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", status)
    SCREENSHOT.parent.mkdir(exist_ok=True)
    browser.save_screenshot(str(SCREENSHOT))
    assert status.text.strip().startswith("200"), body
    assert "Madrid Office" in body


def _tagged(document):
    for item in document["paths"].values():
        for operation in item.values():
            yield (operation.get("tags") or ["default"])[0], operation["operationId"]
