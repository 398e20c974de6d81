"""GET /playbooks and GET /playbooks/{id} through the real Chalice app: keys, roles, content, 404."""

from __future__ import annotations

import json

import pytest

from tests.conftest import bearer

pytestmark = pytest.mark.integration


def _error(response) -> dict:
    body = json.loads(response.body)
    assert set(body) == {"error"}
    assert {"code", "message", "details"} <= set(body["error"])
    return body["error"]


@pytest.mark.parametrize("path", ["/playbooks", "/playbooks/datenpanne", "/playbooks/unknown"])
def test_playbooks_need_a_key(api, path: str) -> None:
    # Given no Authorization header, When a playbook route is called, Then it is a 401 in the error shape
    response = api.http.get(path)
    assert response.status_code == 401
    assert _error(response)["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_viewer_lists_every_playbook_with_the_categories_that_select_it(api, keys) -> None:
    # Given a viewer key, When the playbooks are listed
    response = api.http.get("/playbooks", headers=bearer(keys["viewer"]))
    # Then every crisis type is there with its bilingual title, languages and selecting risk categories
    assert response.status_code == 200
    page = json.loads(response.body)
    assert page["next_token"] is None
    by_id = {item["id"]: item for item in page["items"]}
    assert set(by_id) == {
        "produktmangel-rueckruf",
        "stoerung-lieferproblem",
        "datenpanne",
        "vorwurf-fehlverhalten",
        "falschinformation",
        "kontroverse-werbung",
        "beschwerdewelle",
    }
    recall = by_id["produktmangel-rueckruf"]
    assert recall["crisis_type"] == "product_recall"
    assert recall["title"] == {"de": "Produktmangel oder Rückruf", "en": "Product defect or recall"}
    assert recall["languages"] == ["de", "en"]
    assert {"rueckruf", "sicherheit"} <= set(recall["risk_categories"])
    assert by_id["datenpanne"]["risk_categories"] == ["datenschutz"]
    assert [item["id"] for item in page["items"] if item["fallback"]] == ["beschwerdewelle"]
    assert page["items"][0]["id"] == "produktmangel-rueckruf", "listed in order of priority"


def test_a_viewer_gets_one_playbook_in_full(api, keys) -> None:
    response = api.http.get("/playbooks/datenpanne", headers=bearer(keys["viewer"]))
    assert response.status_code == 200
    playbook = json.loads(response.body)
    assert playbook["id"] == "datenpanne" and playbook["crisis_type"] == "data_breach"
    assert sorted(playbook["severity"]) == ["SEV1", "SEV2", "SEV3", "SEV4"]
    assert all(item["role"] and item["text"]["de"] and item["text"]["en"] for item in playbook["first_hour"])
    roles = {entry["role"] for entry in playbook["roles"]}
    assert {"krisenleitung", "kommunikation", "recht", "kundenservice", "geschaeftsfuehrung"} <= roles
    assert playbook["role_names"]["geschaeftsfuehrung"] == {
        "de": "Geschäftsführung",
        "en": "Management board",
    }
    assert sorted(s["address"] for s in playbook["holding_statements"]) == ["du", "sie"]
    kinds = {(r["channel"], r["address"], r["variant"], r["max_chars"]) for r in playbook["replies"]}
    assert ("public_reply", "sie", "short", 280) in kinds
    assert ("press_statement", "sie", "standard", None) in kinds
    assert playbook["dos"] and playbook["donts"]
    assert playbook["references"]["herhausen2019"]["url"] == "https://doi.org/10.1177/0022242918822300"
    assert "facts" in playbook["template_variables"]


def test_a_responder_may_read_playbooks_too(api, keys) -> None:
    assert api.http.get("/playbooks/beschwerdewelle", headers=bearer(keys["responder"])).status_code == 200


def test_an_unknown_playbook_is_a_404_in_the_api_error_shape(api, keys) -> None:
    response = api.http.get("/playbooks/gibt-es-nicht", headers=bearer(keys["viewer"]))
    assert response.status_code == 404
    error = _error(response)
    assert error["code"] == "not_found"
    assert error["details"] == [{"playbook_id": "gibt-es-nicht"}]


def test_openapi_documents_the_playbook_routes_for_viewers(api, keys) -> None:
    document = json.loads(api.http.get("/openapi.json", headers=bearer(keys["viewer"])).body)
    assert document["paths"]["/playbooks"]["get"]["x-required-role"] == "viewer"
    operation = document["paths"]["/playbooks/{playbook_id}"]["get"]
    assert operation["parameters"][0]["name"] == "playbook_id"
