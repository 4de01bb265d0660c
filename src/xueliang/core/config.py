"""Settings, read once from the environment (prefix ``XUELIANG_``) and validated at boot.

Every field carries a description; ``tests/core/test_settings.py`` fails when a field is missing
from docs/operations.md, so the operator's manual cannot fall behind the code.
"""

from __future__ import annotations

import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from xueliang.core.exceptions import ConfigurationError

INSECURE_KEYS = frozenset({"", "changeme", "change-me", "secret", "development", "xueliang"})
SECRET_KEY_FILE = "secret_key"


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


class Settings(BaseSettings):
    """The platform's settings. Environment variable = ``XUELIANG_`` + field name in upper case."""

    model_config = SettingsConfigDict(env_prefix="XUELIANG_", extra="ignore", frozen=True)

    env: Environment = Field(
        Environment.production,
        description="Deployment environment: production (default), development or test. Only "
        "development may run without a proper secret key.",
    )
    data_dir: Path = Field(
        Path("./data"),
        description="Directory for the embedded instance: SQLite database, secret key file, blobs, "
        "outboxes, exports.",
    )
    database_url: str = Field(
        "",
        description="SQLAlchemy URL of the relational store. Empty = sqlite:///DATA_DIR/xueliang.db. "
        "PostgreSQL: postgresql+psycopg://user:pass@host:5432/db (PostGIS is enabled by migrations).",
    )
    secret_key: str = Field(
        "",
        description="Key for signing and for deriving encryption keys (at least 32 characters). "
        "Empty = read DATA_DIR/secret_key, which `xueliang init` generates.",
        repr=False,
    )
    bus_url: str = Field(
        "",
        description="Event bus. Empty = in-process queues; nats://host:4222 = NATS JetStream.",
    )
    host: str = Field("127.0.0.1", description="Address `xueliang serve` binds to.")
    port: Annotated[int, Field(ge=1, le=65535)] = Field(8000, description="Port `xueliang serve` binds to.")
    log_level: str = Field("INFO", description="Root log level (DEBUG, INFO, WARNING, ERROR).")
    log_format: str = Field("text", description="Log format: text (human) or json (one object a line).")
    session_ttl_hours: Annotated[int, Field(ge=1, le=720)] = Field(
        12, description="Lifetime of a browser session, in hours."
    )
    cookie_secure: bool = Field(
        False, description="Mark session cookies Secure (set true when served over HTTPS)."
    )
    login_max_failures: Annotated[int, Field(ge=1, le=100)] = Field(
        5, description="Consecutive failed logins after which an account is locked."
    )
    login_lockout_seconds: Annotated[int, Field(ge=1)] = Field(
        300, description="How long an account stays locked after too many failed logins."
    )
    login_rate_per_minute: Annotated[int, Field(ge=1)] = Field(
        20, description="Login attempts allowed per client address per minute."
    )
    max_body_bytes: Annotated[int, Field(ge=1024)] = Field(
        16 * 1024 * 1024,
        description="Largest request body accepted (bytes); larger requests get 413.",
    )
    run_consumers: bool = Field(
        True,
        description="Run the bus consumers (disposition matching, vector indexing) in this server "
        "process. With several API processes on NATS, each may run them (durable consumers share "
        "the work); set false where a process should only serve requests.",
    )
    run_scheduler: bool = Field(
        True,
        description="Run periodic jobs (audit verification, sweeps, reports) in this server process. "
        "With several API processes, set false on all but one.",
    )
    timezone: str = Field("Asia/Shanghai", description="Time zone for schedules, calendars and reports.")
    incident_working_hours: str = Field(
        "09:00-12:00,13:30-17:30",
        description="Working periods of a working day (local time) for incident time limits.",
    )
    incident_escalate_after_days: Annotated[int, Field(ge=0, le=60)] = Field(
        5, description="Working days after an incident stage is overdue before automatic 督办."
    )
    incident_sweep_seconds: Annotated[int, Field(ge=5)] = Field(
        60, description="Interval of the incident time-limit sweep (warnings, reminders, escalation)."
    )
    incident_duplicate_radius_m: Annotated[float, Field(ge=0)] = Field(
        100.0, description="Intake suggests same-category incidents within this distance as duplicates."
    )
    incident_duplicate_window_hours: Annotated[float, Field(ge=0)] = Field(
        24.0, description="… and reported within this many hours."
    )
    incident_notifiers: str = Field(
        "in_app", description="Incident notification channels, comma-separated: in_app, webhook, sms."
    )
    incident_webhook_url: str = Field("", description="URL the webhook notifier POSTs JSON notices to.")
    incident_sms_phones: str = Field(
        "", description="Duty phones (comma-separated) the sms notifier sends reminders and escalations to."
    )
    grid_tile_source: str = Field(
        "auto",
        description="Map tiles of the grid registry: memory (MVT encoded in Python from an in-memory index), "
        "postgis (ST_AsMVT per tile) or auto (postgis on PostgreSQL, memory on SQLite).",
    )
    grid_tile_cache_size: Annotated[int, Field(ge=0)] = Field(
        4096, description="Encoded map tiles kept in the in-process LRU cache (0 = no cache)."
    )
    grid_export_max_rows: Annotated[int, Field(ge=1)] = Field(
        100_000, description="Most residents one CSV export may contain."
    )
    viid_server_id: Annotated[str, Field(pattern=r"^\d{20}$")] = Field(
        "99010100002000000001",
        description="This view library's 20-digit GA/T 1400 id (VIIDServerID, notification ids, "
        "User-Identify on outbound notifications).",
    )
    viid_realm: str = Field("xueliang-viid", description="HTTP Digest realm of /VIID/System/Register.")
    viid_nonce_ttl_seconds: Annotated[int, Field(ge=10)] = Field(
        300, description="Lifetime of a Digest nonce; older ones get a new challenge (stale=true)."
    )
    viid_keepalive_timeout_seconds: Annotated[int, Field(ge=10)] = Field(
        180,
        description="A registered device whose last keepalive is older than this is offline and must "
        "register again before uploading.",
    )
    viid_max_batch_objects: Annotated[int, Field(ge=1)] = Field(
        1000, description="Most objects accepted in one /VIID upload; larger batches get 413."
    )
    viid_keep_identity: bool = Field(
        False,
        description="Keep identity fields (IDNumber, Name, criminal-record flags, …) of uploads from "
        "devices allowed to send them (camera registry may_send_identity); otherwise they are dropped.",
    )
    viid_outbox_interval_seconds: Annotated[int, Field(ge=1)] = Field(
        2, description="How often the subscription outbox is delivered (seconds)."
    )
    viid_outbox_max_backoff_seconds: Annotated[int, Field(ge=1)] = Field(
        300,
        description="Longest wait before retrying a failed notification (the back-off grows 1, 2, 5, "
        "10, 30, 60, 120, 300 s and is capped here).",
    )
    viid_notification_image_bytes: Annotated[int, Field(ge=0)] = Field(
        4 * 1024 * 1024,
        description="Most base64 image Data carried by one outbound subscription notification; images "
        "beyond it are sent without Data (ids and StoragePath kept). 0 = never send image Data.",
    )
    record_store_type: str = Field(
        "chdb",
        description="Record store for view-library records: chdb (embedded ClickHouse), clickhouse "
        "(a server, via clickhouse-connect) or memory (tests only).",
    )
    record_store_url: str = Field(
        "",
        description="chdb: data directory (empty = DATA_DIR/records); clickhouse: "
        "http://user:password@host:8123.",
        repr=False,
    )
    record_store_database: str = Field(
        "viewlib", pattern=r"^[a-z_][a-z0-9_]*$", description="Database (schema) of the record tables."
    )
    record_store_linger_ms: Annotated[int, Field(ge=0, le=1000)] = Field(
        20,
        description="How long at most the ingest writer holds a group of rows (under 1,000) for "
        "more uploads before inserting it, while they keep arriving (at most 5 ms apart): fewer, "
        "larger parts for the record store to merge; adds at most this to an upload's latency.",
    )
    record_store_flush_ms: Annotated[int, Field(ge=0, le=10_000)] = Field(
        500,
        description="Embedded store: uploads are acknowledged once journaled on local disk and "
        "inserted into the store at most this long later (or at 5,000 rows), in large inserts; API "
        "queries first wait for what was acknowledged before them. 0: each upload waits for its "
        "own insert (no journal).",
    )
    investigation_scan_hours: Annotated[int, Field(ge=1, le=24 * 31)] = Field(
        24, description="Longest time window a pass search without a plate prefix may scan."
    )
    investigation_export_max_rows: Annotated[int, Field(ge=1, le=1_000_000)] = Field(
        10_000, description="Most rows one investigation export (CSV, GeoJSON) may hold; more are refused."
    )
    vector_index_type: str = Field(
        "faiss", description="Vector index of record embeddings: faiss (embedded, IVF) or milvus."
    )
    vector_index_url: str = Field(
        "",
        description="milvus: URI (a milvus-lite file, or http://host:19530); "
        "empty = DATA_DIR/vectors/milvus.db.",
        repr=False,
    )
    vector_exact_below: Annotated[int, Field(ge=0)] = Field(
        50_000, description="Search exactly (no IVF) when filters leave fewer candidates than this."
    )
    face_match_threshold: Annotated[float, Field(gt=0, le=1)] = Field(
        0.363,
        description="Cosine similarity from which two faces count as the same person (1:1, 1:N, alerts); "
        "0.363 is OpenCV's threshold for the SFace embeddings structurization writes.",
    )
    embedding_extractor: str = Field(
        "auto",
        pattern=r"^(auto|analytics|none)$",
        description="Embedding of uploaded pictures (search by image, face comparison): analytics (the "
        "structurization models: YuNet + SFace faces, SSD + EfficientNet-Lite3 vehicles), none (uploads "
        "refused), or auto = analytics when its model packages are installed, else none.",
    )
    cloned_plate_max_kmh: Annotated[float, Field(gt=10)] = Field(
        160.0, description="Implied speed between two checkpoints above which a plate counts as cloned."
    )
    stream_relay_type: str = Field(
        "pyav", description="Live relay plugin: pyav (remux to HLS with PyAV) or fake (tests, no video)."
    )
    stream_open_timeout_seconds: Annotated[float, Field(gt=0, le=60)] = Field(
        5.0, description="How long opening a camera stream may take before it is reported offline."
    )
    stream_idle_seconds: Annotated[float, Field(ge=0)] = Field(
        30.0, description="A live relay stops this many seconds after its last viewer has gone."
    )
    stream_viewer_timeout_seconds: Annotated[float, Field(gt=0)] = Field(
        20.0, description="A viewer whose player has fetched nothing for this long counts as gone."
    )
    stream_hls_segment_type: str = Field("mpegts", description="Live HLS segments: mpegts or fmp4.")
    stream_hls_time: Annotated[float, Field(gt=0)] = Field(
        1.9, description="Target live HLS segment length in seconds (slightly below the cameras' GOP)."
    )
    stream_record_segment_seconds: Annotated[float, Field(gt=0)] = Field(
        10.0, description="Length of a recorded segment in seconds (cut at the next keyframe)."
    )
    stream_public_link_max_seconds: Annotated[int, Field(ge=60)] = Field(
        7 * 86400, description="Longest validity of a public (signed) camera link."
    )
    stream_public_viewer_cap: Annotated[int, Field(ge=1)] = Field(
        50, description="Most concurrent viewers of one public camera through public links."
    )
    ops_probe_seconds: Annotated[float, Field(ge=10)] = Field(
        60.0, description="Interval of the ops health cycle (RTSP probes, keepalives, online-rate samples)."
    )
    ops_probe_timeout_seconds: Annotated[float, Field(gt=0, le=60)] = Field(
        3.0, description="Deadline of one RTSP probe (connect, OPTIONS, DESCRIBE)."
    )
    ops_probe_concurrency: Annotated[int, Field(ge=1, le=5000)] = Field(
        200, description="RTSP probes in flight at once."
    )
    ops_diagnosis_minutes: Annotated[float, Field(ge=1)] = Field(
        60.0, description="Interval of the video quality diagnosis cycle (one snapshot per online camera)."
    )
    ops_diagnosis_workers: Annotated[int, Field(ge=1, le=64)] = Field(
        2, description="Snapshots taken and diagnosed at once in the diagnosis cycle."
    )
    ops_offline_alarm_minutes: Annotated[float, Field(ge=0)] = Field(
        10.0, description="A channel offline this long raises an offline alarm."
    )
    ops_storage_alarm_percent: Annotated[float, Field(gt=0, le=100)] = Field(
        90.0, description="Disk use of the data directory at or above this raises a storage alarm."
    )
    ops_auto_work_orders: bool = Field(
        True, description="Open a maintenance work order for each new offline or quality alarm."
    )
    ops_response_hours: Annotated[float, Field(gt=0)] = Field(
        2.0, description="Response limit of a maintenance work order, in working hours."
    )
    ops_repair_hours: Annotated[float, Field(gt=0)] = Field(
        8.0, description="Repair limit of a maintenance work order, in working hours."
    )
    ops_notifiers: str = Field(
        "", description="Alarm notification channels, comma-separated: webhook, sms (the incident notifiers)."
    )
    analytics_channels: str = Field(
        "",
        description="Channels structured by analytics workers, comma-separated ids; "
        "empty = every channel with a stream.",
    )
    analytics_fps: Annotated[float, Field(gt=0, le=30)] = Field(
        5.0, description="Frames per second an analytics capture keeps from a camera's sub-stream."
    )
    analytics_max_width: Annotated[int, Field(ge=160, le=1920)] = Field(
        640, description="Decoded frames are scaled down to fit this width and height (pixels)."
    )
    analytics_ring_slots: Annotated[int, Field(ge=2, le=64)] = Field(
        4, description="Shared-memory frame slots per camera; with none free a frame is dropped."
    )
    analytics_refresh_frames: Annotated[int, Field(ge=1, le=100)] = Field(
        6, description="Re-detect interval (kept frames) while the motion is explained by existing tracks."
    )
    analytics_confirm_frames: Annotated[int, Field(ge=0, le=100)] = Field(
        0,
        description="Look again this many frames after a detection that started or matched a tentative "
        "track (0 = off, wait for the re-detect interval): more short tracks for more detector calls.",
    )
    analytics_min_hits: Annotated[int, Field(ge=1)] = Field(
        3, description="Detections a track needs before its best shot becomes a record."
    )
    analytics_detector_type: str = Field(
        "ssd_mobilenet", description="Detector plugin: ssd_mobilenet (default) or yolo_onnx."
    )
    analytics_detector_model: str = Field("", description="yolo_onnx: path of the deployment's ONNX model.")
    analytics_detector_processes: Annotated[int, Field(ge=1, le=64)] = Field(
        1, description="Detector processes per analytics worker, shared by all its cameras."
    )
    analytics_extractors: str = Field(
        "face,plate,vehicle_colour,clothing_colour,vehicle",
        description="Extractor plugins run on best shots and on incomplete records, comma-separated.",
    )
    analytics_lease_seconds: Annotated[float, Field(ge=5, le=120)] = Field(
        30.0, description="Life of a worker's camera lease; a dead worker's cameras move after it."
    )
    analytics_heartbeat_seconds: Annotated[float, Field(ge=1, le=60)] = Field(
        10.0, description="Interval at which analytics workers renew leases and rebalance cameras."
    )
    analytics_backoff_max_seconds: Annotated[float, Field(ge=1)] = Field(
        60.0, description="Longest wait before a failed camera capture is restarted (doubling from 1 s)."
    )
    analytics_complete_images: bool = Field(
        True,
        description="Analytics workers complete incoming vehicle and face records that lack plate, "
        "attributes or embedding.",
    )
    analytics_in_app: bool | None = Field(
        None,
        description="Run the analytics worker inside the API process (`xueliang serve`), sharing its "
        "bus, record store and camera leases. Unset = yes for an embedded deployment (in-process bus "
        "or chdb/memory record store, where a separate `xueliang worker analytics` cannot work) except "
        "under XUELIANG_ENV=test; no with NATS + ClickHouse.",
    )

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{self.data_dir / 'xueliang.db'}")
        if not self.secret_key:
            key_file = self.data_dir / SECRET_KEY_FILE
            if key_file.is_file():
                object.__setattr__(self, "secret_key", key_file.read_text(encoding="utf-8").strip())
        return self

    @property
    def is_development(self) -> bool:
        return self.env is Environment.development

    def require_secure(self) -> None:
        """Refuse to serve with a missing, short or well-known key, except in development."""
        if self.is_development:
            return
        if self.secret_key.lower() in INSECURE_KEYS or len(self.secret_key) < 32:
            raise ConfigurationError(
                "XUELIANG_SECRET_KEY is missing or insecure: run `xueliang init` to generate "
                "DATA_DIR/secret_key, or set a random key of at least 32 characters "
                "(XUELIANG_ENV=development skips this check)."
            )

    def effective_secret(self) -> str:
        """The key in use; in development without a key, a per-process random one."""
        if self.secret_key:
            return self.secret_key
        if not self.is_development:
            self.require_secure()
        key = _dev_fallback_key()
        return key


@lru_cache(maxsize=1)
def _dev_fallback_key() -> str:
    return secrets.token_hex(32)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def generate_secret_key(data_dir: Path) -> Path:
    """Write a random key to DATA_DIR/secret_key (mode 0600) unless one is already there."""
    data_dir.mkdir(parents=True, exist_ok=True)
    key_file = data_dir / SECRET_KEY_FILE
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32) + "\n", encoding="utf-8")
        key_file.chmod(0o600)
    return key_file
