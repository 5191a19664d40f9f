"""Catalog import benchmark: a 50,000-row district workbook as xlsx, xls and GBK CSV, through the import.

    .venv/bin/python bench/catalog_import.py [--rows 50000]

The workbook has the layout districts send (a merged banner and a "填报单位" line above the header, alias
headers, each department merged over 12 rows, 事项类型 merged, "5个工作日" limits, footnotes below). Each
import runs in a fresh child process, so its peak RSS is its own; the child reports:

* ``seconds`` and ``rows_per_s`` for :func:`import_files` plus the preview against an empty catalog
  (read, find the table, fill merged cells, build, validate, diff);
* ``peak_rss_mb`` of the child and ``import_rss_mb`` = that minus a child that only imported the modules;
* for xlsx, ``vs_calamine_read`` = import time / a bare calamine read of the same bytes, and
  ``vs_openpyxl_load`` = import time / a bare openpyxl (non read-only, the mode that reports merged
  cells) load — ratios from one run, which the shared machine's noise affects less than absolute times.

Prints one JSON document.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

TYPES = ["行政许可", "行政确认", "公共服务", "其他行政权力", "行政给付"]


def _rows(n: int) -> list[list[Any]]:
    out = []
    for i in range(n):
        out.append(
            [i + 1, f"市第{i // 12}局", f"事项{i:06d}办理", TYPES[(i // 4) % len(TYPES)], "5个工作日", "备注"]
        )
    return out


def build_xlsx(n: int) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "附件1"
    ws.append(["西安市某区政务服务事项清单"])
    ws.merge_cells("A1:F1")
    ws.append(["填报单位：某区政务服务中心　　日期：2026年1月"])
    ws.merge_cells("A2:F2")
    ws.append(["序号", "部门\n名称", "事项名称", "事项类型", "承诺时限", "备注"])
    rows = _rows(n)
    for i, row in enumerate(rows):
        ws.append([row[0], row[1] if i % 12 == 0 else None, row[2], row[3] if i % 4 == 0 else None, *row[4:]])
    for start in range(0, n, 12):
        ws.merge_cells(start_row=start + 4, start_column=2, end_row=min(start + 11, n - 1) + 4, end_column=2)
    for start in range(0, n, 4):
        ws.merge_cells(start_row=start + 4, start_column=4, end_row=min(start + 3, n - 1) + 4, end_column=4)
    ws.append([])
    ws.append(["备注：本清单为测试数据。"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def build_xls(n: int) -> bytes:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("附件1")
    ws.write_merge(0, 0, 0, 5, "西安市某区政务服务事项清单")
    ws.write_merge(1, 1, 0, 5, "填报单位：某区政务服务中心　　日期：2026年1月")
    for c, h in enumerate(["序号", "部门\n名称", "事项名称", "事项类型", "承诺时限", "备注"]):
        ws.write(2, c, h)
    rows = _rows(n)
    for i, row in enumerate(rows):
        r = i + 3
        if i % 12 == 0:
            ws.write_merge(r, min(i + 11, n - 1) + 3, 1, 1, row[1])
        if i % 4 == 0:
            ws.write_merge(r, min(i + 3, n - 1) + 3, 3, 3, row[3])
        for c in (0, 2, 4, 5):
            ws.write(r, c, row[c])
    ws.write_merge(n + 4, n + 4, 0, 5, "备注：本清单为测试数据。")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def build_csv(n: int) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["序号", "部门名称", "事项名称", "事项类型", "承诺时限", "备注"])
    w.writerows(_rows(n))
    return out.getvalue().encode("gb18030")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(path: str, mode: str) -> dict[str, Any]:
    from district_center.services.catalog import publishing  # noqa: F401  (loaded in a running center)
    from district_center.services.catalog.importing import import_files
    from district_center.services.catalog.previewing import build_preview

    data = Path(path).read_bytes()
    if mode == "baseline":
        return {"peak_rss_mb": _rss_mb()}
    if mode == "calamine":
        import python_calamine

        t = time.perf_counter()
        python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
        return {"seconds": time.perf_counter() - t}
    if mode == "openpyxl":
        from openpyxl import load_workbook

        t = time.perf_counter()
        list(load_workbook(io.BytesIO(data), data_only=True).worksheets[0].iter_rows(values_only=True))
        return {"seconds": time.perf_counter() - t}
    t = time.perf_counter()
    result = import_files([(Path(path).name, data)], base=None, district=("610102", "新城区"))
    preview = build_preview(result, published=None, today="2026-01-01")
    seconds = time.perf_counter() - t
    assert preview.ok, [str(e) for e in result.errors[:5]]
    assert result.catalog is not None
    return {"seconds": seconds, "items": len(result.catalog.items), "peak_rss_mb": _rss_mb()}


def _run_child(path: Path, mode: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path), "--mode", mode],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--child")
    parser.add_argument("--mode", default="import")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.mode)))
        return
    report: dict[str, Any] = {
        "benchmark": "catalog_import",
        "rows": args.rows,
        "python": platform.python_version(),
        "formats": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        builders = {"xlsx": build_xlsx, "xls": build_xls, "csv": build_csv}
        baseline = None
        for fmt, build in builders.items():
            path = Path(tmp) / f"清单.{fmt}"
            path.write_bytes(build(args.rows))
            if baseline is None:
                baseline = _run_child(path, "baseline")["peak_rss_mb"]
            run = _run_child(path, "import")
            assert run["items"] == args.rows, run
            entry = {
                "file_mb": round(path.stat().st_size / 1e6, 2),
                "seconds": round(run["seconds"], 2),
                "rows_per_s": round(args.rows / run["seconds"]),
                "peak_rss_mb": round(run["peak_rss_mb"], 1),
                "import_rss_mb": round(run["peak_rss_mb"] - baseline, 1),
            }
            if fmt == "xlsx":
                entry["vs_calamine_read"] = round(run["seconds"] / _run_child(path, "calamine")["seconds"], 1)
                entry["vs_openpyxl_load"] = round(run["seconds"] / _run_child(path, "openpyxl")["seconds"], 2)
            report["formats"][fmt] = entry
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
