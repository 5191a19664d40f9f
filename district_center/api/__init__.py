"""HTTP routers. ``create_app`` includes every module in :data:`ROUTER_MODULES`, in order.

Each module exposes ``router: fastapi.APIRouter``. To plug in a router, append its module name here
(``district_center.api.<name>``); nothing else needs to change. Shared dependencies for routers:
``district_center.api.deps`` (``signed_station``, ``require_user``, ``center``).
"""

ROUTER_MODULES: list[str] = [
    "health",
    "enroll",
    "cases",
    "attachments",
    "feed",
    "search_misses",
    "notices",
    "pull",
    "auth",
    "catalog",
    "backoffice",
]
