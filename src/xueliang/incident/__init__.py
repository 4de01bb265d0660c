"""Incident handling (事件处置): grid-worker reports, 12345 hotline orders and Open311 requests
through acceptance, dispatch, handling, verification and closure, on time limits."""
