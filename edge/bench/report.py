"""Results as a JSON file plus a Markdown table beside it, written atomically."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Sequence

from edge.atomic import atomic_write_text


def md_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub Markdown table; None shows as `n/a`, floats with up to 2 decimals."""
    def cell(value: Any) -> str:
        if value is None:
            return "n/a"
        if isinstance(value, float):
            return "n/a" if not math.isfinite(value) else f"{value:.2f}".rstrip("0").rstrip(".") if abs(value) < 1e6 else f"{value:.3g}"
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(headers) + " |", "|" + " --- |" * len(headers)]
    for row in rows:
        if len(row) != len(headers):
            raise ValueError(f"row has {len(row)} cells for {len(headers)} columns")
        lines.append("| " + " | ".join(cell(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def write_report(json_path: Path, data: dict[str, Any], markdown: str) -> tuple[Path, Path]:
    """Write `data` to `json_path` and `markdown` to the same name with `.md`; returns both paths."""
    json_path = Path(json_path)
    md_path = json_path.with_suffix(".md")
    atomic_write_text(json_path, json.dumps(data, indent=2, allow_nan=False) + "\n")
    atomic_write_text(md_path, markdown)
    return json_path, md_path
