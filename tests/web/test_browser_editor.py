"""The SPARQL editor in real headless Chromium: highlighting, the query kept in the URL, the error's caret."""

from __future__ import annotations

import urllib.parse

import pytest

from tests.conftest import LiveServer
from tests.web.test_browser import _shot, browser  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.server]


def test_editor_highlights_and_keeps_the_query_in_the_url(
    browser, live_server: LiveServer  # type: ignore[no-untyped-def]  # noqa: F811
) -> None:
    browser.get(live_server.url.rstrip("/") + "/sparql")
    box = browser.find_element("id", "query")
    keywords = [e.text for e in browser.find_elements("css selector", "pre.highlight .tok-keyword")]
    assert "SELECT" in keywords and "WHERE" in keywords
    names = [e.text for e in browser.find_elements("css selector", "pre.highlight .tok-pname")]
    assert "qg:leadAgency" in names
    box.clear()
    box.send_keys("ASK { ?s a qg:Plan }")
    query = urllib.parse.parse_qs(urllib.parse.urlparse(browser.current_url).query)["query"][0]
    assert query == "ASK { ?s a qg:Plan }"
    assert [e.text for e in browser.find_elements("css selector", "pre.highlight .tok-var")] == ["?s"]
    browser.get(live_server.url.rstrip("/") + "/sparql?query=" + urllib.parse.quote("SELECT * WHERE {\n ?a foo:b ?c }"))
    error = browser.find_element("id", "query-error").text
    assert "line 2, column 5" in error and error.splitlines()[-1].strip() == "^"
    _shot(browser, "sparql-editor-error")


def test_editor_completes_ontology_terms_and_prefixes(
    browser, live_server: LiveServer  # type: ignore[no-untyped-def]  # noqa: F811
) -> None:
    from selenium.webdriver.common.keys import Keys

    browser.get(live_server.url.rstrip("/") + "/sparql")
    box = browser.find_element("id", "query")
    box.clear()
    box.send_keys("SELECT * WHERE { ?a qg:leadA")
    options = [li.text for li in browser.find_elements("css selector", "#completions li")]
    assert options == ["qg:leadAgency"]
    box.send_keys(Keys.TAB)
    assert box.get_property("value") == "SELECT * WHERE { ?a qg:leadAgency"
    assert browser.find_element("id", "completions").get_property("hidden") is True
    box.send_keys(" ?b . ?b sko")
    assert "skos:prefLabel" in [li.text for li in browser.find_elements("css selector", "#completions li")]
