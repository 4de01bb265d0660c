"""Finished tracks → GA/T 1400 objects (InfoKind 1, automatic) with the full frame and the crop.

Kinds by COCO class: person → PersonObject (and a FaceObject when a face passed the gate), car / bus /
truck / motorcycle → MotorVehicleObject, bicycle → NonMotorVehicleObject. Ids follow GA/T 1400:
SourceID (41) = DeviceID (20) + "02" + time (14) + serial (5); object id (48) = SourceID + type
(01 person, 02 motor vehicle, 03 non-motor vehicle, 06 face) + serial (5).
"""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import cv2
import numpy as np

from xueliang.analytics.detections import FloatArray, crop
from xueliang.analytics.extractors import Extractor, Image, Subject

KIND_OF_CLASS = {0: "person", 1: "non_motor_vehicle", 2: "motor_vehicle", 3: "motor_vehicle",
                 5: "motor_vehicle", 7: "motor_vehicle"}  # fmt: skip
OBJECT = {  # kind → (list key, object key, id field, type code, time field, crop image Type)
    "motor_vehicle": ("MotorVehicleListObject", "MotorVehicleObject", "MotorVehicleID", "02", "PassTime",
                      "09"),
    "non_motor_vehicle": ("NonMotorVehicleListObject", "NonMotorVehicleObject", "NonMotorVehicleID", "03",
                          "AppearTime", "12"),
    "person": ("PersonListObject", "PersonObject", "PersonID", "01", "PersonAppearTime", "10"),
    "face": ("FaceListObject", "FaceObject", "FaceID", "06", "ShotTime", "11"),
}  # fmt: skip
_serial = itertools.count(1)


@dataclass
class Shot:
    """What a record is made from: the best frame, the box, the class, when."""

    device_id: str
    frame: Image
    box: FloatArray
    class_id: int
    shot_at: datetime


def _stamp(when: datetime) -> str:
    return when.strftime("%Y%m%d%H%M%S")


def _jpeg(image: Image) -> str:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    return base64.b64encode(buf.tobytes()).decode() if ok else ""


def _image(
    device_id: str, image: Image, type_code: str, when: datetime, source_id: str, n: int
) -> dict[str, Any]:
    return {
        "ImageID": f"{source_id[:-5]}{(int(source_id[-5:]) + n) % 100000:05d}",
        "EventSort": 4, "DeviceID": device_id, "Type": type_code, "FileFormat": "Jpeg",
        "Width": int(image.shape[1]), "Height": int(image.shape[0]), "ShotTime": _stamp(when),
        "Data": _jpeg(image),
    }  # fmt: skip


def _box_fields(box: FloatArray) -> dict[str, int]:
    x1, y1, x2, y2 = (round(float(v)) for v in box)
    return {"LeftTopX": x1, "LeftTopY": y1, "RightBtmX": x2, "RightBtmY": y2}


def build(kind: str, shot: Shot, fields: dict[str, Any], box: FloatArray | None = None) -> dict[str, Any]:
    """One GA/T 1400 object of ``kind``; fields starting with ``_`` stay internal, except the
    feature, which goes on the crop as ``FeatureInfoObject``."""
    _, _, id_field, type_code, time_field, crop_type = OBJECT[kind]
    serial = next(_serial) % 100000
    source_id = f"{shot.device_id}02{_stamp(shot.shot_at)}{serial:05d}"
    box = shot.box if box is None else box
    crop_image = _image(
        shot.device_id, crop(shot.frame, box, margin=0.05), crop_type, shot.shot_at, source_id, 1
    )
    if "_feature" in fields:
        crop_image["FeatureInfoObject"] = fields["_feature"]
    scene = _image(
        shot.device_id, shot.frame, "14" if kind != "motor_vehicle" else "01", shot.shot_at, source_id, 0
    )
    obj: dict[str, Any] = {
        id_field: f"{source_id}{type_code}{serial:05d}", "InfoKind": 1, "SourceID": source_id,
        "DeviceID": shot.device_id, time_field: _stamp(shot.shot_at), **_box_fields(box),
        **{k: v for k, v in fields.items() if not k.startswith("_")},
        "SubImageList": {"SubImageInfoObject": [scene, crop_image]},
    }  # fmt: skip
    return obj


def describe(shot: Shot, extractors: list[Extractor]) -> dict[str, list[dict[str, Any]]]:
    """Run the extractors that apply and build the objects, by kind (a person may also give a face)."""
    kind = KIND_OF_CLASS.get(shot.class_id)
    if kind is None:
        return {}
    fields: dict[str, Any] = {}
    face: dict[str, Any] = {}
    subject = Subject(kind, shot.frame, shot.box, shot.class_id)
    for extractor in extractors:
        if kind not in extractor.kinds:
            continue
        found = extractor.extract(subject)
        (face if extractor.name == "face" else fields).update(found)
    out = {kind: [build(kind, shot, fields)]}
    if face:
        x, y, w, h = face["_face_box"]
        head = _face_box_in_frame(shot.box, (x, y, w, h))
        out["face"] = [build("face", shot, face, head)]
    return out


def _face_box_in_frame(person: FloatArray, xywh: tuple[float, float, float, float]) -> FloatArray:
    """The face extractor works on the head crop (upper 60 % grown by 20 %): map its box back."""
    x1, y1, x2, y2 = (float(v) for v in person)
    side = max(y2 - y1, x2 - x1) * 0.6
    left, top = x1 - 0.1 * (x2 - x1), y1 - 0.1 * side
    x, y, w, h = xywh
    return np.array(
        [max(left, 0) + x, max(top, 0) + y, max(left, 0) + x + w, max(top, 0) + y + h], np.float32
    )
