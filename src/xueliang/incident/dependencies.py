"""FastAPI dependencies of the incident domain: the grid locator and the notifiers (overridable)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from xueliang.api.deps import SettingsDep
from xueliang.incident.locator import GridLocator, default_locator
from xueliang.incident.notify import Notifiers, make_notifiers


def get_locator() -> GridLocator:
    return default_locator()


def get_notifiers(settings: SettingsDep) -> Notifiers:
    return make_notifiers(settings)


LocatorDep = Annotated[GridLocator, Depends(get_locator)]
NotifiersDep = Annotated[Notifiers, Depends(get_notifiers)]
