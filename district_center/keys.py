"""District keys (区中心密钥): the Ed25519 catalog-signing key and the X25519 station-recovery key.

Both private keys live in one passphrase-protected key file; the passphrase is never stored. The public halves
go to ``district-keys.pub.json`` in the center's data directory, which enrollment hands to every station::

    keys = generate_keys()
    write_key_file(data_dir / KEY_FILE_NAME, keys, passphrase)
    write_public_file(data_dir, keys)
    ...
    keys = load_key_file(data_dir / KEY_FILE_NAME, passphrase)   # KeyFileError on a wrong passphrase
    envelope = sign_envelope(keys.signing, key_id=keys.key_id, ...)

Key file format (JSON, mode 0600)::

    {"format": "district-keys/v1", "key_id", "created_at", "signing_public_key", "recovery_public_key",
     "kdf": {"name": "argon2id", "salt", "iterations", "lanes", "memory_cost", "length"},
     "cipher": {"name": "aes-256-gcm", "nonce"}, "ciphertext"}

The AES-256-GCM key is derived from the passphrase with Argon2id (RFC 9106 second recommended parameter set:
3 passes, 64 MiB, 4 lanes), and every field except ``ciphertext`` is authenticated as associated data, so a
file whose public keys or KDF parameters were edited does not open. Why not ``BestAvailableEncryption`` PEM:
its KDF and parameters are chosen by the library, not stored where we can read or raise them, it is
PBKDF2-based (not memory-hard), and the two keys would need two files that could drift apart.

Hazards: the passphrase is the only protection of the file; keep an offline copy of the key file (losing it
means stations must re-enroll to trust a new signing key and their recovery slots can no longer be opened).
Key rotation is not implemented: it needs a new ``key_id`` published to stations in a document signed by the
old key (so stations re-pin without re-enrolling), catalog re-signing, and every station re-wrapping its
recovery slot to the new X25519 key on its next sync.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from casework import clock
from casework.errors import DomainError
from sync.protocol import b64decode, b64encode, canonical_json

__all__ = [
    "DEFAULT_KDF",
    "KEY_FILE_FORMAT",
    "KEY_FILE_NAME",
    "PASSPHRASE_ENV",
    "PUBLIC_FILE_NAME",
    "DistrictKeys",
    "KdfParams",
    "KeyFileError",
    "configured_key_file",
    "generate_keys",
    "init_keys",
    "load_key_file",
    "load_public_file",
    "open_district_keys",
    "read_passphrase",
    "write_key_file",
    "write_public_file",
]

KEY_FILE_FORMAT = "district-keys/v1"
KEY_FILE_NAME = "district-keys.key.json"
PUBLIC_FILE_NAME = "district-keys.pub.json"
PASSPHRASE_ENV = "CENTER_KEY_PASSPHRASE"
MIN_PASSPHRASE_LEN = 12


class KeyFileError(DomainError):
    """A key file that cannot be created or opened (``center.keys.*``); ``str()`` is the message for the
    administrator in the process's language."""

    code = "center.keys.unusable"


@dataclass(frozen=True, slots=True)
class KdfParams:
    """Argon2id parameters; stored in the key file so they can be raised later without breaking old files."""

    iterations: int = 3
    lanes: int = 4
    memory_cost: int = 64 * 1024  # KiB
    length: int = 32

    def to_dict(self, salt: bytes) -> dict[str, Any]:
        return {
            "name": "argon2id",
            "salt": b64encode(salt),
            "iterations": self.iterations,
            "lanes": self.lanes,
            "memory_cost": self.memory_cost,
            "length": self.length,
        }


DEFAULT_KDF = KdfParams()


@dataclass(frozen=True, slots=True)
class DistrictKeys:
    """The district's two private keys and the id stations pin."""

    signing: Ed25519PrivateKey
    recovery: X25519PrivateKey

    @property
    def signing_public(self) -> Ed25519PublicKey:
        return self.signing.public_key()

    @property
    def signing_public_b64(self) -> str:
        return b64encode(self.signing.public_key().public_bytes_raw())

    @property
    def recovery_public_b64(self) -> str:
        return b64encode(self.recovery.public_key().public_bytes_raw())

    @property
    def key_id(self) -> str:
        """``district-`` + the first 16 hex chars of sha256 of the raw signing public key (stable, public)."""
        digest = hashlib.sha256(self.signing.public_key().public_bytes_raw()).hexdigest()
        return f"district-{digest[:16]}"

    def public_dict(self) -> dict[str, str]:
        """Exactly what ``district-keys.pub.json`` holds (read by the enrollment endpoint)."""
        return {
            "signing_key": self.signing_public_b64,
            "recovery_key": self.recovery_public_b64,
            "key_id": self.key_id,
        }


def generate_keys() -> DistrictKeys:
    """Fresh random district keys (nothing written; see :func:`init_keys`)."""
    return DistrictKeys(Ed25519PrivateKey.generate(), X25519PrivateKey.generate())


#: Bounds on the stored Argon2id parameters. The parameters are read before the file is authenticated, so an
#: edited file must not make opening it allocate terabytes or spin for hours; ``length`` is the AES-256 key.
KDF_LIMITS = {
    "iterations": (1, 64),
    "lanes": (1, 64),
    "memory_cost": (8, 4 * 1024 * 1024),  # KiB: 4 GiB
    "length": (32, 32),
}


def _derive(passphrase: str, salt: bytes, kdf: dict[str, Any]) -> bytes:
    if kdf.get("name") != "argon2id":
        raise KeyFileError("center.keys.unsupported_kdf", name=str(kdf.get("name")))
    try:
        params = {name: int(kdf[name]) for name in KDF_LIMITS}
    except (KeyError, TypeError, ValueError):
        raise KeyFileError("center.keys.bad_kdf_params") from None
    if (
        any(not low <= params[name] <= high for name, (low, high) in KDF_LIMITS.items())
        or params["memory_cost"] < 8 * params["lanes"]
        or len(salt) < 16
    ):
        raise KeyFileError("center.keys.kdf_out_of_range")
    try:
        kdf_fn = Argon2id(
            salt=salt,
            length=params["length"],
            iterations=params["iterations"],
            lanes=params["lanes"],
            memory_cost=params["memory_cost"],
        )
        return kdf_fn.derive(passphrase.encode("utf-8"))
    except (TypeError, ValueError):
        raise KeyFileError("center.keys.bad_kdf_params") from None


def _header(keys: DistrictKeys, created_at: str, kdf: dict[str, Any], nonce: bytes) -> dict[str, Any]:
    return {
        "format": KEY_FILE_FORMAT,
        "key_id": keys.key_id,
        "created_at": created_at,
        "signing_public_key": keys.signing_public_b64,
        "recovery_public_key": keys.recovery_public_b64,
        "kdf": kdf,
        "cipher": {"name": "aes-256-gcm", "nonce": b64encode(nonce)},
    }


def _write_private(path: Path, data: bytes) -> None:
    """Create ``path`` with mode 0600 (never readable by others, even briefly); refuse to overwrite."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyFileError("center.keys.file_exists", path=str(path)) from None
    try:
        os.fchmod(fd, 0o600)  # the umask may have removed bits only, but be explicit
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def write_key_file(path: Path, keys: DistrictKeys, passphrase: str, kdf: KdfParams = DEFAULT_KDF) -> None:
    """Encrypt both private keys under ``passphrase`` into a new file ``path`` (mode 0600)."""
    if len(passphrase) < MIN_PASSPHRASE_LEN:
        raise KeyFileError("center.keys.passphrase_too_short", min_len=MIN_PASSPHRASE_LEN)
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    kdf_dict = kdf.to_dict(salt)
    created_at = clock.iso_z(clock.now())
    header = _header(keys, created_at, kdf_dict, nonce)
    secret = canonical_json(
        {
            "signing_key": b64encode(keys.signing.private_bytes_raw()),
            "recovery_key": b64encode(keys.recovery.private_bytes_raw()),
        }
    )
    ciphertext = AESGCM(_derive(passphrase, salt, kdf_dict)).encrypt(nonce, secret, canonical_json(header))
    document = dict(header, ciphertext=b64encode(ciphertext))
    _write_private(path, json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8") + b"\n")


def load_key_file(path: Path, passphrase: str) -> DistrictKeys:
    """Open a key file; ``KeyFileError`` on a wrong passphrase, a tampered or unreadable file."""
    try:
        document = json.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError:
        raise KeyFileError("center.keys.file_missing", path=str(path)) from None
    except (OSError, ValueError):
        raise KeyFileError("center.keys.file_unreadable", path=str(path)) from None
    if not isinstance(document, dict) or document.get("format") != KEY_FILE_FORMAT:
        raise KeyFileError("center.keys.not_a_key_file", path=str(path), format=KEY_FILE_FORMAT)
    try:
        header = {
            k: document[k]
            for k in (
                "format",
                "key_id",
                "created_at",
                "signing_public_key",
                "recovery_public_key",
                "kdf",
                "cipher",
            )
        }
        salt = b64decode(header["kdf"]["salt"])
        nonce = b64decode(header["cipher"]["nonce"])
        ciphertext = b64decode(document["ciphertext"])
    except (KeyError, TypeError, ValueError):
        raise KeyFileError("center.keys.file_incomplete", path=str(path)) from None
    key = _derive(passphrase, salt, header["kdf"])
    try:
        secret = json.loads(AESGCM(key).decrypt(nonce, ciphertext, canonical_json(header)))
    except InvalidTag:
        raise KeyFileError("center.keys.wrong_passphrase") from None
    keys = DistrictKeys(
        Ed25519PrivateKey.from_private_bytes(b64decode(secret["signing_key"])),
        X25519PrivateKey.from_private_bytes(b64decode(secret["recovery_key"])),
    )
    if keys.key_id != header["key_id"]:  # authenticated, so only a bug could get here
        raise KeyFileError("center.keys.id_mismatch")
    return keys


def write_public_file(data_dir: Path, keys: DistrictKeys) -> Path:
    """Write ``district-keys.pub.json`` (public halves only; world-readable is fine)."""
    path = Path(data_dir) / PUBLIC_FILE_NAME
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(keys.public_dict(), indent=2) + "\n", "utf-8")
    os.replace(tmp, path)
    return path


def load_public_file(data_dir: Path) -> dict[str, str]:
    """The public key document, or ``KeyFileError`` when keys were never initialised."""
    path = Path(data_dir) / PUBLIC_FILE_NAME
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise KeyFileError("center.keys.not_generated", path=str(path)) from None
    if not isinstance(data, dict) or not all(
        isinstance(data.get(k), str) for k in ("signing_key", "recovery_key", "key_id")
    ):
        raise KeyFileError("center.keys.bad_public_file", path=str(path))
    return {k: data[k] for k in ("signing_key", "recovery_key", "key_id")}


def configured_key_file(data_dir: Path, configured: object = None) -> Path:
    """The key file: the ``key_file`` setting when given, else ``DATA_DIR/district-keys.key.json``."""
    return Path(str(configured)) if configured else Path(data_dir) / KEY_FILE_NAME


def open_district_keys(data_dir: Path, key_file: Path, passphrase: str) -> DistrictKeys:
    """Open ``key_file`` and check it holds the keys whose public halves ``data_dir`` hands to stations."""
    keys = load_key_file(key_file, passphrase)
    if keys.public_dict() != load_public_file(data_dir):
        raise KeyFileError("center.keys.public_mismatch")
    return keys


def init_keys(
    data_dir: Path, passphrase: str, *, key_file: Path | None = None, kdf: KdfParams = DEFAULT_KDF
) -> tuple[DistrictKeys, Path, Path]:
    """Generate the district keys; write the key file (default in ``data_dir``) and the public file."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    key_path = Path(key_file) if key_file else data_dir / KEY_FILE_NAME
    if (data_dir / PUBLIC_FILE_NAME).exists():
        raise KeyFileError("center.keys.already_exist", path=str(data_dir / PUBLIC_FILE_NAME))
    keys = generate_keys()
    write_key_file(key_path, keys, passphrase, kdf)
    return keys, key_path, write_public_file(data_dir, keys)


def read_passphrase(
    passphrase_file: str | None = None, *, confirm: bool = False, prompt: str = "区中心密钥口令："
) -> str:
    """The passphrase from ``--passphrase-file``, else ``$CENTER_KEY_PASSPHRASE``, else an interactive prompt.

    Only the first line of the file counts (trailing newline stripped). Never logged, never stored.
    """
    if passphrase_file:
        try:
            text = Path(passphrase_file).read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            raise KeyFileError("center.keys.passphrase_file_unreadable", path=str(passphrase_file)) from None
        lines = text.splitlines()
        passphrase = lines[0] if lines else ""
    elif os.environ.get(PASSPHRASE_ENV):
        passphrase = os.environ[PASSPHRASE_ENV]
    else:
        import getpass

        if not sys.stdin.isatty():
            raise KeyFileError("center.keys.passphrase_needed", env=PASSPHRASE_ENV)
        passphrase = getpass.getpass(prompt)
        if confirm and getpass.getpass("请再次输入口令：") != passphrase:
            raise KeyFileError("center.keys.passphrase_mismatch")
    if not passphrase:
        raise KeyFileError("center.keys.passphrase_empty")
    return passphrase
