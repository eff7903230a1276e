"""The learned reader end to end on one photo: propose text lines, read them, pick the register, score the typed.

A pure function of (image, typed reading): it runs in the batch's worker
processes like the rest of the per-photo work (pipeline.photo).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from pipeline.context import Plausible
from pipeline.reader import detector, finder, recognizer, screen, select
from pipeline.reader.likelihood import TypedScore, score_typed

CROP_HEIGHT = 48  # rows are cut at this height, then the recognizer resizes them to its own
DETECT_SIDES = (480, 736)  # the photo's long side at each detection pass: large and small text
WIDEN = (1.0, 1.7)  # each row is read as cut and widened by these factors (narrow digits)
MAX_ROWS = 12  # the tallest text lines read per photo
# the chosen row is read again in a box longer by this many text heights at each end: a box that cut a
# leading narrow "1" (lit on the right of its cell) reads the rest as confidently as the whole row reads
# the whole, and a consumer who typed the fragment would be believed. 0 turns it off.
WHOLE_ROW_EXTEND = 0.0
# where rows come from, tried in this order until one gives a number row: "text" (the generic
# text-line detector), "rowsearch" (the classic row search), "finder" (the learned register-row
# finder); "a+b" pools two sources in one step. The finder first, or pooled with the text detector,
# reads more on the generated dev batches but gives more confident misreads on the real photos
# (docs/benchmarks.md); as the last resort it reads a few photos the other two find no row in
# (dev batches: +1 and +0 of 80 read; then real: +1 of 86, +1 of 48, no more confident misreads)
PROPOSERS = ("text", "rowsearch", "finder")
# the photo's long side at each finder pass. The finder learnt rows 16-272 px long (5-85 % of
# a 320 px view): at 480 that is a row across 3-57 % of the photo, at 240 one across 7-100 %
FINDER_SIDES = (240, 480)
FINDER_MAX_ROWS = 6  # the finder's most confident rows, each found again in a close-up (finder.refine)
# how a source's number rows are weighed: "finder" (each row scored by the finder's map of the whole
# photo, finder.row_score; a source's rows end the search only when the finder confirms one, and the
# tallest confirmed row is the register's), or "" (the first source with a number row ends it, and its
# tallest row is the register's)
ROW_SCORE = ""
# how the register shown is checked once the typed reading is verified (pipeline.reader.stage.other_register):
# "screen" (the learned screen classifier around the row), "legends" (Tesseract on the text lines near the
# row), or both. Not the screen classifier yet: on the real Indian LCDs it holds back more other registers'
# screens (24 of 28, legends 16) but lets 14 of 86 honest readings through (legends 30; docs/benchmarks.md)
REGISTER_CHECKS: tuple[str, ...] = ("legends",)


@dataclass
class LearnedReading:
    """What the learned reader found in one photo."""

    reading: str = ""  # the register row's free reading ('' when no number row was found)
    confidence: float = 0.0  # P(the row shows exactly that reading)
    char_probs: list[float] = field(default_factory=list)
    quad: np.ndarray | None = None  # the row's corners in photo pixels
    crop: np.ndarray | None = None  # the row as read (BGR, upright)
    typed: TypedScore | None = None  # the typed reading (or, none given, the free one) scored on the row
    rivals: list[str] = field(default_factory=list)  # other number rows nearly as tall
    rows_read: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    proposal: detector.Proposal | None = None  # the chosen row's proposal
    proposals: list[detector.Proposal] = field(default_factory=list)  # every text line found


def verify_models(proposers: tuple[str, ...] = PROPOSERS, register_checks: tuple[str, ...] | None = None) -> None:
    """Start-up check of every model the reader will load (ModelError, exit 7, when one is missing or changed)."""
    sources = {part for step in proposers for part in step.split("+")}
    recognizer.verify()
    if "screen" in (REGISTER_CHECKS if register_checks is None else register_checks):
        screen.verify()
    if "text" in sources:
        detector.verify()
    if "finder" in sources or ROW_SCORE == "finder":
        finder.verify()


def _dedupe(props: list[detector.Proposal]) -> list[detector.Proposal]:
    """Drop a proposal whose centre lies inside a larger one of the same height (a second scale's copy)."""
    keep: list[detector.Proposal] = []
    for p in sorted(props, key=lambda p: -p.width * p.height):
        if not any(abs(k.height - p.height) < 0.25 * k.height and _centre_inside(p, k) for k in keep):
            keep.append(p)
    return keep


def _centre_inside(p: detector.Proposal, q: detector.Proposal) -> bool:
    """``p``'s centre lies inside (or on) ``q``'s quad."""
    c = p.quad.mean(axis=0)
    return cv2.pointPolygonTest(q.quad.astype(np.float32), (float(c[0]), float(c[1])), False) >= 0


def _read(crops: list[np.ndarray], heights: list[float]) -> list[select.ReadRow]:
    """Each crop read at every WIDEN factor; per crop the most probable reading wins.

    Real LCDs often have taller, narrower digits than any renderer: widened, they
    leave the recognizer enough steps per digit (and a blank between equal ones).
    """
    batch = [cv2.resize(c, (max(8, int(round(c.shape[1] * f))), c.shape[0])) for f in WIDEN for c in crops]
    logps = recognizer.read_rows(batch)
    n = len(crops)
    best: list[select.ReadRow] = []
    for i in range(n):
        options = [select.read_row(k * n + i, logps[k * n + i], heights[i]) for k in range(len(WIDEN))]
        best.append(max(options, key=lambda r: r.confidence))
    return best


def _row_search(img: np.ndarray) -> list[tuple[detector.Proposal, np.ndarray]]:
    """Digit rows found by the classic row search (pipeline.locate), cut as row crops.

    A bridge while the detector is a generic text detector: issue 16's learned
    display finder replaces both.
    """
    from pipeline.locate import locate_all

    out = []
    for d in locate_all(img):
        x, y, w, h = d.digits_box
        m = 0.3 * h
        y0, y1 = int(max(0, y - m)), int(min(d.crop.shape[0], y + h + m))
        x0, x1 = int(max(0, x - m)), int(min(d.crop.shape[1], x + w + m))
        crop = d.crop[y0:y1, x0:x1]
        if crop.size == 0:
            continue
        quad = np.asarray(d.quad, np.float32).reshape(4, 2)
        out.append((detector.Proposal(quad, d.score, height_px=float(d.digit_height_px)), crop))
    return out


def _same_line(a: detector.Proposal, b: detector.Proposal) -> bool:
    """Two proposals of one line of the photo: either's centre inside the other, heights within a third."""
    if abs(a.height - b.height) > 0.35 * max(a.height, b.height):
        return False
    return _centre_inside(a, b) or _centre_inside(b, a)


def _best_of_each_line(props: list[detector.Proposal], rows: list[select.ReadRow]) -> list[select.ReadRow]:
    """Where sources pooled in one step propose the same line twice, its better read stands alone.

    The text detector and the finder box the same row differently (one may cut the
    digits' tops); the read with the higher probability is the better box. Rows
    of different lines are all kept: the register is chosen among them (select).
    """
    n = len(props)
    keep: list[select.ReadRow] = []
    for r in sorted(rows, key=lambda r: -r.confidence):
        if not any(_same_line(props[r.index % n], props[k.index % n]) for k in keep):
            keep.append(r)
    return sorted(keep, key=lambda r: r.index)


def _propose(img: np.ndarray, source: str) -> tuple[list[detector.Proposal], list[np.ndarray]]:
    """The row proposals of one source ("text+finder": several pooled) and their upright crops."""
    if "+" in source:
        props, crops = [], []
        for part in source.split("+"):
            p, c = _propose(img, part)
            props, crops = props + p, crops + c
        return props, crops
    if source == "rowsearch":
        pairs = _row_search(img)
        return [p for p, _ in pairs], [c for _, c in pairs]
    if source == "finder":
        found = _dedupe([p for side in FINDER_SIDES for p in finder.find(img, long_side=side)])
        props = _dedupe([finder.refine(img, p) for p in sorted(found, key=lambda p: -p.score)[:FINDER_MAX_ROWS]])
    elif source == "text":
        props = _dedupe([p for side in DETECT_SIDES for p in detector.propose(img, long_side=side)])
    else:
        raise ValueError(f"unknown row source {source!r}")
    props = sorted(props, key=lambda p: -p.height)[:MAX_ROWS]  # the register is among the tallest lines
    return props, [detector.rectify(img, p.quad, CROP_HEIGHT) for p in props]


def _add_source(img: np.ndarray, source: str, rows: list[select.ReadRow], props: list[detector.Proposal],
                crops: list[np.ndarray], maps: list[tuple[np.ndarray, float]], timings: dict[str, float],
                cuts: list[str]) -> None:
    """One row source's rows, read (turned over when nothing reads upright) and, with ``maps``, scored by the finder.

    Appends to ``rows``, ``props``, ``crops`` (a row's index is its crop's) and ``cuts`` (how each crop was cut
    from its quad: "upright", "turned", or "rowsearch": not from the quad) and adds the seconds spent to ``timings``.
    """
    t0 = time.perf_counter()
    new_props, new_crops = _propose(img, source)
    t1 = time.perf_counter()
    timings["detect"] += t1 - t0
    if not new_crops:
        return
    new_rows = _read(new_crops, [p.height for p in new_props])
    cut = "rowsearch" if source == "rowsearch" else "upright"
    if select.choose(rows + new_rows)[0] is None and source != "rowsearch":
        turned = [cv2.rotate(c, cv2.ROTATE_180) for c in new_crops]  # upside down (a webcam turned over)?
        turned_rows = _read(turned, [p.height for p in new_props])
        if select.choose(turned_rows)[0] is not None:
            new_crops, new_rows, cut = turned, turned_rows, "turned"
    if "+" in source:
        new_rows = _best_of_each_line(new_props, new_rows)
    if maps:
        new_rows = [replace(r, register_score=finder.row_score(maps, new_props[r.index % len(new_crops)].quad))
                    if r.is_number else r for r in new_rows]
    offset = len(crops)
    rows += [replace(r, index=offset + r.index % len(new_crops)) for r in new_rows]
    props += new_props
    crops += new_crops
    cuts += [cut] * len(new_crops)
    timings["recognize"] += time.perf_counter() - t1


def _drop_fragments(props: list[detector.Proposal], rows: list[select.ReadRow]) -> list[select.ReadRow]:
    """Rows whose number is part of a longer number read on the same line by another box, left out.

    A box that cuts the register's row (the row search losing a leading digit among
    ghost segments) reads the fragment as confidently as the whole row reads the
    whole: a consumer who typed the fragment would be believed. Two boxes of one
    line that read different numbers, neither inside the other, both stay (a doubt
    that flags).
    """
    def integer(r: select.ReadRow) -> str:
        return r.text.split(".")[0]

    numbers = [r for r in rows if r.is_number]
    cut = {r.index for r in numbers for k in numbers
           if len(integer(k)) > len(integer(r)) and integer(r) in integer(k)
           and _same_line(props[r.index], props[k.index])}
    return [r for r in rows if r.index not in cut]


def _whole_row(img: np.ndarray, best: select.ReadRow, prop: detector.Proposal, cut: str,
               index: int) -> tuple[select.ReadRow, detector.Proposal, np.ndarray] | None:
    """The chosen row read again in a longer box (WHOLE_ROW_EXTEND): (its read, box, crop) when that box
    reads a longer number that holds the chosen one, else None.

    Rows the row search cut (from the display window, not from their quad) are not read again.
    """
    if cut == "rowsearch":
        return None
    q = prop.quad.astype(np.float64)
    u, v = (q[1] - q[0] + q[2] - q[3]) / 2, (q[3] - q[0] + q[2] - q[1]) / 2
    if np.linalg.norm(v) > np.linalg.norm(u):  # a vertical box: its long side is the row
        u, v = v, u
    along = u / max(np.linalg.norm(u), 1e-9)
    grow = WHOLE_ROW_EXTEND * np.linalg.norm(v)
    c = q.mean(axis=0)
    quad = np.array([p + np.sign((p - c) @ along) * grow * along for p in q], np.float32)
    crop = detector.rectify(img, quad, CROP_HEIGHT)
    if cut == "turned":
        crop = cv2.rotate(crop, cv2.ROTATE_180)
    row = replace(_read([crop], [best.height])[0], index=index, register_score=best.register_score)
    inner, outer = best.text.split(".")[0], row.text.split(".")[0]
    if not (row.is_number and len(outer) > len(inner) and inner in outer):
        return None
    return row, detector.Proposal(quad, prop.score, prop.height_px), crop


def read_photo(img: np.ndarray, typed: str | None = None, previous: str = "",
               proposers: tuple[str, ...] = PROPOSERS, plausible: Plausible | None = None,
               row_score: str | None = None) -> LearnedReading:
    """Find and read the register's digit row in a BGR photo; score ``typed`` on it when given.

    ``plausible``: the readings the consumer's previous reading allows (likelihood.score_typed).
    ``row_score``: how rows are weighed (None: ROW_SCORE).
    """
    out = LearnedReading()
    props: list[detector.Proposal] = []
    crops: list[np.ndarray] = []
    rows: list[select.ReadRow] = []
    best, rivals, timings = None, [], {"detect": 0.0, "recognize": 0.0}
    scored = (ROW_SCORE if row_score is None else row_score) == "finder"
    maps = [finder.prob_map(img, side) for side in FINDER_SIDES] if scored else []
    done: list[str] = []
    cuts: list[str] = []
    for source in proposers:
        _add_source(img, source, rows, props, crops, maps, timings, cuts)
        done.append(source)
        best, rivals = select.choose(rows, confirmed_only=scored)
        if best is not None:
            break
    if scored:
        if best is not None and "finder" in proposers and "finder" not in done:
            _add_source(img, "finder", rows, props, crops, maps, timings, cuts)  # the finder's own box of each row
        rows = _drop_fragments(props, rows)
        best, rivals = select.choose(rows, confirmed_only=True)
        if best is None:  # no row the finder confirms: the tallest number row of all sources
            best, rivals = select.choose(rows)
    if best is not None and WHOLE_ROW_EXTEND > 0:
        whole = _whole_row(img, best, props[best.index], cuts[best.index], len(crops))
        if whole is not None:
            row, prop, crop = whole
            props.append(prop)
            crops.append(crop)
            best, rivals = row, [r for r in rivals if r.text.split(".")[0] != row.text.split(".")[0]]
    out.rows_read = len(crops)
    out.proposals = props
    out.timings = timings
    if best is None:
        return out
    i = best.index
    out.reading, out.confidence, out.char_probs = best.text, best.confidence, best.char_probs
    out.quad, out.proposal = props[i].quad, props[i]
    out.crop = crops[i]
    out.rivals = [r.text for r in rivals]
    # the typed reading, or (none given) the free reading itself: how sure is the row of it?
    out.typed = score_typed(best.logp, best.text if typed is None else typed, previous, best.text, plausible)
    return out
