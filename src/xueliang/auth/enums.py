"""Permissions and built-in roles. Roles are rows (an operator may add more); these are the seeds."""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    user_manage = "user.manage"
    user_read = "user.read"
    token_manage = "token.manage"
    audit_read = "audit.read"
    scope_all = "scope.all"  # sees every region, grid and camera
    camera_read = "camera.read"
    camera_manage = "camera.manage"
    video_live = "video.live"
    video_playback = "video.playback"
    record_search = "record.search"
    face_search = "face.search"
    plate_search = "plate.search"
    record_export = "record.export"  # investigation exports (CSV, GeoJSON) of searches and trajectories
    disposition_manage = "disposition.manage"
    disposition_approve = "disposition.approve"
    case_manage = "case.manage"
    resident_read = "resident.read"
    resident_unmask = "resident.unmask"
    grid_manage = "grid.manage"
    incident_report = "incident.report"
    incident_dispatch = "incident.dispatch"
    incident_handle = "incident.handle"
    incident_verify = "incident.verify"
    assessment_read = "assessment.read"
    assessment_manage = "assessment.manage"
    ops_read = "ops.read"
    ops_maintain = "ops.maintain"


class ScopeKind(StrEnum):
    region = "region"  # 12-digit admin division code, or a prefix of one (6 = city/district)
    grid = "grid"
    camera = "camera"
    org_unit = "org_unit"


class TokenKind(StrEnum):
    session = "session"
    api = "api"


P = Permission
ROLE_SEEDS: dict[str, tuple[str, frozenset[Permission]]] = {
    "admin": ("Administrator: manages users, roles, tokens and settings", frozenset(Permission)),
    "analyst": (
        "Police video analyst: searches records, faces and plates for cases",
        frozenset(
            {
                P.camera_read,
                P.video_live,
                P.video_playback,
                P.record_search,
                P.face_search,
                P.plate_search,
                P.record_export,
                P.case_manage,
                P.disposition_manage,
            }
        ),
    ),
    "operator": (
        "Operations centre operator: live view, map, incidents overview",
        frozenset({P.camera_read, P.video_live, P.video_playback, P.ops_read, P.assessment_read}),
    ),
    "dispatcher": (
        "Hotline / centre dispatcher: accepts and dispatches incidents",
        frozenset({P.incident_report, P.incident_dispatch, P.incident_verify, P.assessment_read}),
    ),
    "department_handler": (
        "Functional department handler: handles dispatched incidents",
        frozenset({P.incident_handle}),
    ),
    "grid_worker": (
        "Grid worker: reports and self-handles incidents, keeps grid data",
        frozenset({P.incident_report, P.incident_handle, P.resident_read, P.grid_manage}),
    ),
    "maintainer": (
        "Maintenance contractor: device health and work orders",
        frozenset({P.camera_read, P.ops_read, P.ops_maintain}),
    ),
    "auditor": (
        "Auditor: reads the audit log and approves dispositions",
        frozenset({P.audit_read, P.disposition_approve, P.user_read}),
    ),
    "viewer": ("Read-only viewer of published resources", frozenset({P.camera_read})),
}
