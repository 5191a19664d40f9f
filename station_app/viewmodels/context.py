"""What a browser session's screens reach through their shell: the station's shared services.

The screens are typed against this protocol, never against :mod:`station_app.services` (the layer contract in
``pyproject.toml``): they word and lay out what the view-models prepare, and hand a worker's action to the
service the view-model names. :class:`station_app.services.runtime.StationRuntime` is the implementation the
app wires in; a test may pass anything with these attributes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from station_app.services.cases import CaseRow as CaseRow
from station_app.services.cases import CaseService as CaseService

if TYPE_CHECKING:
    from station_app.services.bundles import BundleService
    from station_app.services.documents import DocumentOutbox
    from station_app.services.search_log import SearchLogService
    from station_app.services.station import StationService


class StationContext(Protocol):
    """The station-wide services one process shares among its browser sessions."""

    @property
    def station(self) -> StationService: ...
    @property
    def cases(self) -> CaseService: ...
    @property
    def bundles(self) -> BundleService: ...
    @property
    def documents(self) -> DocumentOutbox: ...
    @property
    def search_log(self) -> SearchLogService: ...  # 未找到的搜索: record a search that found nothing
    @property
    def board(self) -> Any: ...  # sync.status.StatusBoard: current snapshot, subscribe(callback)

    def sync_now(self) -> Any: ...
    def enroll(self, center_url: str, code: str, *, actor: str) -> Any: ...


__all__ = ["CaseRow", "CaseService", "StationContext"]
