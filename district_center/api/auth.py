"""Back-office login: ``POST /api/v1/auth/token`` → bearer token; ``GET /api/v1/auth/me``; logout."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError

from casework.clock import iso_z
from district_center.api.deps import CenterDep, CurrentUser, read_body, require_user
from district_center.api.problems import ProblemError, Refused, problem_responses
from district_center.api.schemas import MeOut, TokenIn, TokenOut, request_body
from district_center.db.models import User
from district_center.services.users.accounts import AuthError, login, logout

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
_bearer = HTTPBearer(auto_error=False)


@router.post(
    "/token",
    response_model=TokenOut,
    openapi_extra=request_body(TokenIn),
    responses=problem_responses(400, 401, 413),
)
async def token(request: Request, center: CenterDep) -> dict[str, Any]:
    try:
        creds = TokenIn.model_validate_json(await read_body(request, 16 * 1024))
    except ValidationError:
        raise Refused("center.users.credentials_required") from None

    def run() -> dict[str, Any]:
        refused: AuthError | None = None
        with center.db.session() as s:
            try:
                value, expires = login(
                    s, creds.username, creds.password, minutes=center.settings.token_minutes
                )
            except AuthError as exc:
                refused = exc  # commit the failed-attempt counter, then refuse
            else:
                user = s.query(User).filter(User.username == creds.username).one()
                return {
                    "access_token": value,
                    "token_type": "bearer",
                    "expires_at": iso_z(expires),
                    "username": user.username,
                    "roles": list(user.roles),
                    "department": user.department,
                }
        raise ProblemError(401, "login_failed", refused.text("zh_CN") if refused else "")

    return await run_in_threadpool(run)


@router.get("/me", response_model=MeOut, responses=problem_responses(401, 403))
def me(user: Annotated[CurrentUser, Depends(require_user())]) -> dict[str, Any]:
    return {"username": user.username, "roles": list(user.roles), "department": user.department}


@router.post("/logout", status_code=204, responses=problem_responses(401, 403))
def do_logout(
    user: Annotated[CurrentUser, Depends(require_user())],
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    center: CenterDep,
) -> None:
    if creds is not None:
        with center.db.session() as s:
            logout(s, creds.credentials)
