"""A station worker (工作人员) as the station service knows them: number, name, role."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Worker"]


@dataclass
class Worker:
    id: str
    name: str
    role: str = "worker"  # "admin" or "worker"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"
