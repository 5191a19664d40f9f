"""Where the station passphrase and the admin password come from: terminal, environment, or a file.

Interactive use asks with ``getpass``. For tests, demos and scripted deployment:

- ``STATION_PASSPHRASE`` / ``STATION_ADMIN_SECRET`` — the secret itself in the environment;
- ``STATION_PASSPHRASE_FILE`` / ``STATION_ADMIN_SECRET_FILE`` (or ``--passphrase-file`` /
  ``--admin-secret-file``) — a file whose first line is the secret.

Hazard: a secret in a file or in the environment sits next to the data it protects; a thief who takes the
laptop takes it too, and worker PINs then fall to offline guessing. Use these only for demos, tests and
scripted set-up, and delete the file afterwards. On a real station the admin types the passphrase at start-up.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from casework import messages
from storage.errors import StorageError

ENV_PASSPHRASE = "STATION_PASSPHRASE"
ENV_PASSPHRASE_FILE = "STATION_PASSPHRASE_FILE"
ENV_ADMIN_SECRET = "STATION_ADMIN_SECRET"
ENV_ADMIN_SECRET_FILE = "STATION_ADMIN_SECRET_FILE"


def read_secret_file(path: str | Path) -> str:
    """First line of ``path`` without its line ending."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise StorageError("storage.secret_file_unreadable", path=str(path), detail=str(exc)) from exc
    return text.splitlines()[0] if text else ""


def get_secret(
    *,
    what_code: str,
    env_name: str,
    env_file_name: str,
    file: str | None = None,
    confirm: bool = False,
    env: Mapping[str, str] | None = None,
) -> str:
    """The secret from ``file``, then ``$env_file_name``, then ``$env_name``, then the terminal (getpass).

    ``what_code`` is the message code naming the secret (prompts and errors). Raises :class:`StorageError`
    when nothing is available and stdin is not a terminal."""
    e = os.environ if env is None else env
    if file:
        return read_secret_file(file)
    if e.get(env_file_name):
        return read_secret_file(e[env_file_name])
    if e.get(env_name):
        return e[env_name]
    if not sys.stdin.isatty():
        raise StorageError(
            "storage.secret_missing",
            what_code=what_code,
            env_name=env_name,
            env_file_name=env_file_name,
            detail=f"{env_name} not set and stdin is not a terminal",
        )
    what = messages.text(what_code)
    first = getpass.getpass(f"{what}: ")
    if confirm and getpass.getpass(messages.text("storage.secret_again", {"what_code": what_code})) != first:
        raise StorageError("storage.secret_mismatch", what_code=what_code)
    return first


def station_passphrase(
    file: str | None = None, *, confirm: bool = False, env: Mapping[str, str] | None = None
) -> str:
    return get_secret(
        what_code="storage.what.station_passphrase",
        env_name=ENV_PASSPHRASE,
        env_file_name=ENV_PASSPHRASE_FILE,
        file=file,
        confirm=confirm,
        env=env,
    )


def admin_secret(
    file: str | None = None, *, confirm: bool = False, env: Mapping[str, str] | None = None
) -> str:
    return get_secret(
        what_code="storage.what.admin_secret",
        env_name=ENV_ADMIN_SECRET,
        env_file_name=ENV_ADMIN_SECRET_FILE,
        file=file,
        confirm=confirm,
        env=env,
    )
