"""Time limits (办结时限) as the 实施清单 states them: an amount and a unit (工作日 or 自然日)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from casework import messages


class TimeUnit(StrEnum):
    """Unit of a legal or promised time limit."""

    WORKING_DAY = "工作日"
    NATURAL_DAY = "自然日"


@dataclass(frozen=True, slots=True)
class TimeLimit:
    """A time limit such as "承诺办结时限 5 工作日". ``amount == 0`` means 即办 (done on the spot)."""

    amount: int
    unit: TimeUnit = TimeUnit.WORKING_DAY

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise ValueError(f"time limit cannot be negative: {self.amount}")

    def to_dict(self) -> dict[str, int | str]:
        return {"amount": self.amount, "unit": self.unit.value}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> TimeLimit:
        amount = data.get("amount")
        unit = data.get("unit", TimeUnit.WORKING_DAY.value)
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise ValueError(f"time limit amount must be an integer, got {amount!r}")
        try:
            return cls(amount, TimeUnit(str(unit)))
        except ValueError:
            raise ValueError(
                f"unknown time unit {unit!r}; expected one of {[u.value for u in TimeUnit]}"
            ) from None

    def __str__(self) -> str:
        return "即办" if self.amount == 0 else f"{self.amount}个{self.unit.value}"

    def words(self, language: str | None = None) -> str:
        """The limit in ``language`` (default: the current one): "5个工作日", "5 working days", "即办"."""
        if self.amount == 0:
            return messages.text("timelimit.immediate", {}, language)
        return messages.text(f"timelimit.{self.unit.name}", {"amount": self.amount}, language)
