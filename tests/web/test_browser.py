"""A real headless Chromium (Debian's chromium + chromium-driver, driven by selenium) against ``qgkg serve``.

Screenshots go to ``test-output/``: look at them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.server]

OUT = Path(__file__).resolve().parents[2] / "test-output"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture()
def browser(tmp_path: Path):  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists() or not Path(DRIVER).exists():
        pytest.skip(
            "needs Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1400,1000",
        "--lang=zh-CN",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _shot(driver, name: str) -> None:  # type: ignore[no-untyped-def]
    OUT.mkdir(exist_ok=True)
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1400, min(max(int(height), 800), 4000))
    driver.save_screenshot(str(OUT / f"{name}.png"))


def test_home_editor_example_query_to_agency_page(browser, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 30)
    browser.get(live_server.url + "/")
    assert "质量治理知识图谱" in browser.find_element(By.TAG_NAME, "h1").text
    counts = browser.find_element(By.CSS_SELECTOR, "ul.counts").text
    assert "plans" in counts and "agencies" in counts
    _shot(browser, "01-home")

    browser.find_element(By.LINK_TEXT, "Query editor").click()
    wait.until(ec.presence_of_element_located((By.ID, "query-form")))
    browser.find_element(By.CSS_SELECTOR, 'a.example[data-name="agencies_by_activities_led"]').click()
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, "p.canned"), "Agencies by number"))
    _shot(browser, "02-editor-example")
    browser.find_element(By.ID, "run").click()
    table = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "table.results")))
    links = table.find_elements(By.CSS_SELECTOR, 'tbody a[href^="/id/agency/"]')
    assert links, "the result table links agencies to their pages"
    assert browser.find_elements(By.ID, "permalink")
    _shot(browser, "03-editor-results")

    first = links[0]
    href = first.get_attribute("href")
    first.click()
    wait.until(ec.url_to_be(href))
    heading = browser.find_element(By.TAG_NAME, "h1").text
    assert "局" in heading or "委" in heading or "办" in heading or "会" in heading
    body = browser.find_element(By.TAG_NAME, "main").text
    assert "Activities led" in body and "Co-leads with" in body
    assert browser.find_elements(By.CSS_SELECTOR, 'ul.activities a[href^="/id/plan/"]')
    alternates = browser.find_elements(By.CSS_SELECTOR, 'link[rel="alternate"][type="text/turtle"]')
    assert alternates
    _shot(browser, "04-agency")

    logs = browser.get_log("browser") if hasattr(browser, "get_log") else []
    csp_errors = [e for e in logs if "Content Security Policy" in e.get("message", "")]
    assert csp_errors == []


def test_pages_render_in_the_browser(browser, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    for name, path in [
        ("05-plan", "/id/plan/shanghai-2021-plan"),
        ("06-activity", "/id/plan/shanghai-2021-plan/activity/8"),
        ("07-city", "/id/city/shanghai"),
        ("08-programme", "/id/programme/chief_quality_officer"),
        ("09-search", "/search?q=%E5%B8%82%E5%A0%B4%E7%9B%A3%E7%AE%A1"),
        ("10-dumps", "/dumps"),
        ("11-ontology", "/ontology"),
    ]:
        browser.get(live_server.url + path)
        assert browser.find_element(By.TAG_NAME, "h1").text
        _shot(browser, name)
