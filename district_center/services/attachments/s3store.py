"""Blobs on an S3 object store (SeaweedFS, MinIO-compatible servers, any S3): several center instances
share one bucket. Encrypted on the center before they leave it (AES-256-GCM with the ``blob`` data key of
the envelope encryption, ``services.vault``), so the object store never holds a plaintext scan.

    store = S3BlobStore(client, "center-blobs", vault)   # client: boto3 S3 client (SigV4)
    store.append("upload/<station>/<sha>", chunk)          # one object per appended chunk
    store.put_stream("<sha>", store.read("upload/…"))      # multipart upload of the whole blob

Object layout, names an HMAC of the blob key (the bucket reveals no digests or station ids):

* ``blobs/<name>`` — a whole blob: ``MAGIC`` then records of exactly :data:`RECORD_BYTES` plaintext (the
  last shorter), written by a multipart upload (parts of :data:`PART_BYTES`), so the plaintext size follows
  from the object's length alone (one HEAD);
* ``parts/<name>/<index>`` — an upload in progress: one object per appended chunk, each one record. S3
  objects cannot be appended to and multipart parts must be ≥ 5 MiB, while a station sends 1 MiB chunks:
  separate objects give an exact, crash-safe resume point (the count and sizes come from one listing).

A record is ``[u32 data-key id][u32 length][12-byte nonce][ciphertext‖tag]``; its associated data binds
the blob key and the record's index, so records cannot be swapped, reordered or moved to another blob.

Hazards: callers serialise writers of one key (the upload-session row lock does, across instances);
listing is strongly consistent on SeaweedFS and on AWS S3 since 2020 — an eventually consistent store
would need the database to count chunks.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from district_center.services.attachments.blobstore import RECORD_BYTES, BlobError, _rechunk

__all__ = ["PART_BYTES", "S3BlobStore", "open_s3_store", "s3_client"]

MAGIC = b"BMZZS3B1"
_HEAD = struct.Struct(">II")
_NONCE, _TAG = 12, 16
_OVERHEAD = _HEAD.size + _NONCE + _TAG
PART_BYTES = 8 * 1024 * 1024  # multipart part size (S3's minimum is 5 MiB, the last part excepted)


class BlobKeys(Protocol):
    """The part of the vault's keyring this store needs."""

    def active(self, purpose: str) -> tuple[int, bytes]: ...

    def key(self, key_id: int) -> bytes: ...


def s3_client(endpoint: str, access_key: str, secret_key: str, region: str = "us-east-1") -> Any:
    """A boto3 S3 client with SigV4, path-style addressing and a connection pool for many threads."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint or None,
        aws_access_key_id=access_key or None,
        aws_secret_access_key=secret_key or None,
        region_name=region,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            max_pool_connections=64,
            retries={"max_attempts": 4, "mode": "standard"},
        ),
    )


def _not_found(exc: Exception) -> bool:
    response = getattr(exc, "response", None)
    code = str((response or {}).get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound")


class S3BlobStore:
    """:class:`~district_center.services.attachments.blobstore.BlobStore` on one bucket (and prefix)."""

    def __init__(
        self, client: Any, bucket: str, keys: BlobKeys, *, name_key: bytes, prefix: str = ""
    ) -> None:
        """``keys``: the vault's keyring (the ``blob`` data key seals, older generations open);
        ``name_key``: the HMAC key of object names — it must never change (derive it from the blind-index
        key, which is never rotated: :func:`open_s3_store`)."""
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._keys = keys
        key_id, key = keys.active("blob")
        self._active = key_id
        self._aes: dict[int, AESGCM] = {key_id: AESGCM(key)}
        self._name_key = name_key

    def ensure_bucket(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception as exc:
            if not _not_found(exc):
                raise
            self.client.create_bucket(Bucket=self.bucket)

    # ------------------------------------------------------------------ names and records

    def _name(self, key: str) -> str:
        return hmac.new(self._name_key, key.encode("utf-8"), hashlib.sha256).hexdigest()

    def _whole(self, key: str) -> str:
        name = self._name(key)
        return f"{self.prefix}blobs/{name[:2]}/{name}"

    def _parts(self, key: str) -> str:
        return f"{self.prefix}parts/{self._name(key)}/"

    def _cipher(self, key_id: int) -> AESGCM:
        aes = self._aes.get(key_id)
        if aes is None:
            aes = self._aes[key_id] = AESGCM(self._keys.key(key_id))
        return aes

    def _seal(self, key: str, index: int, data: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        sealed = self._cipher(self._active).encrypt(nonce, data, f"{key}\x00{index}".encode())
        return _HEAD.pack(self._active, len(data)) + nonce + sealed

    def _open(self, key: str, index: int, record: bytes) -> bytes:
        key_id, _length = _HEAD.unpack_from(record)
        nonce = record[_HEAD.size : _HEAD.size + _NONCE]
        try:
            return self._cipher(key_id).decrypt(
                nonce, record[_HEAD.size + _NONCE :], f"{key}\x00{index}".encode()
            )
        except Exception:
            raise BlobError("blob failed authentication (damaged or tampered)") from None

    def _segments(self, key: str) -> list[tuple[str, int]]:
        """(object key, plaintext size) of the appended chunks, in order."""
        out: list[tuple[str, int]] = []
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": self._parts(key)}
            if token:
                kwargs["ContinuationToken"] = token
            page = self.client.list_objects_v2(**kwargs)
            out += [(o["Key"], int(o["Size"]) - _OVERHEAD) for o in page.get("Contents", [])]
            if not page.get("IsTruncated"):
                return sorted(out)
            token = page.get("NextContinuationToken")

    def _whole_length(self, key: str) -> int | None:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._whole(key))
        except Exception as exc:
            if _not_found(exc):
                return None
            raise
        return int(head["ContentLength"])

    @staticmethod
    def _plaintext_size(length: int) -> int:
        body = length - len(MAGIC)
        full, rest = divmod(body, RECORD_BYTES + _OVERHEAD)
        return full * RECORD_BYTES + (rest - _OVERHEAD if rest else 0)

    # ------------------------------------------------------------------ BlobStore

    def put(self, key: str, data: bytes) -> None:
        self.put_stream(key, [data])

    def put_stream(self, key: str, chunks: Iterable[bytes]) -> int:
        target = self._whole(key)
        size = 0
        buf = bytearray(MAGIC)
        upload_id: str | None = None
        parts: list[dict[str, Any]] = []
        try:
            for index, data in enumerate(_rechunk(chunks)):
                buf += self._seal(key, index, data)
                size += len(data)
                if len(buf) >= PART_BYTES:
                    if upload_id is None:
                        upload_id = self.client.create_multipart_upload(Bucket=self.bucket, Key=target)[
                            "UploadId"
                        ]
                    parts.append(self._upload_part(target, upload_id, len(parts) + 1, bytes(buf)))
                    buf.clear()
            if upload_id is None:
                self.client.put_object(Bucket=self.bucket, Key=target, Body=bytes(buf))
            else:
                if buf:
                    parts.append(self._upload_part(target, upload_id, len(parts) + 1, bytes(buf)))
                self.client.complete_multipart_upload(
                    Bucket=self.bucket, Key=target, UploadId=upload_id, MultipartUpload={"Parts": parts}
                )
        except BaseException:
            if upload_id is not None:
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=target, UploadId=upload_id)
            raise
        self._delete_segments(key)
        return size

    def _upload_part(self, target: str, upload_id: str, number: int, body: bytes) -> dict[str, Any]:
        etag = self.client.upload_part(
            Bucket=self.bucket, Key=target, UploadId=upload_id, PartNumber=number, Body=body
        )["ETag"]
        return {"ETag": etag, "PartNumber": number}

    def append(self, key: str, data: bytes) -> int:
        if self._whole_length(key) is not None:
            raise BlobError("cannot append to a whole blob")
        segments = self._segments(key)
        index = len(segments)
        self.client.put_object(
            Bucket=self.bucket, Key=f"{self._parts(key)}{index:08d}", Body=self._seal(key, index, data)
        )
        return sum(n for _k, n in segments) + len(data)

    def read(self, key: str) -> Iterator[bytes]:
        length = self._whole_length(key)
        if length is None:
            segments = self._segments(key)
            if not segments:
                raise BlobError("blob not found")
            for index, (object_key, _n) in enumerate(segments):
                body = self.client.get_object(Bucket=self.bucket, Key=object_key)["Body"].read()
                yield self._open(key, index, body)
            return
        stream = self.client.get_object(Bucket=self.bucket, Key=self._whole(key))["Body"]
        try:
            if stream.read(len(MAGIC)) != MAGIC:
                raise BlobError("blob failed authentication (damaged or tampered)")
            index = 0
            while True:
                head = stream.read(_HEAD.size)
                if not head:
                    return
                _key_id, n = _HEAD.unpack(head)
                rest = stream.read(_NONCE + n + _TAG)
                yield self._open(key, index, head + rest)
                index += 1
        finally:
            stream.close()

    def exists(self, key: str) -> bool:
        return self._whole_length(key) is not None or bool(self._segments(key))

    def size(self, key: str) -> int:
        length = self._whole_length(key)
        if length is not None:
            return self._plaintext_size(length)
        return sum(n for _k, n in self._segments(key))

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._whole(key))
        self._delete_segments(key)

    def _delete_segments(self, key: str) -> None:
        segments = self._segments(key)
        for start in range(0, len(segments), 1000):
            batch = [{"Key": k} for k, _n in segments[start : start + 1000]]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})


def open_s3_store(
    vault: Any,
    *,
    endpoint: str,
    bucket: str,
    access_key: str,
    secret_key: str,
    region: str = "us-east-1",
    prefix: str = "",
) -> S3BlobStore:
    """The S3 store of a center: its vault's keys, the bucket created when missing."""
    name_key = hmac.new(vault.keyring.active("index")[1], b"s3-blob-names", hashlib.sha256).digest()
    store = S3BlobStore(
        s3_client(endpoint, access_key, secret_key, region),
        bucket,
        vault.keyring,
        name_key=name_key,
        prefix=prefix,
    )
    store.ensure_bucket()
    return store
