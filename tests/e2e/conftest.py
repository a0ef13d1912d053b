"""The local stack for e2e tests: ``python -m local.dev`` with tests/e2e/seed.json, once per session.

It runs on a free port with its own state directory, so it never clashes with a developer's
``make dev``, and its whole process group (DynamoDB Local, workers) is stopped at teardown.
"""

from __future__ import annotations

import functools
import json
import shutil
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local.launch import LocalStackProcess

SEED = Path(__file__).parent / "seed.json"
DEMO_SEED = Path(__file__).parent.parent.parent / "local" / "seed.json"


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    """The running stack: ``.url`` is the API, ``.stack_json`` the parsed stack.json."""
    stack = LocalStackProcess(
        tmp_path_factory.mktemp("local-stack"), args=["--seed", str(SEED)], ready_timeout=90
    )
    stack.start()
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def demo_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    """``make dev`` as a user starts it, with the demo seed: for the docs page and the fuzzer."""
    stack = LocalStackProcess(tmp_path_factory.mktemp("demo-stack"), args=["--seed", str(DEMO_SEED)])
    stack.start()
    yield stack
    stack.stop()


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


def request(url: str, method: str, path: str, headers: dict[str, str], body: Any = None) -> Reply:
    """One HTTP call to the stack at ``url``; a JSON ``body`` is sent as such."""
    data = None if body is None else json.dumps(body).encode()
    call = urllib.request.Request(url + path, data=data, method=method, headers=headers)
    if data is not None:
        call.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(call, timeout=30) as response:
            status, reply_headers, text = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, reply_headers, text = error.code, dict(error.headers), error.read()
    return Reply(status, reply_headers, json.loads(text) if text else None)


@pytest.fixture(scope="session")
def http(local_stack: LocalStackProcess) -> Callable[..., Reply]:
    """Call the local stack: ``http(method, path, headers, body=None)`` answers a ``Reply``."""
    return functools.partial(request, local_stack.url)


CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")


@pytest.fixture
def browser() -> Iterator[Any]:
    """Debian's headless Chromium, driven by its chromedriver (Selenium), logging the page's console."""
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip(
            "Debian's chromium and chromium-driver are not installed (make test installs them as root)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,2400"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()
