"""The dashboard in a real browser: Debian's headless Chromium opens /dashboard?demo=1 on a stack with
make dev's demo seed, and finds the year's totals by scope, the monthly trend, the top facilities and
the coverage heat map drawn with the report's figures; no error in the console; no serious or
critical accessibility violation (axe-core, from npm); the XLSX downloaded by its button. A
screenshot goes to .artifacts/dashboard.png (the README's is docs/dashboard.png)."""

from __future__ import annotations

import time

import pytest

from carbon_accounting import examples
from tests.conftest import ROOT
from tests.e2e.conftest import request
from tests.e2e.test_inventory_report import settled

pytestmark = pytest.mark.e2e

ARTIFACTS = ROOT / ".artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def test_the_dashboard_draws_the_reports_figures_accessibly(demo_stack, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    report, _, _ = settled(demo_stack.url)  # the seeded year computed
    browser.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)}
    )

    # Given the demo link make dev prints
    browser.get(f"{demo_stack.url}/dashboard?demo=1")
    WebDriverWait(browser, 60).until(
        lambda driver: driver.find_element(By.TAG_NAME, "body").get_attribute("data-loaded")
    )

    # Then it signed in without leaving the credentials in the URL or beyond the tab
    assert browser.current_url == f"{demo_stack.url}/dashboard/"
    stored = browser.execute_script("return [sessionStorage.length, localStorage.length, document.cookie]")
    assert stored == [1, 0, ""]
    assert browser.find_element(By.ID, "organization-name").text == "· Acme Group"

    # The totals by scope, side by side, carry the report's totals
    scopes = browser.find_element(By.ID, "scope-totals")
    assert float(scopes.get_attribute("data-market-based")) == report["totals"]["market_based"]
    assert float(scopes.get_attribute("data-location-based")) == report["totals"]["location_based"]
    assert scopes.find_elements(By.CSS_SELECTOR, "svg path")
    cards = {
        card.find_element(By.CLASS_NAME, "label").text: float(card.get_attribute("data-kg"))
        for card in browser.find_elements(By.CSS_SELECTOR, "#cards li")
    }
    assert cards["Scope 1"] == report["scope_1"]["co2e"]
    assert cards["Total market-based"] == report["totals"]["market_based"]

    # The monthly trend: twelve months stacked by scope, adding up to the year
    trend = browser.find_element(By.ID, "monthly-trend")
    assert trend.get_attribute("data-months") == "12"
    assert float(trend.get_attribute("data-total")) == pytest.approx(report["totals"]["market_based"])
    assert len(trend.find_elements(By.CSS_SELECTOR, "svg path")) >= 12

    # The top facilities, and the coverage heat map with Lyon's August gap
    assert int(browser.find_element(By.ID, "top-facilities").get_attribute("data-facilities")) == len(
        report["by_facility"]
    )
    coverage = browser.find_element(By.ID, "coverage")
    assert int(coverage.get_attribute("data-supply-points")) >= 4
    assert int(coverage.get_attribute("data-gaps")) >= 1
    assert coverage.find_elements(By.CSS_SELECTOR, "svg path")
    outliers = browser.find_elements(By.CSS_SELECTOR, "#outliers tbody tr")
    assert outliers and "None" not in outliers[0].text  # Madrid's July

    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "dashboard.png"))

    # No error in the console, and no serious accessibility violation
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []
    browser.execute_script(AXE.read_text())
    violations = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document).then((result) => done(result.violations), (error) => done(String(error)));"
    )
    serious = [
        (violation["id"], violation["help"], [node["target"] for node in violation["nodes"]])
        for violation in violations
        if violation["impact"] in ("serious", "critical")
    ]
    assert serious == []

    # The button downloads the XLSX report
    browser.find_element(By.ID, "download").click()
    deadline = time.monotonic() + 30
    while not list(tmp_path.glob("*.xlsx")) and time.monotonic() < deadline:
        time.sleep(0.2)
    (downloaded,) = tmp_path.glob("*.xlsx")
    assert downloaded.name == "inventory-2025.xlsx"
    assert downloaded.read_bytes()[:2] == b"PK"  # a zip: the workbook


def test_a_wrong_key_is_told_and_asked_to_sign_in_again(demo_stack, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{demo_stack.url}/dashboard/")
    form = WebDriverWait(browser, 20).until(lambda driver: driver.find_element(By.ID, "sign-in"))
    assert form.is_displayed()
    browser.find_element(By.ID, "organization-id").send_keys(examples.ACME)
    browser.find_element(By.ID, "secret").send_keys("sk_test_not_a_key")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    status = WebDriverWait(browser, 20).until(
        lambda driver: (
            "could not load" in driver.find_element(By.ID, "status").text
            and driver.find_element(By.ID, "status").text
        )
    )
    assert status.startswith("The dashboard could not load: 401")
    assert browser.find_element(By.ID, "sign-in").is_displayed()
    assert browser.execute_script("return sessionStorage.length") == 0
    assert request(demo_stack.url, "GET", "/dashboard/demo.json", {}).status == 200  # the local stack only
