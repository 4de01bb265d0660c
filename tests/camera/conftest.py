"""Camera test data: a tiny synthetic-city folder in the `xueliang sim city` format."""

from __future__ import annotations

from pathlib import Path

import pytest

FACE = "99010100001320000001"
ORDINARY = "99010100001320000002"
SOCIAL = "99010200001320800003"
LEGACY = "99010100001310400004"
CHECKPOINT = "99010100051320100005"
TOLLGATE = "99010100051210000001"

HEADER = (
    "device_id,name,kind,type_code,owner,lon,lat,grid_code,community_code,town_code,department_code,"
    "tollgate_id,direction,lanes\n"
)
CAMERAS = (
    HEADER
    + f"""{FACE},步行街face,face,132,public,112.42,28.63,990101001202004,990101001202,990101001000,P01001,,,0
{ORDINARY},广场ordinary,ordinary,132,public,112.43,28.61,990101001202004,990101001202,990101001000,P01001,,,0
{SOCIAL},商场social,ordinary,132,social,112.50,28.50,990102003001001,990102003001,990102003000,P02003,,,0
{LEGACY},监控点legacy,legacy,131,public,112.44,28.62,990101001202004,990101001202,990101001000,P01001,,,0
{CHECKPOINT},卡口camera,checkpoint,132,public,112.07,28.72,990101001203002,990101001203,990101001000,D0002,{TOLLGATE},up,2
1234,broken id,face,132,public,112.0,28.0,,,,,,,0
99010100001320000009,bad lon,face,132,public,999,28.0,,,,,,,0
"""
)
TOLLGATES = f"""tollgate_id,name,kind,lon,lat,node_id,grid_code,place_code,lane_num
{TOLLGATE},入口卡口,entrance,112.07,28.72,4,990101001203002,990101001203,2
"""
LANES = f"""tollgate_id,lane_no,device_id,direction
{TOLLGATE},1,{CHECKPOINT},up
{TOLLGATE},2,{CHECKPOINT},up
99010100051210000099,1,{CHECKPOINT},up
"""
DEPARTMENTS = """department_code,name,kind,parent_code,area_code
D0001,市公安局,public_security,,990100000000
D0002,市公安局交通警察支队,traffic_police,,990100000000
P01001,一区一街派出所,police_station,D0001,990101001000
P02003,二区三街派出所,police_station,D0001,990102003000
"""


@pytest.fixture
def city_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "city"
    folder.mkdir()
    for name, text in {"cameras.csv": CAMERAS, "tollgates.csv": TOLLGATES, "lanes.csv": LANES,
                       "departments.csv": DEPARTMENTS}.items():  # fmt: skip
        (folder / name).write_text(text, encoding="utf-8")
    return folder
