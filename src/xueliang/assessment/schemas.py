"""Assessment API models: the indicator catalogue, plans, adjustments, runs and results, the input
rows (patrol days, contractor months) and project scorecards."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from xueliang.assessment.enums import Direction, PeriodKind, SubjectType, Unit


class IndicatorOut(BaseModel):
    code: str
    zh: str
    en: str
    kind: str
    numerator: str
    denominator: str | None
    numerator_zh: str
    denominator_zh: str | None
    direction: Direction
    unit: Unit
    subjects: list[SubjectType]
    stat: str
    formula: str


class FeeRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    indicator: str
    target: float = Field(ge=0, le=100, description="Target in %; below it the fee is cut")
    per_point: float = Field(ge=0, le=100, description="% of the fee deducted per point below target")
    cap: float = Field(ge=0, le=100, description="At most this % of the fee for this rule")


class PlanConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sample_measure: str | None = Field(None, description="Measure counted against min_sample")
    fee_rules: list[FeeRule] | None = Field(None, description="Contractor plans: fee deduction rules")


class AssessmentPlanInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=200)
    subject_type: SubjectType
    period_kind: PeriodKind
    weights: dict[str, float] = Field(description="Indicator code → weight in %; the weights sum to 100")
    min_sample: int = Field(10, ge=0, le=1_000_000)
    active: bool = True
    config: PlanConfig = Field(default_factory=PlanConfig)


class PlanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    name: str
    subject_type: SubjectType
    period_kind: PeriodKind
    weights: dict[str, float]
    min_sample: int
    active: bool
    config: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class AdjustmentInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    period: str = Field(max_length=8)
    subject_key: str = Field(min_length=1, max_length=64)
    points: float = Field(ge=-100, le=100, description="Points added to the subject's score")
    reason: str = Field(min_length=2, max_length=2000)


class AdjustmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    plan_id: int
    period: str
    subject_key: str
    points: float
    reason: str
    by_name: str
    at: datetime


class GenerateInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    period: str = Field(max_length=8, description="2026-03, 2026-Q1 or 2026")


class RunOut(BaseModel):
    id: int
    plan_id: int
    plan_code: str
    plan_name: str
    subject_type: SubjectType
    period: str
    trigger: str
    generated_at: datetime
    generated_by: str
    subjects: int
    empty: bool
    weights: dict[str, float]
    seconds: float


class ResultOut(BaseModel):
    subject_key: str
    subject_name: str
    values: dict[str, dict[str, Any]]
    sample: int
    status: str
    raw_score: float | None
    adjustment: float
    score: float | None
    rank: int | None
    previous_score: float | None
    previous_rank: int | None
    change: float | None = Field(description="score − previous score")
    rank_change: int | None = Field(description="previous rank − rank (positive: moved up)")
    grade: str | None


class DeductionOut(BaseModel):
    contractor_code: str
    contractor_name: str
    indicator: str
    actual: float | None
    target: float
    shortfall: float
    deduction_pct: float
    fee: float
    deduction: float


class HistoryPoint(BaseModel):
    period: str
    average: float | None
    subjects: int


class ReportOut(BaseModel):
    run: RunOut
    indicators: list[IndicatorOut]
    rows: list[ResultOut]
    deductions: list[DeductionOut]
    history: list[HistoryPoint]
    adjustments: list[AdjustmentOut]


class PatrolDayInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_id: int
    grid_id: int
    day: date
    duration_s: float = Field(0, ge=0)
    distance_m: float = Field(0, ge=0)
    checkins: int = Field(0, ge=0)


class ContractorMonthInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    contractor_code: str = Field(min_length=1, max_length=64)
    contractor_name: str = Field("", max_length=200)
    month: date = Field(description="Any day of the month")
    devices: int = Field(0, ge=0)
    device_hours: float = Field(ge=0)
    online_hours: float = Field(ge=0)
    orders_due: int = Field(ge=0)
    orders_on_time: int = Field(ge=0)
    monthly_fee: float = Field(0, ge=0)


class ScorecardItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=200)
    points: float = Field(gt=0, le=100, description="The most this item can score")
    indicator: str | None = Field(None, description="Filled from this platform indicator (city-wide)")
    target: float | None = Field(None, gt=0, description="Target of the indicator in its unit (% for rates)")
    manual_score: float | None = Field(None, ge=0, description="Score given by hand (items without data)")
    note: str = Field("", max_length=500)


class ScorecardInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    project: str = Field("", max_length=200)
    period: str = Field(max_length=8)
    items: list[ScorecardItem] = Field(min_length=1, max_length=200)


class ScorecardLine(ScorecardItem):
    actual: float | None = None
    score: float | None = None
    source: str = "manual"  # platform | manual | missing


class ScorecardOut(BaseModel):
    id: int
    name: str
    project: str
    period: str
    lines: list[ScorecardLine]
    total: float
    grade: str
    grade_en: str
    created_at: datetime
    updated_at: datetime
