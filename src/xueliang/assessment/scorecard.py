"""项目绩效评价: a 100-point table of categories and indicators for a funded project. Items linked
to a platform indicator are scored from the city-wide value of the period (full points at the
target, proportionally below it); the others are scored by hand. Grades: 优秀 ≥ 90, 良好 80–89,
中 60–79, 差 < 60."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from xueliang.assessment.compute import compute
from xueliang.assessment.contractor import ContractorFeed
from xueliang.assessment.enums import Direction, SubjectType, grade
from xueliang.assessment.indicators import BY_CODE
from xueliang.assessment.models import Scorecard
from xueliang.assessment.periods import Period
from xueliang.assessment.schemas import ScorecardInput, ScorecardLine, ScorecardOut
from xueliang.audit import service as audit
from xueliang.auth.principal import Principal
from xueliang.core.config import Settings
from xueliang.core.db import utcnow
from xueliang.core.exceptions import InvalidInputError, NotFoundError

T = SubjectType
POINTS_TOLERANCE = 1e-6


def validate(data: ScorecardInput) -> None:
    Period.parse(data.period)
    total = sum(item.points for item in data.items)
    if abs(total - 100.0) > POINTS_TOLERANCE:
        raise InvalidInputError(
            f"scorecard {data.name!r}: points sum to {total:g}, not 100", field="items", scorecard=data.name
        )
    for item in data.items:
        indicator = BY_CODE.get(item.indicator or "")
        if item.indicator and (indicator is None or not {T.town, T.contractor} & set(indicator.subjects)):
            raise InvalidInputError(
                f"scorecard {data.name!r}: no city-wide indicator {item.indicator!r}", field="items"
            )
        if item.indicator and item.target is None:
            raise InvalidInputError(f"scorecard {data.name!r}: {item.name!r} needs a target", field="items")
        if item.manual_score is not None and item.manual_score > item.points:
            raise InvalidInputError(
                f"scorecard {data.name!r}: {item.name!r} scores above its points", field="items"
            )


def city_values(
    *, db: Session, settings: Settings, period: Period, codes: list[str], feed: ContractorFeed | None = None
) -> dict[str, float | None]:
    """City-wide values in the indicators' display units (% for rates): incidents of every town
    together; contractor figures summed over the contractors."""
    tz = ZoneInfo(settings.timezone)
    out: dict[str, float | None] = {}
    for subject_type in (T.city, T.contractor):
        own = [c for c in codes if (T.contractor in BY_CODE[c].subjects) == (subject_type is T.contractor)]
        if not own:
            continue
        sample = "orders_due" if subject_type is T.contractor else "due_close"
        computed = compute(
            db=db,
            subject_type=subject_type,
            period=period,
            tz=tz,
            codes=own,
            sample_measure=sample,
            feed=feed,
        )
        for code in own:
            cells = [values[code] for values in computed.values.values()]
            if BY_CODE[code].kind == "ratio":
                num = sum(c.numerator or 0 for c in cells)
                den = sum(c.denominator or 0 for c in cells)
                out[code] = None if den == 0 else round(100.0 * num / den, 2)
            else:
                out[code] = cells[0].value if cells else None
    return out


def _line(item: ScorecardLine, value: float | None) -> ScorecardLine:
    if item.manual_score is not None:
        return item.model_copy(update={"score": item.manual_score, "source": "manual", "actual": value})
    if item.indicator is None or value is None or item.target is None:
        return item.model_copy(update={"score": 0.0, "source": "missing", "actual": value})
    if BY_CODE[item.indicator].direction is Direction.up:
        share = min(1.0, value / item.target)
    else:
        share = 1.0 if value <= item.target else max(0.0, item.target / value)
    return item.model_copy(
        update={"score": round(item.points * share, 2), "source": "platform", "actual": value}
    )


def score(
    *, db: Session, settings: Settings, card: Scorecard, feed: ContractorFeed | None = None
) -> ScorecardOut:
    items = [ScorecardLine.model_validate(item) for item in card.items]
    codes = sorted({i.indicator for i in items if i.indicator and i.manual_score is None})
    values = city_values(db=db, settings=settings, period=Period.parse(card.period), codes=codes, feed=feed)
    lines = [_line(item, values.get(item.indicator or "")) for item in items]
    total = round(sum(line.score or 0.0 for line in lines), 1)
    zh, en = grade(total)
    return ScorecardOut(
        id=card.id,
        name=card.name,
        project=card.project,
        period=card.period,
        lines=lines,
        total=total,
        grade=zh,
        grade_en=en,
        created_at=card.created_at,
        updated_at=card.updated_at,
    )


def list_cards(*, db: Session) -> list[Scorecard]:
    return list(db.scalars(select(Scorecard).order_by(Scorecard.id.desc())))


def get_or_raise(*, db: Session, card_id: int) -> Scorecard:
    card = db.get(Scorecard, card_id)
    if card is None:
        raise NotFoundError(f"no scorecard {card_id}")
    return card


def save(
    *, db: Session, principal: Principal, data: ScorecardInput, card: Scorecard | None = None
) -> Scorecard:
    validate(data)
    card = card or Scorecard()
    card.name, card.project, card.period = data.name, data.project, Period.parse(data.period).label
    card.items = [item.model_dump() for item in data.items]
    card.updated_at = utcnow()
    db.add(card)
    db.flush()
    audit.record(
        db=db,
        actor=principal,
        action="assessment.scorecard.save",
        object_type="assessment_scorecard",
        object_id=card.id,
        request={"name": card.name, "period": card.period},
    )
    return card


# A starting template (财政项目绩效评价: 决策 / 过程 / 产出 / 效益), filled from platform data where it can.
TEMPLATE: list[dict[str, object]] = [
    {"category": "决策", "name": "立项依据充分性", "points": 10},
    {"category": "决策", "name": "绩效目标合理性", "points": 10},
    {"category": "过程", "name": "资金使用合规性", "points": 10},
    {"category": "过程", "name": "设备在线率", "points": 10, "indicator": "availability", "target": 95},
    {"category": "产出", "name": "事件结案率", "points": 10, "indicator": "closure_rate", "target": 95},
    {
        "category": "产出",
        "name": "按期结案率",
        "points": 10,
        "indicator": "closure_on_time_rate",
        "target": 90,
    },
    {
        "category": "产出",
        "name": "工单按时完成率",
        "points": 10,
        "indicator": "work_order_on_time_rate",
        "target": 90,
    },
    {"category": "效益", "name": "回访满意率", "points": 15, "indicator": "satisfaction_rate", "target": 90},
    {"category": "效益", "name": "返工率", "points": 5, "indicator": "rework_rate", "target": 5},
    {"category": "效益", "name": "社会公众满意度", "points": 10},
]
