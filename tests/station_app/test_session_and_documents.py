"""Session routing, idle lock and kiosk reset (documents: test_documents.py)."""

from __future__ import annotations

from dataclasses import dataclass

from station_app.viewmodels.session import SessionState, Worker


@dataclass
class FakeSettings:  # the two settings SessionState reads; the store-backed service is tested elsewhere
    set_up: bool = True
    idle: int = 300

    def is_set_up(self) -> bool:
        return self.set_up

    def idle_lock_seconds(self) -> int:
        return self.idle


def test_routes_need_a_worker_and_admin_pages_need_an_admin():
    s = SessionState(FakeSettings())
    assert s.start_route() == "unlock"
    assert s.guard("cases") == "unlock"
    s.sign_in(Worker("02", "王芳"))
    assert s.guard("cases") == "cases"
    assert s.guard("workers") == "home"
    s.sign_in(Worker("01", "管理员", "admin"))
    assert s.guard("workers") == "workers"
    assert SessionState(FakeSettings(set_up=False)).guard("home") == "setup"


def test_idle_lock_after_the_configured_time_clears_the_worker_and_input():
    s = SessionState(FakeSettings(idle=120))
    s.sign_in(Worker("02", "王芳"))
    s.scratch["guide_query"] = "gljt"
    assert s.idle_action(119) is None
    assert s.idle_action(120) == "lock"
    s.lock()
    assert s.worker is None and s.scratch == {}
    assert s.guard("home") == "unlock"


def test_kiosk_cannot_reach_desk_screens_and_resets_after_inactivity():
    s = SessionState(FakeSettings())
    s.sign_in(Worker("02", "王芳"))
    s.enter_kiosk()
    assert s.worker is None, "no worker session behind the kiosk: no case data reachable"
    for route in ("home", "cases", "case", "intake", "sync", "settings", "workers"):
        assert s.guard(route) == "kiosk"
    assert s.guard("kiosk_preapply") == "kiosk_preapply"
    assert s.idle_action(10_000) is None, "nothing typed: nothing to reset"
    s.scratch["dirty"] = True
    assert s.idle_action(s.kiosk_reset_seconds) == "kiosk_reset"
    s.kiosk_reset()
    assert s.scratch == {}
    s.leave_kiosk(Worker("02", "王芳"))
    assert s.guard("cases") == "cases"


def test_the_kiosk_large_text_choice_is_wiped_by_the_idle_reset():
    """大字 is one resident's choice: the next resident finds 标准 again, even if nothing was typed."""
    s = SessionState(FakeSettings())
    s.enter_kiosk()
    s.set_kiosk_large_text(True)
    assert s.idle_action(s.kiosk_reset_seconds - 1) is None
    assert s.idle_action(s.kiosk_reset_seconds) == "kiosk_reset"
    s.kiosk_reset()
    assert s.kiosk_large_text is False and s.scratch == {}
    s.set_kiosk_large_text(False)
    assert s.idle_action(10_000) is None, "back to 标准 with nothing typed: nothing to reset"
