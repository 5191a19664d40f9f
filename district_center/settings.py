"""District center settings: defaults → a TOML/JSON file → ``CENTER_*`` environment variables.

    settings = load_settings()                       # defaults, ./center.toml if CENTER_CONFIG is unset
    settings = load_settings("center.toml")          # file layered over defaults, env over the file
    settings = Settings(data_dir=tmp).resolved()     # tests: plain values, no file, no environment

Every field can be set in the file (same name) or as ``CENTER_<FIELD>`` (``CENTER_DATA_DIR``,
``CENTER_DATABASE_URL``, ``CENTER_MAX_ATTACHMENT_BYTES`` …). ``database_url`` empty means the embedded SQLite
database ``<data_dir>/center.sqlite3``; ``blob_dir`` empty means ``<data_dir>/blobs``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

ENV_PREFIX = "CENTER_"
DEFAULT_DATA_DIR = ".center-data"
MB = 1024 * 1024


class SettingsError(ValueError):
    """A setting that cannot be used; the message names the setting."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path(DEFAULT_DATA_DIR)
    database_url: str = ""
    blob_dir: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8700
    public_url: str = ""
    """URL stations use to reach this center (goes into the enrollment QR code)."""
    district_code: str = ""
    district_name: str = ""
    max_attachment_bytes: int = 50 * MB
    max_chunk_bytes: int = 8 * MB
    max_request_bytes: int = 16 * MB
    skew_seconds: int = 300
    enrollment_code_hours: int = 24
    token_minutes: int = 8 * 60
    followup_working_days: int = 3
    """差评回访整改 deadline in working days (a district rule)."""
    feed_page_limit: int = 500
    auto_migrate: bool = True
    log_level: str = "INFO"
    db_pool_size: int = 10
    kek: str = ""
    """The key-encryption key as base64 (usually ``CENTER_KEK``); empty: the KEK file."""
    kek_file: Path | None = None
    """Default ``<data_dir>/center-kek.key`` (created 0600 on first start)."""
    kek_previous: str = ""
    """Comma-separated KEK files retired by a rotation, still accepted until the re-wrap job ran."""
    blob_store: str = "local"
    """``local`` (encrypted files in ``blob_dir``, one instance) or ``s3`` (instances share a bucket)."""
    s3_endpoint: str = ""
    s3_bucket: str = "center-blobs"
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_region: str = "us-east-1"
    s3_prefix: str = ""
    jobs_tick_seconds: int = 60
    """How often this instance looks for due periodic jobs (0: never; ``services.jobs``)."""
    upload_session_days: int = 7
    """An upload not completed for this many days is dropped by the blob GC job."""
    blob_grace_days: int = 7
    """A verified blob no case references is deleted by the blob GC job once it stayed unreferenced, and no
    station completed an upload of it, for this many days (a station uploads scans before it pushes the
    case that names them; ``services.attachments.gc``)."""
    instance_name: str = ""
    """Names this process in ``job_runs`` and logs (default host:pid)."""
    kms_hook: str = ""
    """``module:callable`` returning a KEK object (wrap/unwrap/key_id), e.g. a KMS client adapter."""
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Unknown keys from the settings file, kept for other components."""

    def resolved(self) -> Settings:
        """Absolute paths and the derived defaults filled in."""
        data_dir = Path(self.data_dir).expanduser().resolve()
        blob_dir = Path(self.blob_dir or data_dir / "blobs").expanduser().resolve()
        url = self.database_url or f"sqlite:///{data_dir / 'center.sqlite3'}"
        public = self.public_url or f"http://{self.host}:{self.port}"
        return dataclasses.replace(
            self, data_dir=data_dir, blob_dir=blob_dir, database_url=url, public_url=public.rstrip("/")
        )

    @property
    def is_sqlite(self) -> bool:
        return self.resolved().database_url.startswith("sqlite")

    @property
    def public_keys_file(self) -> Path:
        return self.data_dir / "district-keys.pub.json"


def _coerce(name: str, kind: Any, value: Any) -> Any:
    text = value if isinstance(value, str) else None
    try:
        if kind in (int, "int"):
            if isinstance(value, bool):
                raise ValueError
            return int(value)
        if kind in (bool, "bool"):
            if isinstance(value, bool):
                return value
            if text is not None and text.lower() in ("1", "true", "yes", "on"):
                return True
            if text is not None and text.lower() in ("0", "false", "no", "off", ""):
                return False
            raise ValueError
        if kind in (Path, "Path", "Path | None"):
            return Path(str(value)) if value not in (None, "") else None
        return str(value)
    except (TypeError, ValueError):
        raise SettingsError(f"setting {name}: cannot use {value!r}") from None


def _read_file(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SettingsError(f"cannot read settings file {path}: {exc.strerror}") from None
    try:
        data = json.loads(raw) if path.suffix == ".json" else tomllib.loads(raw.decode("utf-8"))
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"settings file {path} is not valid: {exc}") from None
    if not isinstance(data, dict):
        raise SettingsError(f"settings file {path} must hold a table/object")
    section = data.get("center", data)
    return dict(section) if isinstance(section, dict) else {}


def load_settings(
    config_file: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Layer defaults, the file (``config_file`` or ``$CENTER_CONFIG``), the environment, ``overrides``."""
    env = os.environ if env is None else env
    known = {f.name: f.type for f in fields(Settings) if f.name != "extra"}
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    path = config_file or env.get(f"{ENV_PREFIX}CONFIG")
    if path:
        for key, value in _read_file(Path(path)).items():
            if key in known:
                values[key] = _coerce(key, known[key], value)
            else:
                extra[key] = value
    for key, kind in known.items():
        env_value = env.get(ENV_PREFIX + key.upper())
        if env_value is not None:
            values[key] = _coerce(key, kind, env_value)
    for key, value in overrides.items():
        if value is None:
            continue
        if key not in known:
            raise SettingsError(f"unknown setting {key}")
        values[key] = _coerce(key, known[key], value)
    if values.get("data_dir") is None:
        values.pop("data_dir", None)
    return Settings(**values, extra=extra).resolved()
