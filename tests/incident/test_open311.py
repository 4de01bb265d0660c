"""Open311 GeoReport v2: discovery, services, definitions, requests POST/GET in JSON and XML,
api_key, page/page_size, extensions, errors in the spec's format, no reporter details."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import make_user
from tests.incident.conftest import World
from xueliang.auth import service as auth_service

BASE = "/open311/v2"


def _key(db: Session, roles: tuple[str, ...] = ("grid_worker",)) -> str:
    user = make_user(db, roles=roles)
    return auth_service.create_api_token(db=db, user=user, name="open311", expires_at=None)[1]


def _post(client: TestClient, fmt: str, **form: str) -> object:
    return client.post(f"{BASE}/requests.{fmt}", data=form)


def test_open311_services__json_and_xml(incident_app: FastAPI, client: TestClient, world: World) -> None:
    services = client.get(f"{BASE}/services.json").json()
    assert [s["service_code"] for s in services] == ["consult", "road.pothole"]  # internal is not public
    assert services[1]["metadata"] is True and services[1]["group"] == "市政"
    root = ET.fromstring(client.get(f"{BASE}/services.xml").content)
    assert root.tag == "services" and [e.findtext("service_code") for e in root] == [
        "consult",
        "road.pothole",
    ]
    definition = client.get(f"{BASE}/services/road.pothole.json").json()
    assert definition["attributes"][0]["code"] == "size"
    xml_def = ET.fromstring(client.get(f"{BASE}/services/road.pothole.xml").content)
    assert xml_def.find("attributes/attribute/code").text == "size"  # type: ignore[union-attr]
    assert client.get(f"{BASE}/discovery.json").json()["endpoints"][0]["formats"] == [
        "text/xml",
        "application/json",
    ]


def test_open311_errors__spec_format(
    incident_app: FastAPI, client: TestClient, db: Session, world: World
) -> None:
    missing = client.get(f"{BASE}/services/nope.json")
    assert missing.status_code == 404 and missing.json() == [
        {"code": 404, "description": "service_code 'nope' not found"}
    ]
    xml = client.get(f"{BASE}/services/nope.xml")
    assert xml.status_code == 404 and ET.fromstring(xml.content).find("error/code").text == "404"  # type: ignore[union-attr]
    assert client.get(f"{BASE}/services.yaml").status_code == 404
    assert _post(client, "json", service_code="consult", lat="28.2", long="112.9").status_code == 403  # type: ignore[attr-defined]
    key = _key(db)
    db.commit()
    assert (
        _post(client, "json", api_key="xlt_wrong", service_code="consult", lat="1", long="1").status_code
        == 403
    )  # type: ignore[attr-defined]
    assert _post(client, "json", api_key=key, service_code="nope", lat="1", long="1").status_code == 404  # type: ignore[attr-defined]
    no_place = _post(client, "json", api_key=key, service_code="consult")
    assert no_place.status_code == 400 and "location" in no_place.json()[0]["description"]  # type: ignore[attr-defined]
    no_attr = _post(client, "json", api_key=key, service_code="road.pothole", lat="28.2", long="112.9")
    assert no_attr.status_code == 400  # type: ignore[attr-defined]
    assert _post(client, "json", api_key=key, service_code="consult", lat="x", long="1").status_code == 400  # type: ignore[attr-defined]
    assert client.get(f"{BASE}/requests.json?page_size=abc").status_code == 400
    assert (
        client.get(
            f"{BASE}/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z"
        ).status_code
        == 400
    )
    assert client.get(f"{BASE}/requests/123456789.json").status_code == 404


def test_open311_requests__post_and_get_json_xml_without_reporter(
    incident_app: FastAPI, client: TestClient, db: Session, world: World
) -> None:
    key = _key(db)
    db.commit()
    form = {
        "api_key": key,
        "service_code": "road.pothole",
        "lat": "28.19",
        "long": "112.98",
        "attribute[size]": "large",
        "description": "deep hole",
        "first_name": "李",
        "last_name": "四",
        "phone": "13700001111",
        "email": "li@example.org",
    }
    created = _post(client, "json", **form)
    assert created.status_code == 200, created.text  # type: ignore[attr-defined]
    request_id = created.json()[0]["service_request_id"]  # type: ignore[attr-defined]
    xml_created = ET.fromstring(_post(client, "xml", **{**form, "description": "second"}).content)  # type: ignore[attr-defined]
    assert xml_created.find("request/service_request_id") is not None
    one = client.get(f"{BASE}/requests/{request_id}.json?extensions=true").json()[0]
    assert one["status"] == "open" and one["service_code"] == "road.pothole" and one["lat"] == 28.19
    assert one["extended_attributes"]["grid_code"] == "430102001001001"
    assert one["expected_datetime"] is None
    listing = client.get(f"{BASE}/requests.json?service_code=road.pothole&status=open&page=1&page_size=1")
    assert len(listing.json()) == 1
    page2 = client.get(f"{BASE}/requests.json?page=2&page_size=1").json()
    assert len(page2) == 1 and page2[0]["service_request_id"] == request_id
    xml_list = client.get(f"{BASE}/requests.xml?service_request_id={request_id}").text
    assert ET.fromstring(xml_list).find("request/status").text == "open"  # type: ignore[union-attr]
    for text in (listing.text, xml_list, client.get(f"{BASE}/requests.json?extensions=true").text):
        assert "13700001111" not in text and "李" not in text and "li@example.org" not in text
    assert client.get(f"{BASE}/tokens/{request_id}.json").json()[0]["service_request_id"] == request_id
    assert client.get(f"{BASE}/requests.json?status=closed").json() == []
