"""stream errors (subclasses of the core tree)."""

from __future__ import annotations

from xueliang.core.exceptions import ForbiddenError, XueliangError


class CameraOfflineError(XueliangError):
    """The camera's stream could not be opened in time: answered quickly with its state."""

    status = 503
    code = "stream.offline"
    title = "Camera offline"


class ViewerCapError(ForbiddenError):
    code = "stream.viewer_cap"
    title = "Too many viewers"


class LinkInvalidError(ForbiddenError):
    code = "stream.link_invalid"
    title = "Invalid or expired link"
