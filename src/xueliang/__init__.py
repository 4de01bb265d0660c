"""Xueliang (雪亮): public-safety video and grid-based community governance on one platform."""

__version__ = "0.1.0"
