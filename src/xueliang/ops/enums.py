"""Codes of the ops domain (stored as their values)."""

from __future__ import annotations

from enum import StrEnum


class Fault(StrEnum):
    """Video quality faults (视频质量诊断)."""

    blur = "blur"  # 清晰度异常
    too_dark = "too_dark"  # 过暗
    too_bright = "too_bright"  # 过亮
    low_contrast = "low_contrast"  # 对比度低
    color_cast = "color_cast"  # 偏色
    no_color = "no_color"  # 色彩丢失
    occlusion = "occlusion"  # 遮挡
    noise = "noise"  # 雪花噪声
    stripes = "stripes"  # 条纹 / 滚屏
    frozen = "frozen"  # 画面冻结
    scene_change = "scene_change"  # 场景变更 (camera moved)
    signal_loss = "signal_loss"  # 信号丢失 (blue / black screen, undecodable)


class Source(StrEnum):
    """What decided a channel's online state."""

    rtsp = "rtsp"  # an RTSP OPTIONS/DESCRIBE probe
    keepalive = "keepalive"  # VIID keepalives of the channel's device
    stream = "stream"  # a running live relay


class Dimension(StrEnum):
    district = "district"  # region_code[:6]
    department = "department"  # org unit id
    owner = "owner"  # own | social


class AlarmKind(StrEnum):
    offline = "offline"
    quality = "quality"
    storage = "storage"
    admission = "admission"


class AlarmState(StrEnum):
    active = "active"
    acknowledged = "acknowledged"
    cleared = "cleared"


class OrderState(StrEnum):
    open = "open"  # 待响应
    responded = "responded"  # 处理中
    closed = "closed"  # 已修复 (with evidence)
    cancelled = "cancelled"
