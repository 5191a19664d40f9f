"""Envelope encryption of personal data in the center database (keys: :mod:`.kek`, :mod:`.keyring`;
sealing and blind indexes: :mod:`.vault`). :func:`open_vault` builds one from the settings."""

from __future__ import annotations

from pathlib import Path

from district_center.db.engine import Database
from district_center.services.vault.kek import (
    KekError,
    KeyEncryptionKey,
    kek_from_hook,
    kek_from_text,
    load_or_create_kek,
)
from district_center.services.vault.keyring import Keyring
from district_center.services.vault.vault import Vault
from district_center.settings import Settings

__all__ = ["KEK_FILE", "KekError", "Keyring", "Vault", "current_kek", "open_vault"]

KEK_FILE = "center-kek.key"


def current_kek(settings: Settings) -> KeyEncryptionKey:
    """The KEK the settings name: the KMS hook, else ``kek`` (``CENTER_KEK``), else the KEK file."""
    if settings.kms_hook:
        return kek_from_hook(settings.kms_hook)
    if settings.kek:
        return kek_from_text(settings.kek, source="CENTER_KEK")
    return load_or_create_kek(Path(settings.kek_file or settings.data_dir / KEK_FILE))


def open_vault(settings: Settings, db: Database) -> Vault:
    previous = [
        load_or_create_kek(Path(p), create=False) for p in settings.kek_previous.split(",") if p.strip()
    ]
    return Vault(Keyring(db, current_kek(settings), previous)).prepare()
