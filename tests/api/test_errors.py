"""The error contract: problem+json with stable codes, never a 500 for bad input."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

PROBLEM = "application/problem+json"


def _assert_problem(response: object, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"].startswith(PROBLEM)  # type: ignore[attr-defined]
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    assert body["code"] == code and body["status"] == status
    assert {"type", "title", "detail", "instance"} <= body.keys()
    return body


def test_errors__malformed_json_is_422(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/login", content=b"{nope", headers={"content-type": "application/json"}
    )
    body = _assert_problem(response, 422, "request.invalid")
    assert "not valid JSON" in str(body["detail"])


def test_errors__validation_names_the_field(client: TestClient) -> None:
    response = client.post("/api/v1/auth/login", json={"username": "a"})
    body = _assert_problem(response, 422, "request.invalid")
    assert body["errors"] == [{"field": "password", "message": "Field required", "type": "missing"}]


def test_errors__unknown_field_refused(client: TestClient) -> None:
    response = client.post("/api/v1/auth/login", json={"username": "a", "password": "b", "admin": True})
    body = _assert_problem(response, 422, "request.invalid")
    assert "admin" in str(body["errors"])


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_errors__unknown_api_route_is_json_404(client: TestClient, method: str) -> None:
    _assert_problem(getattr(client, method)("/api/v1/no/such/thing"), 404, "not_found")


def test_errors__oversized_body_is_413(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/login", content=b"x" * (65 * 1024), headers={"content-type": "application/json"}
    )
    _assert_problem(response, 413, "request.too_large")


def test_errors__oversized_chunked_body_is_413(client: TestClient) -> None:
    def chunks() -> object:
        for _ in range(100):
            yield b"x" * 1024

    response = client.post(
        "/api/v1/auth/login", content=chunks(), headers={"content-type": "application/json"}
    )
    _assert_problem(response, 413, "request.too_large")


def test_errors__unauthenticated_is_401(client: TestClient) -> None:
    _assert_problem(client.get("/api/v1/auth/me"), 401, "auth.not_authenticated")


def test_errors__path_parameter_type_is_422(admin_client: TestClient) -> None:
    body = _assert_problem(admin_client.get("/api/v1/users/abc"), 422, "request.invalid")
    assert body["errors"][0]["field"] == "user_id"  # type: ignore[index]
