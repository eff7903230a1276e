"""Regenerate the per-file table of ``samples/README.md`` from a batch folder.

Run from the repository root: ``python -m samples.synth.readme [samples/batch] [samples/README.md]``.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

START = "<!-- batch-table:start -->"
END = "<!-- batch-table:end -->"
CSV_NOTES = {
    "submissions.csv": "the submissions (input of the pipeline)",
    "consumers.csv": "consumer master: previous reading, date, tariff",
    "truth.csv": "expected outcome per submission row (same order as submissions.csv)",
    "annotations.jsonl": "full per-photo ground truth (display quad, digit quads, labels ...)",
}


def _read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        return list(csv.reader(f))


def batch_table(batch: Path) -> str:
    """A markdown table with one row per file of ``batch`` (plus referenced-but-absent photos)."""
    batch = Path(batch)
    subs = _read_csv(batch / "submissions.csv")[1:]
    truth = _read_csv(batch / "truth.csv")[1:]
    raw_lines = (batch / "submissions.csv").read_bytes().split(b"\n")[1:]
    ann_path = batch / "annotations.jsonl"
    anns = [json.loads(x) for x in ann_path.read_text(encoding="utf-8").splitlines()] if ann_path.exists() else []
    by_photo: dict[str, list[tuple[list[str], list[str], str]]] = {}
    for i, (s, t) in enumerate(zip(subs, truth, strict=False)):
        notes = _notes(anns[i]["truth"] if i < len(anns) else {}, raw_lines[i] if i < len(raw_lines) else b"", s)
        by_photo.setdefault(s[3] if len(s) > 3 else "", []).append((s, t, notes))
    lines = ["| file | submission | case | expected reading | typed | expected status | reasons | notes |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for p in sorted(batch.rglob("*")):
        if p.is_dir():
            continue
        rel = p.relative_to(batch).as_posix()
        if rel in CSV_NOTES:
            lines.append(f"| `{rel}` | | {CSV_NOTES[rel]} | | | | | |")
            continue
        entries = by_photo.pop(rel, [])
        if not entries:
            lines.append(f"| `{rel}` | | (not referenced) | | | | | |")
        for s, t, notes in entries:
            lines.append(_line(rel, s, t, p.stat().st_size, notes))
    for rel, entries in sorted(by_photo.items()):
        for s, t, notes in entries:
            lines.append(_line(rel + " (no file)", s, t, None, notes))
    return "\n".join(lines)


def _notes(truth: dict, raw: bytes, row: list[str]) -> str:
    """Short remarks on what is special about a row / photo."""
    out = []
    size = truth.get("size")
    if size and tuple(size) != (1600, 1200):
        out.append(f"{size[0]}x{size[1]}")
    if truth.get("exif_orientation"):
        out.append(f"EXIF orientation {truth['exif_orientation']} (pixels stored rotated)")
    if truth.get("reuse_of"):
        out.append(f"copy of {truth['reuse_of']} ({truth.get('reuse_mode')})")
    if truth.get("midroll"):
        out.append("drum mid-roll")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        out.append("non-UTF-8 bytes in email (and consumer name)")
    if len(row) < 8:
        out.append(f"only {len(row)} fields")
    return "; ".join(out)


def _line(rel: str, s: list[str], t: list[str], size: int | None, notes: str = "") -> str:
    sid, case, reading, status, reasons = t[0], t[1], t[2], t[3], t[4]
    note = ""
    if size is not None and size == 0:
        note = " (0 bytes)"
    typed = s[2] if len(s) > 2 else ""
    return (f"| `{rel}`{note} | {sid} | {case} | {reading or '-'} | `{typed}` | {status} | "
            f"{reasons.replace(';', ', ') or '-'} | {notes} |")


def update_readme(readme: Path, batch: Path) -> None:
    """Replace the text between the table markers in ``readme`` with a fresh table."""
    text = Path(readme).read_text(encoding="utf-8")
    i, j = text.index(START) + len(START), text.index(END)
    Path(readme).write_text(text[:i] + "\n" + batch_table(batch) + "\n" + text[j:], encoding="utf-8")


if __name__ == "__main__":
    args = sys.argv[1:]
    b = Path(args[0]) if args else Path("samples/batch")
    r = Path(args[1]) if len(args) > 1 else Path("samples/README.md")
    update_readme(r, b)
    print(f"updated {r}")
