"""Relay plugins by ``type`` (setting ``XUELIANG_STREAM_RELAY_TYPE``) and the manager factory."""

from __future__ import annotations

from xueliang.core.config import Settings
from xueliang.core.exceptions import ConfigurationError
from xueliang.stream.manager import RelayManager
from xueliang.stream.relay import FakePlugin, RelayOptions, RelayPlugin


def plugin_for(kind: str) -> RelayPlugin:
    if kind == "fake":
        return FakePlugin()
    if kind == "pyav":
        from xueliang.stream.pyav_relay import PyAvPlugin

        return PyAvPlugin()
    raise ConfigurationError(f"XUELIANG_STREAM_RELAY_TYPE: unknown relay type {kind!r} (pyav, fake)")


def relay_options(settings: Settings) -> RelayOptions:
    return RelayOptions(
        open_timeout=settings.stream_open_timeout_seconds,
        hls_time=settings.stream_hls_time,
        segment_type=settings.stream_hls_segment_type,
    )


def make_manager(settings: Settings) -> RelayManager:
    return RelayManager(
        root=settings.data_dir / "stream" / "live",
        plugin=plugin_for(settings.stream_relay_type),
        options=relay_options(settings),
        idle_seconds=settings.stream_idle_seconds,
        viewer_timeout=settings.stream_viewer_timeout_seconds,
    )
