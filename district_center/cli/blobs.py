"""``district-center blobs migrate --to s3``: copy every blob from the local store to S3, verified.

Reads the S3 settings (``s3_endpoint``, ``s3_bucket``, ``s3_access_key``, ``s3_secret_key`` — file or
``CENTER_S3_*``) whatever ``blob_store`` says, prints a JSON report (copied, skipped, failed, MB/s) and
exits 1 when any blob failed. Run it again to resume; then set ``blob_store = "s3"``.
"""

from __future__ import annotations

import argparse
import json

from district_center.cli.common import add_settings_arguments, open_database, refusal, settings_from


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    blobs = sub.add_parser("blobs", help="attachment and result blobs")
    bsub = blobs.add_subparsers(dest="blobs_command", metavar="COMMAND", required=True)
    mig = bsub.add_parser("migrate", help="copy every blob to another store (resumable, verified)")
    mig.add_argument("--to", choices=["s3", "local"], required=True, help="the target store")
    mig.add_argument("--from", dest="source", choices=["s3", "local"], help="the source (default: the other)")
    add_settings_arguments(mig)
    mig.set_defaults(func=cmd_migrate)


def cmd_migrate(args: argparse.Namespace) -> int:
    from district_center.app import open_blob_store
    from district_center.services.attachments.migrate import migrate_blobs

    settings = settings_from(args)
    source_kind = args.source or ("local" if args.to == "s3" else "s3")
    if source_kind == args.to:
        raise refusal("center.cli.same_store")
    db = open_database(settings)
    try:
        source = open_blob_store(settings, db.vault, kind=source_kind)
        target = open_blob_store(settings, db.vault, kind=args.to)
        report = migrate_blobs(db, source, target)
    finally:
        db.dispose()
    print(json.dumps({"from": source_kind, "to": args.to, **report.to_dict()}, ensure_ascii=False))
    return 1 if report.failed else 0
