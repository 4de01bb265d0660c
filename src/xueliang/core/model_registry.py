"""Imports every domain's ORM models so that ``Base.metadata`` is complete (migrations, tests)."""

from __future__ import annotations

import importlib

from sqlalchemy import MetaData

from xueliang.core.db import Base

# One line per domain with tables; migrations' autogenerate and the tests see only these.
MODEL_MODULES = (
    "xueliang.auth.models",
    "xueliang.audit.models",
    "xueliang.grid.models",
    "xueliang.camera.models",
    "xueliang.incident.models",
    "xueliang.stream.models",
    "xueliang.viid.models",
    "xueliang.investigation.models",
    "xueliang.ops.models",
    "xueliang.assessment.models",
)


def load_all_models() -> MetaData:
    for name in MODEL_MODULES:
        importlib.import_module(name)
    return Base.metadata
