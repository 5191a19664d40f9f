"""First-run set-up (设置站点) and worker unlock (工作人员登录) as plain view-models."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from station_app.i18n import t
from station_app.viewmodels.session import Worker

PIN_RE = re.compile(r"\d{6,12}")


class AuthBackend(Protocol):
    def unlock(self, worker_id: str, pin: str) -> Worker: ...
    def unlock_station(self, secret: str) -> None: ...


def pin_problem(pin: str, confirm: str | None = None) -> str | None:
    """Why a new PIN is not acceptable, in the UI language; ``None`` when it is."""
    if not PIN_RE.fullmatch(pin):
        return t("pin.rule")
    if len(set(pin)) == 1 or pin in "0123456789012" or pin in "9876543210987":
        return t("pin.too_simple")
    if confirm is not None and pin != confirm:
        return t("pin.mismatch")
    return None


@dataclass
class SetupForm:
    station_name: str = ""
    area: str = ""
    admin_name: str = ""
    admin_secret: str = ""
    station_passphrase: str = ""
    admin_pin: str = ""
    admin_pin_confirm: str = ""
    center_url: str = ""
    enrollment_code: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def validate(self) -> bool:
        self.errors = {}
        if not self.station_name.strip():
            self.errors["station_name"] = t("setup.need_name")
        if not self.area.strip():
            self.errors["area"] = t("setup.need_area")
        if not self.admin_name.strip():
            self.errors["admin_name"] = t("setup.need_admin")
        if len(self.admin_secret) < 12:
            self.errors["admin_secret"] = t("setup.admin_secret_rule")
        if len(self.station_passphrase) < 10:
            self.errors["station_passphrase"] = t("setup.passphrase_rule")
        elif self.station_passphrase == self.admin_secret:
            self.errors["station_passphrase"] = t("setup.passphrase_same")
        problem = pin_problem(self.admin_pin, self.admin_pin_confirm)
        if problem:
            self.errors["admin_pin"] = problem
        if bool(self.center_url.strip()) != bool(self.enrollment_code.strip()):
            self.errors["center_url"] = t("setup.need_both")
        if self.center_url.strip() and not re.match(r"https?://", self.center_url.strip()):
            self.errors["center_url"] = t("setup.bad_url")
        return not self.errors


@dataclass
class UnlockForm:
    worker_id: str = ""
    pin: str = ""
    error: str = ""

    def attempt(self, backend: AuthBackend) -> Worker | None:
        """Try the PIN; on failure sets ``error`` to the store's worker-facing message and clears the PIN."""
        self.error = ""
        if not self.worker_id.strip():
            self.error = t("unlock.enter_id")
            return None
        if not self.pin:
            self.error = t("unlock.enter_pin")
            return None
        try:
            worker = backend.unlock(self.worker_id, self.pin)
        except Exception as exc:  # storage errors carry a Chinese message for the worker
            self.error = _message(exc)
            self.pin = ""
            return None
        self.pin = ""
        return worker


def _message(exc: Exception) -> str:
    text = str(exc)
    return text if text else t("unlock.failed")


def describe(worker: Any) -> str:
    return t("unlock.welcome", name=worker.name)


@dataclass
class BootForm:
    """After a restart: the station passphrase (站点口令) or the admin password, once per boot."""

    secret: str = ""
    error: str = ""

    def attempt(self, backend: AuthBackend) -> bool:
        self.error = ""
        if not self.secret:
            self.error = t("boot.enter")
            return False
        try:
            backend.unlock_station(self.secret)
        except Exception as exc:
            self.error = _message(exc)
            return False
        finally:
            self.secret = ""
        return True
