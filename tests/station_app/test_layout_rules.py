"""The size rules the screens follow: when the desk's sections go along the bottom, the kiosk's text scale."""

from __future__ import annotations

import pytest

from station_app.config import KIOSK_LARGE_SCALE, KIOSK_STANDARD_SCALE
from station_app.screens.kiosk import kiosk_scale
from station_app.screens.nav import uses_bottom_bar


@pytest.mark.parametrize(
    ("width", "height", "scale", "bottom"),
    [
        (1366, 768, 1.0, False),  # a laptop at the usual size: the rail
        (1366, 768, 1.5, True),  # 150 % on the same screen: the rail would run off the bottom
        (1280, 860, 1.15, False),
        (800, 1280, 1.0, True),  # a portrait tablet
        (None, None, 1.5, False),  # not reported yet: a desk screen
    ],
)
def test_the_sections_go_along_the_bottom_when_narrow_or_short(
    width: float | None, height: float | None, scale: float, bottom: bool
) -> None:
    assert uses_bottom_bar(width, height, scale) is bottom


def test_kiosk_text_is_18_dp_or_more_and_30_at_large() -> None:
    assert 18 * kiosk_scale(1.0, False) == pytest.approx(23.4)
    assert 18 * kiosk_scale(1.0, True) == pytest.approx(30)
    assert kiosk_scale(1.5, False) == 1.5, "a larger station setting wins"
    assert kiosk_scale(1.5, True) == KIOSK_LARGE_SCALE > KIOSK_STANDARD_SCALE
