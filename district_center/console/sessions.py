"""Console sign-in sessions: server-side, on the users service's tokens, with idle and absolute expiry.

A session *is* a row of ``auth_tokens`` made by
:func:`district_center.services.users.accounts.login` (so lockout after
repeated failures, the audit record and password checks are the service's). The browser holds the token in a
cookie that is ``HttpOnly``, ``SameSite=Strict``, ``Path=/console`` and ``Secure`` when the console is reached
over TLS; the server keeps only its sha256.

Expiry without a new column: the row's ``expires_at`` is the *idle* deadline. Each request slides it to
``now + idle`` (written at most once a minute) but never past ``created_at + absolute``, so a session ends
after :data:`IDLE_MINUTES` without use or :data:`ABSOLUTE_HOURS` after sign-in, whichever comes first.

CSRF: every POST form carries ``csrf = HMAC-SHA256(console key, session token)``; a page without the token (or
with another session's) is refused. The sign-in form, made before there is a session, uses a random value in
a short-lived ``SameSite=Strict`` cookie that the form must echo (double submit).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from district_center.db.models import AuthToken, User
from district_center.services.users.accounts import token_hash

COOKIE = "bmzz_console"
LOGIN_COOKIE = "bmzz_console_login"
IDLE_MINUTES = 30
ABSOLUTE_HOURS = 10
SLIDE_SECONDS = 60


@dataclass(frozen=True, slots=True)
class ConsoleUser:
    id: int
    username: str
    display_name: str
    roles: tuple[str, ...]
    department: str | None
    token: str

    @property
    def actor(self) -> str:
        return f"user:{self.id}"

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)


def csrf_token(key: bytes, session_token: str) -> str:
    return hmac.new(key, b"console-csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


def csrf_ok(key: bytes, session_token: str, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(csrf_token(key, session_token), str(sent))


def new_login_nonce() -> str:
    return secrets.token_urlsafe(24)


def session_user(s: Session, token: str, now: datetime) -> ConsoleUser | None:
    """The signed-in user for a cookie token, sliding the idle deadline; None when absent or expired."""
    row = s.get(AuthToken, token_hash(token))
    if row is None or row.expires_at <= now:
        return None
    user = s.get(User, row.user_id)
    if user is None or user.disabled:
        return None
    limit = row.created_at + timedelta(hours=ABSOLUTE_HOURS)
    if now >= limit:
        s.delete(row)
        return None
    wanted = min(now + timedelta(minutes=IDLE_MINUTES), limit)
    if (wanted - row.expires_at).total_seconds() > SLIDE_SECONDS or wanted < row.expires_at:
        row.expires_at = wanted
    return ConsoleUser(user.id, user.username, user.display_name, tuple(user.roles), user.department, token)
