"""Catalog deltas (目录增量) as the district center publishes them: :mod:`casework.catalog_delta`.

The code is pure and lives in ``casework`` so the station applies deltas with the very same function
(stations cannot import ``district_center``); this module keeps the center's import path.
"""

from __future__ import annotations

from casework.catalog_delta import DeltaError, apply_delta, delta_payload, diff_dict

__all__ = ["DeltaError", "apply_delta", "delta_payload", "diff_dict"]
