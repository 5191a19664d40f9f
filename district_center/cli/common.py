"""Options every center command shares: ``--config`` and ``--data-dir`` layered over ``CENTER_*``."""

from __future__ import annotations

import argparse
from typing import Any

from casework import messages
from district_center.db.engine import Database
from district_center.settings import Settings, SettingsError, load_settings


def add_settings_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", metavar="FILE", help="settings file (TOML or JSON; default $CENTER_CONFIG)"
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="center data directory (default: data_dir of --config, else "
        "$CENTER_DATA_DIR, else ./.center-data)",
    )


def refusal(code: str, /, **params: Any) -> SystemExit:
    """The exit of a refused command: status 1 with the message of ``code`` (Simplified Chinese, the
    district's language) on stderr::

        raise refusal("center.cli.same_store")
    """
    return SystemExit(messages.text(code, params, "zh_CN"))


def settings_from(args: argparse.Namespace, **overrides: Any) -> Settings:
    try:
        return load_settings(
            getattr(args, "config", None), data_dir=getattr(args, "data_dir", None), **overrides
        )
    except SettingsError as exc:
        raise refusal("center.cli.bad_settings", problem=str(exc)) from None


def open_database(settings: Settings, *, migrate: bool = True) -> Database:
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    db = Database(settings.database_url, pool_size=2)
    if migrate:
        db.upgrade()
    from district_center.services.vault import open_vault

    db.vault = open_vault(settings, db)
    return db
