"""同步: what waits to go to the district center, progress, errors in plain words with the action, sync now,
offline bundles, and the catalog version."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import flet as ft

from station_app.i18n import t
from station_app.screens.base import Screen
from station_app.viewmodels.sync import SyncView, mark_notices_seen, sync_view


def status_line(runtime: Any) -> str:
    return sync_view(runtime).headline


class SyncScreen(Screen):
    def __init__(self, shell: Any, **params: Any) -> None:
        super().__init__(shell, **params)
        self.view_model: SyncView | None = None
        self.unsubscribe: Any = None
        self.message = ""

    async def load(self) -> None:
        runtime = self.shell.runtime
        self.view_model = await asyncio.to_thread(sync_view, runtime, True)
        worker = self.shell.session.worker
        if self.view_model.unread_notices and worker is not None:
            # Shown now (unread ones marked ●); from here on the engine may prune them as they age.
            await asyncio.to_thread(
                mark_notices_seen, runtime, self.view_model.notice_keys, f"worker:{worker.id}"
            )
        if self.unsubscribe is None:
            page = self.shell.page

            def changed(_status: Any) -> None:  # sync thread: hand over to the page's loop
                page.run_task(self._changed)

            self.unsubscribe = runtime.board.subscribe(changed)

    async def _changed(self) -> None:
        if self.shell.screen is not self:
            if self.unsubscribe:
                self.unsubscribe()
                self.unsubscribe = None
            return
        self.view_model = await asyncio.to_thread(sync_view, self.shell.runtime, True)
        self.refresh()

    def view(self) -> ft.Control:
        ui, v = self.ui, self.view_model
        assert v is not None
        parts: list[ft.Control] = [
            ft.Semantics(
                identifier=f"sync-last-{v.last_success_raw or 'never'}", content=ui.title(t("nav.sync"))
            ),
            ft.Semantics(
                identifier=f"sync-headline-{v.state}", label=v.headline, content=ui.heading(v.headline)
            ),
        ]
        if v.running:
            parts.append(ui.text(v.step))
            parts.append(ft.ProgressBar(value=v.case_progress, width=480))
            if v.byte_progress is not None:
                parts.append(ft.ProgressBar(value=v.byte_progress, width=480))
        if v.error:
            parts.append(ui.error(v.error))
            if v.action:
                parts.append(ui.note(v.action))
        facts = [
            (t("sync.center"), v.center or t("sync.not_enrolled")),
            (t("sync.last_success"), v.last_success or "-"),
            (t("sync.next"), v.next_attempt or "-"),
            (t("sync.catalog"), t("sync.catalog_version", v=v.catalog_version)),
            (
                t("sync.calendar"),
                t("sync.calendar_version", v=v.calendar_version)
                if v.calendar_version
                else t("sync.calendar_builtin"),
            ),
        ]
        parts.append(
            ui.card(
                *[
                    ft.Row(
                        [
                            ft.Text(
                                k, width=ui.size(140), size=ui.size(16), color=ft.Colors.ON_SURFACE_VARIANT
                            ),
                            ft.Text(val, size=ui.size(17)),
                        ]
                    )
                    for k, val in facts
                ]
            )
        )
        parts.append(
            ft.Row(
                [
                    ui.button(
                        t("sync.now"),
                        self.sync_now,
                        ident="sync-now",
                        icon=ft.Icons.SYNC,
                        disabled=not v.center,
                    ),
                    ui.button(
                        t("sync.export"),
                        self.export,
                        ident="sync-export",
                        primary=False,
                        icon=ft.Icons.USB,
                        disabled=not v.center,
                    ),
                    ui.button(
                        t("sync.import"),
                        self.import_answer,
                        ident="sync-import",
                        primary=False,
                        icon=ft.Icons.MOVE_TO_INBOX,
                        disabled=not v.center,
                    ),
                ],
                wrap=True,
            )
        )
        parts.append(ui.small(t("sync.bundle_help")))
        if self.message:
            parts.append(ui.note(self.message))
        change = v.catalog_change
        if change:
            parts.append(ui.heading(t("sync.catalog_changes", v=change.get("version", ""))))
            parts.append(ui.text(str(change.get("summary", ""))))
            for key in ("added", "changed", "cancelled"):
                if change.get(key):
                    parts.append(
                        ui.small(
                            t(
                                "common.labelled",
                                label=t(f"sync.catalog_{key}"),
                                text=t("common.list_sep").join(change[key]),
                            )
                        )
                    )
        if v.calendar_version:
            parts += self._calendar_notice(v)
        parts.append(ui.heading(t("sync.queue", n=len(v.pending))))
        for line in v.pending[:50]:
            parts.append(ui.text(line))
        if v.rejected:
            parts.append(ui.heading(t("sync.rejected", n=len(v.rejected))))
            for number, reason in v.rejected:
                parts.append(ui.error(t("common.labelled", label=number, text=reason)))
            parts.append(ui.small(t("sync.rejected_help")))
        if v.notices:
            heading = t("sync.notices_unread", n=v.unread_notices) if v.unread_notices else t("sync.notices")
            parts.append(ui.heading(heading))
            parts += [ui.text(n) for n in v.notices[:20]]
        return ft.Column(parts, spacing=12, scroll=ft.ScrollMode.AUTO, expand=True)

    def _calendar_notice(self, v: SyncView) -> list[ft.Control]:
        """节假日安排: the district's last calendar and every open case whose promised date it moved (each
        opens the case, where the 更正 receipt is printed)."""
        ui = self.ui
        out: list[ft.Control] = [
            ft.Semantics(
                identifier=f"calendar-moved-{v.calendar_moved_count}",
                content=ui.heading(
                    t(
                        "sync.calendar_changes",
                        v=v.calendar_version,
                        years=v.calendar_years,
                        n=v.calendar_moved_count,
                    )
                ),
            )
        ]
        if not v.calendar_moved:
            out.append(ui.small(t("sync.calendar_none_moved")))
            return out
        out.append(ui.small(t("sync.calendar_help")))
        for case_id, number, line in v.calendar_moved[:50]:
            out.append(
                ui.button(
                    t("common.labelled", label=number, text=line),
                    functools.partial(self.go, "case", case_id=case_id),
                    primary=False,
                    icon=ft.Icons.EVENT_REPEAT,
                    ident=f"moved-{number}",
                )
            )
        if v.calendar_moved_count > 50:
            out.append(ui.small(t("sync.calendar_more", n=v.calendar_moved_count - 50)))
        return out

    async def sync_now(self) -> None:
        future = await asyncio.to_thread(self.shell.runtime.sync_now)
        if future is None:
            self.shell.toast(t("sync.not_enrolled"), error=True)
            return
        self.shell.toast(t("sync.started"))

    async def export(self) -> None:
        """离线同步包: everything waiting, encrypted for the district, downloaded through the browser."""
        try:
            data, name, summary = await asyncio.to_thread(self.shell.runtime.bundles.export)
        except Exception as exc:
            self.message = str(exc)
            self.refresh()
            return
        await self.shell.open_document(data, name)
        self.message = t("sync.exported", cases=summary.get("cases", 0), blobs=summary.get("blobs", 0))
        self.refresh()

    async def import_answer(self) -> None:
        files = await self.shell.file_picker.pick_files(with_data=True, dialog_title=t("sync.import"))
        if not files:
            return
        runtime = self.shell.runtime
        try:
            result = await asyncio.to_thread(runtime.bundles.import_answer, bytes(files[0].bytes or b""))
        except Exception as exc:
            self.message = t("sync.import_failed", reason=str(exc))
        else:
            self.message = t("sync.imported", summary=", ".join(f"{k}={v}" for k, v in result.items()))
        self.view_model = await asyncio.to_thread(sync_view, runtime, True)
        self.refresh()
