"""Generic geometry helpers: a geometry column type for SQLite and PostGIS, tile math, MVT encoding."""
