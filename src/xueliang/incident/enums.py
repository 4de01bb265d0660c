"""States, actions, stages and other codes of the incident domain (stored as their values)."""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    draft = "draft"  # 采集
    reported = "reported"  # 待受理
    accepted = "accepted"  # 已受理 / 立案
    dispatched = "dispatched"  # 待签收
    in_progress = "in_progress"  # 处置中
    suspended = "suspended"  # 挂起 / 挂账
    handled = "handled"  # 已处置 / 待核查
    callback = "callback"  # 待回访 (12345 only)
    closed = "closed"  # 结案
    archived = "archived"  # 归档
    rejected = "rejected"  # 不予受理
    merged = "merged"  # 重复件
    void = "void"  # 作废


TERMINAL = frozenset({State.archived, State.rejected, State.merged, State.void})
CLOSED_LIKE = frozenset({State.closed, *TERMINAL})
OPEN = frozenset(State) - CLOSED_LIKE


class Action(StrEnum):
    submit = "submit"
    accept = "accept"
    reject = "reject"
    merge = "merge"
    answer = "answer"  # 直接答复
    self_handle = "self_handle"  # 自处置
    dispatch = "dispatch"
    sign = "sign"  # 签收
    reply = "reply"  # 回单
    recall = "recall"  # 撤回
    request_return = "request_return"  # 退单申请
    request_extension = "request_extension"  # 延期申请
    request_suspend = "request_suspend"  # 挂起申请
    approve = "approve"
    deny = "deny"
    resume = "resume"  # 挂账恢复
    verify_pass = "verify_pass"
    verify_fail = "verify_fail"  # 返工
    callback = "callback"  # 回访
    void = "void"  # 作废
    reopen = "reopen"  # 重办
    archive = "archive"
    supervise = "supervise"  # 督办


class SystemAction(StrEnum):
    """Timeline actions only the platform writes (users can never perform them)."""

    create = "create"
    warning = "warning"
    overdue = "overdue"
    escalate = "escalate"


class Source(StrEnum):
    grid_worker = "grid_worker"
    hotline = "hotline"
    open311 = "open311"
    desk = "desk"


class Urgency(StrEnum):
    normal = "normal"
    urgent = "urgent"
    emergency = "emergency"


class Stage(StrEnum):
    accept = "accept"
    dispatch = "dispatch"
    sign = "sign"
    handle = "handle"
    verify = "verify"
    callback = "callback"


class TimeUnit(StrEnum):
    working_hours = "working_hours"
    working_days = "working_days"
    natural_hours = "natural_hours"


class ApprovalKind(StrEnum):
    extension = "extension"
    return_ = "return"
    suspend = "suspend"
    resume = "resume"
    void = "void"
    reopen = "reopen"


class ApprovalStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    denied = "denied"


class Satisfaction(StrEnum):
    satisfied = "satisfied"
    basic = "basically_satisfied"
    unsatisfied = "unsatisfied"
    no_answer = "no_answer"


class AlertLevel:
    """``incident.alert_level``: set only by the sweep (locked, like CitizenLab's system codes)."""

    none = 0
    warning = 1  # 80 % of the running limit
    overdue = 2  # 100 %: 催办 reminder
    escalated = 3  # overdue + N working days: automatic 督办
