from __future__ import annotations

from fastapi.testclient import TestClient


def test_healthz__reports_database_ok(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_metrics__prometheus_text_labelled_by_route_template(admin_client: TestClient) -> None:
    admin_client.get("/api/v1/users/1")
    text = admin_client.get("/metrics").text
    assert "xueliang_http_requests_total" in text
    assert 'route="/api/v1/users/{user_id}"' in text


def test_openapi__served_under_api(client: TestClient) -> None:
    document = client.get("/api/openapi.json").json()
    assert "/api/v1/auth/login" in document["paths"]
    assert "/api/v1/audit/entries" in document["paths"]


def test_spa__non_api_paths_fall_back_to_the_ui(client: TestClient) -> None:
    response = client.get("/incidents/123")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")


def test_spa__path_traversal_is_not_served(client: TestClient) -> None:
    response = client.get("/..%2f..%2fpyproject.toml")
    assert "[project]" not in response.text


def test_request_id__echoed(client: TestClient) -> None:
    assert client.get("/healthz", headers={"x-request-id": "abc"}).headers["x-request-id"] == "abc"
