"""The vendored chart library as the real app serves it (chalicelib/api/meta.py): by exact name only,
with the right content type and the same CSP as every page, and nothing else from vendor/."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_the_chart_library_is_served_by_name_and_nothing_else_from_vendor(
    container: Any, live_api: str
) -> None:
    # When the page asks for uPlot, Then it gets the script and its styles, typed, under the CSP
    status, headers, body = fetch(f"{live_api}/ui/uPlot.iife.min.js")
    assert status == 200
    assert headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert body.startswith(b"/*! https://github.com/leeoniya/uPlot")
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
    assert headers["Content-Security-Policy"].startswith("default-src 'self'")
    status, headers, body = fetch(f"{live_api}/ui/uPlot.min.css")
    assert (status, headers["Content-Type"]) == (200, "text/css; charset=utf-8")
    assert b".uplot" in body

    # When anything else in or beside vendor/ is asked for, Then it is not there
    for path in (
        "/ui/LICENSE",
        "/ui/vendor/uPlot.iife.min.js",
        "/ui/vendor%2FuPlot.iife.min.js",
        "/ui/..%2Fapi%2Fmeta.py",
        "/ui/uplot.iife.min.js",
    ):
        status, _, body = fetch(f"{live_api}{path}")
        assert status in (403, 404), (path, status)
        assert b"leeoniya" not in body, path  # the 404 names the asset, never serves it
