"""工作人员账号 (back-office accounts): the list, and a form that creates one.

``user_admin`` manages. A reviewer works for one 实施主体; the form offers the published catalog's
departments as a list (``accounts.district_departments``), and the service refuses any other value, so a
typo cannot create a reviewer who sees no case. The password is set by the admin and told to the person
in person; it is never shown again or logged.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from district_center.db.models import User
from district_center.services.users.accounts import ROLES, create_user, district_departments

from .sessions import ConsoleUser
from .web import (
    ConsoleError,
    checked_form,
    db_read,
    db_write,
    form_text,
    form_texts,
    redirect,
    render,
    signed_in,
)

#: roles an account admin may grant from the console: the rest reach every department's data
GRANTABLE = tuple(r for r in ROLES if r not in ("supervisor", "user_admin"))

router = APIRouter(prefix="/users")


def _accounts(s: Session) -> dict[str, Any]:
    users = [
        {
            "username": u.username,
            "display_name": u.display_name,
            "roles": list(u.roles),
            "department": u.department or "",
            "disabled": u.disabled,
        }
        for u in s.scalars(select(User).order_by(User.username))
    ]
    return {"users": users, "departments": district_departments(s)}


def _page(request: Request, user: ConsoleUser, data: dict[str, Any], **extra: Any) -> Response:
    return render(request, "users.html", user, title="工作人员账号", roles=GRANTABLE, **data, **extra)


@router.get("")
async def accounts(request: Request) -> Response:
    user = await signed_in(request, "user_admin")
    return _page(request, user, await db_read(request, _accounts))


@router.post("")
async def add(request: Request) -> Response:
    user = await signed_in(request, "user_admin")
    form = await checked_form(request, user)
    username, display = form_text(form, "username", 64), form_text(form, "display_name", 100)
    roles, department = form_texts(form, "role", 32), form_text(form, "department", 200)
    password = form.get("password")
    if set(roles) - set(GRANTABLE):  # supervisors and account admins are made at the server (CLI), not here
        raise ConsoleError("center.console.role_not_grantable", status=403)

    def run(s: Session) -> None:
        try:
            create_user(
                s,
                username,
                password if isinstance(password, str) else "",
                roles,
                department=department or None,
                display_name=display,
                actor=user.actor,
                departments=district_departments(s),
            )
        except ValueError as exc:
            raise ConsoleError(status=400, cause=exc) from None

    await db_write(request, run)
    return redirect(request, "/users", "msg.user_created")
