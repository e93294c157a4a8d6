"""Satisfaction figures: the rating rate and the Decision 766 satisfaction figure.

- **Satisfaction rate** (of ratings) = (very satisfied + satisfied) ÷ all ratings, per official,
  counter, queue service, procedure, center and period.
- **766 satisfaction** = 100 % − (late rate + complaint rate), over the dossiers whose result
  came out in the period (D):
  late rate = dossiers of D late for 766 (:func:`motcua.dossiers.indicators.late_766_q`) ÷ D;
  complaint rate = dossiers of D with a "dissatisfied" rating or a complaint ÷ D.
  The two rates are added as the decision writes them (a dossier both late and complained
  about counts in both); the result is never below 0. No dossier in D: no figure (None).
See docs/feedback.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Exists, OuterRef

from motcua.dossiers.indicators import late_766_q, processed_between
from motcua.feedback.models import Feedback, Rating, Score


def percent(part: int, whole: int) -> float | None:
    """part ÷ whole in percent, rounded half up to one decimal; None when whole is 0."""
    if not whole:
        return None
    value = Decimal(part) * 100 / Decimal(whole)
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Satisfaction766:
    dossiers: int  # D: results in the period
    late: int
    complained: int  # a dissatisfied rating or a complaint
    late_rate: float | None
    complaint_rate: float | None
    satisfaction: float | None


def satisfaction_766_from_counts(*, dossiers: int, late: int, complained: int) -> Satisfaction766:
    """The pure formula (tested against a hand-computed fixture)."""
    if not dossiers:
        return Satisfaction766(0, 0, 0, None, None, None)
    late_rate = Decimal(late) * 100 / Decimal(dossiers)
    complaint_rate = Decimal(complained) * 100 / Decimal(dossiers)
    value = max(Decimal(0), Decimal(100) - late_rate - complaint_rate)
    one = Decimal("0.1")
    return Satisfaction766(
        dossiers=dossiers,
        late=late,
        complained=complained,
        late_rate=float(late_rate.quantize(one, rounding=ROUND_HALF_UP)),
        complaint_rate=float(complaint_rate.quantize(one, rounding=ROUND_HALF_UP)),
        satisfaction=float(value.quantize(one, rounding=ROUND_HALF_UP)),
    )


def satisfaction_766(
    *, center_ids: list[int] | None, start: datetime, end: datetime
) -> Satisfaction766:
    """The 766 satisfaction figure of some centers (None: all) for results in [start, end)."""
    base = processed_between(center_ids=center_ids, start=start, end=end)
    dissatisfied = Rating.objects.filter(dossier=OuterRef("pk"), score=Score.DISSATISFIED)
    complaint = Feedback.objects.filter(
        dossier=OuterRef("pk"), category=Feedback.Category.COMPLAINT
    )
    dossiers = base.count()
    late = base.filter(late_766_q()).count()
    complained = base.filter(Exists(dissatisfied) | Exists(complaint)).count()
    return satisfaction_766_from_counts(dossiers=dossiers, late=late, complained=complained)
