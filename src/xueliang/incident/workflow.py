"""The state machine of grid-governance.md §2.2 as data: which action may run from which states,
under which permission, and who else must be the caller (department, reporter)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from xueliang.auth.enums import Permission
from xueliang.auth.principal import Principal
from xueliang.core.exceptions import ConflictError, OutOfScopeError
from xueliang.incident.enums import OPEN, Action, State
from xueliang.incident.models import Incident

S, P = State, Permission


class Party(StrEnum):
    """Who, beyond the permission, may run the action."""

    anyone = "anyone"  # any holder of the permission (in scope)
    department = "department"  # a member of the incident's current department
    reporter = "reporter"  # the user who reported it


@dataclass(frozen=True)
class Rule:
    sources: frozenset[State]
    permission: Permission
    party: Party = Party.anyone


def _r(states: set[State], permission: Permission, party: Party = Party.anyone) -> Rule:
    return Rule(frozenset(states), permission, party)


OPEN_NOT_DRAFT = set(OPEN) - {S.draft}
TRANSITIONS: dict[Action, Rule] = {
    Action.submit: _r({S.draft}, P.incident_report, Party.reporter),
    Action.accept: _r({S.reported}, P.incident_dispatch),
    Action.reject: _r({S.reported}, P.incident_dispatch),
    Action.merge: _r({S.reported, S.accepted}, P.incident_dispatch),
    Action.answer: _r({S.reported, S.accepted}, P.incident_dispatch),
    Action.self_handle: _r({S.draft, S.reported}, P.incident_handle, Party.reporter),
    Action.dispatch: _r({S.accepted}, P.incident_dispatch),
    Action.sign: _r({S.dispatched}, P.incident_handle, Party.department),
    Action.reply: _r({S.in_progress}, P.incident_handle, Party.department),
    Action.recall: _r({S.dispatched, S.in_progress}, P.incident_dispatch),
    Action.request_return: _r({S.dispatched}, P.incident_handle, Party.department),
    Action.request_extension: _r({S.in_progress}, P.incident_handle, Party.department),
    Action.request_suspend: _r({S.in_progress}, P.incident_handle, Party.department),
    Action.approve: _r({S.dispatched, S.in_progress}, P.incident_dispatch),
    Action.deny: _r({S.dispatched, S.in_progress}, P.incident_dispatch),
    Action.resume: _r({S.suspended}, P.incident_dispatch),
    Action.verify_pass: _r({S.handled}, P.incident_verify),
    Action.verify_fail: _r({S.handled}, P.incident_verify),
    Action.callback: _r({S.callback}, P.incident_verify),
    Action.void: _r(OPEN_NOT_DRAFT, P.incident_dispatch),
    Action.reopen: _r({S.closed}, P.incident_dispatch),
    Action.archive: _r({S.closed}, P.incident_dispatch),
    Action.supervise: _r(OPEN_NOT_DRAFT - {S.reported}, P.incident_dispatch),
}


def is_party(incident: Incident, principal: Principal, party: Party) -> bool:
    if party is Party.department:
        return principal.sees_everything or (
            principal.org_unit_id is not None and principal.org_unit_id == incident.department_id
        )
    if party is Party.reporter:
        return principal.user_id is not None and principal.user_id == incident.reporter_user_id
    return True


def may(incident: Incident, principal: Principal, action: Action, *, has_pending: bool = False) -> bool:
    rule = TRANSITIONS[action]
    if State(incident.state) not in rule.sources or not principal.has(rule.permission):
        return False
    if action in (Action.approve, Action.deny) and not has_pending:
        return False
    return is_party(incident, principal, rule.party)


def allowed_actions(incident: Incident, principal: Principal, *, has_pending: bool = False) -> list[str]:
    return [str(a) for a in TRANSITIONS if may(incident, principal, a, has_pending=has_pending)]


def check(incident: Incident, principal: Principal, action: Action, *, has_pending: bool = False) -> None:
    """Permission first (403), then the caller's party (403), then the state (409 with the allowed
    actions of this caller)."""
    rule = TRANSITIONS[action]
    principal.require(rule.permission)
    if not is_party(incident, principal, rule.party):
        raise OutOfScopeError(f"only the incident's {rule.party} may {action}", party=str(rule.party))
    if not may(incident, principal, action, has_pending=has_pending):
        raise ConflictError(
            f"'{action}' is not allowed while the incident is {incident.state}",
            state=incident.state,
            allowed=allowed_actions(incident, principal, has_pending=has_pending),
        )
