"""The HTTP API: application factory, shared dependencies, errors, middleware."""

API_PREFIX = "/api/v1"
