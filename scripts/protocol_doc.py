"""Write the message tables of ``docs/protocol.md`` from the protocol's own definitions.

The messages are defined once, in :mod:`sync.protocol.messages` (and the signed envelope in
:mod:`sync.protocol.envelope`); this renders each one's JSON Schema as a table between the markers
``<!-- messages:begin -->`` and ``<!-- messages:end -->``. ``tests/sync/test_protocol_doc.py`` fails when the
page and the definitions disagree, so run this after changing a message:

    .venv/bin/python scripts/protocol_doc.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sync.protocol.envelope import SignedEnvelope  # noqa: E402
from sync.protocol.messages import MESSAGES, json_schema  # noqa: E402

DOC = ROOT / "docs" / "protocol.md"
BEGIN, END = "<!-- messages:begin -->", "<!-- messages:end -->"


def _type(schema: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        target = defs.get(name, {})
        if "enum" in target:
            return " \\| ".join(f"`{v}`" for v in target["enum"])
        return f"[{name}](#{name.lower()})"
    if "anyOf" in schema:
        return " or ".join(_type(s, defs) for s in schema["anyOf"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"list of {_type(schema.get('items', {}), defs)}"
    if kind == "object":
        return "object"
    return {"string": "text", "integer": "integer", "boolean": "true/false", "null": "null"}.get(kind, kind)


def _limits(schema: dict[str, Any]) -> str:
    parts = []
    for s in [schema, *schema.get("anyOf", [])]:
        if "minLength" in s and s["minLength"] > 0:
            parts.append("not empty")
        if "maxLength" in s:
            parts.append(f"≤ {s['maxLength']} chars")
        if "pattern" in s:
            parts.append(f"`{s['pattern']}`")
        if "minimum" in s:
            parts.append(f"≥ {s['minimum']}")
        if "maximum" in s:
            parts.append(f"≤ {s['maximum']}")
        if "maxItems" in s:
            parts.append(f"≤ {s['maxItems']} items")
    return ", ".join(dict.fromkeys(parts))


def render() -> str:
    out = [
        BEGIN,
        "",
        "Generated from `sync/protocol/messages.py` by `scripts/protocol_doc.py`; do not edit.",
        "",
    ]
    for cls in (*MESSAGES, SignedEnvelope):
        schema = json_schema(cls)
        defs = schema.get("$defs", {})
        doc = " ".join((cls.__doc__ or "").split())
        doc = re.sub(r":\w+:`~?([^`]+)`", r"`\1`", doc).replace("``", "`")  # reST roles → Markdown code
        out += [
            f"### {cls.__name__}",
            "",
            doc,
            "",
            "| field | type | required | limits |",
            "|---|---|---|---|",
        ]
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            req = "yes" if name in required else "no"
            out.append(f"| `{name}` | {_type(prop, defs)} | {req} | {_limits(prop)} |")
        out.append("")
    out.append(END)
    return "\n".join(out)


def updated(text: str) -> str:
    block = render()
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        return head + block + rest.split(END, 1)[1]
    return text.rstrip() + "\n\n## Messages\n\n" + block + "\n"


def main() -> int:
    DOC.write_text(updated(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote the message tables of {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
