"""Verification as likelihood: how much more probable is the typed reading than its near misses?

The typed reading is a hypothesis about what the row shows: any number of leading
zeros (a meter pads its register), then the typed integer kWh, then either the end
or a decimal point and whatever decimals the display has (a consumer who typed
decimals must have typed the display's first ones). Its probability is the CTC
probability of that whole family of strings (pipeline.reader.ctc).

Against it stand the readings a typing slip or a misread produces: one digit
changed, two neighbours swapped, a digit dropped or added, the previous month's
reading, and the recognizer's own free reading, less those the consumer's previous
reading rules out (when it is known). The typed reading is trusted only
when it is far more probable than the most probable of them (:attr:`TypedScore.posterior`,
the margin as a share) and the row shows it with enough probability on its own
(:attr:`TypedScore.logp`): together, no near miss is close and little is left for
readings further away.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.compare import parse_number
from pipeline.context import Plausible
from pipeline.reader.ctc import NEG, batch_logp

MAX_LEADING_ZEROS = 5


@dataclass(frozen=True)
class TypedScore:
    """The typed reading against the alternatives, on one row."""

    logp: float  # log P(the row shows the typed reading, in any of its forms)
    posterior: float  # P(typed) / (P(typed) + P(the most probable alternative)): the margin as a share
    best_alternative: str  # the most probable other integer reading ('' when none scored above NEG)
    logp_alternative: float
    share: float  # P(typed) / (P(typed) + every alternative scored): stricter on long rows


def _forms(integer: str, decimals: str | None) -> tuple[list[str], list[bool]]:
    """The displayed strings (exact or as prefixes) that show this reading."""
    core = "" if integer == "0" else integer
    texts, prefix = [], []
    for k in range(MAX_LEADING_ZEROS + 1):
        shown = "0" * k + core
        if not shown:
            continue
        if decimals is None:
            texts += [shown, shown + "."]
            prefix += [False, True]
        else:
            texts.append(f"{shown}.{decimals}")
            prefix.append(True)
    return texts, prefix


def family_logp(logp: np.ndarray, integers: list[str], decimals: list[str | None]) -> np.ndarray:
    """log P of each (integer, decimals) reading family on one row, in one batched pass."""
    texts, prefix, owner = [], [], []
    for i, (integer, dec) in enumerate(zip(integers, decimals, strict=True)):
        t, p = _forms(integer, dec)
        texts += t
        prefix += p
        owner += [i] * len(t)
    if not texts:
        return np.full(len(integers), NEG)
    each = batch_logp(logp, texts, prefix)
    out = np.full(len(integers), NEG)
    for i, v in zip(owner, each, strict=True):
        out[i] = np.logaddexp(out[i], v)
    return out


def near_misses(integer: str, previous: str = "", free: str = "") -> list[str]:
    """Integer readings one slip away from ``integer``, the previous reading and the free reading."""
    out: set[str] = set()
    digits = "0123456789"
    n = len(integer)
    for i in range(n):
        for d in digits:
            out.add(integer[:i] + d + integer[i + 1:])  # one digit changed
        out.add(integer[:i] + integer[i + 1:])  # one dropped
        if i + 1 < n:
            out.add(integer[:i] + integer[i + 1] + integer[i] + integer[i + 2:])  # neighbours swapped
    for i in range(n + 1):
        for d in digits:
            out.add(integer[:i] + d + integer[i:])  # one added
    for extra in (previous, free):
        num = parse_number(extra) if extra else None
        if num is not None:
            out.add(num.integer)
    cleaned = {(x.lstrip("0") or "0") for x in out if x}
    cleaned.discard(integer.lstrip("0") or "0")
    return sorted(cleaned)


def score_typed(logp: np.ndarray, typed: str, previous: str = "", free: str = "",
                plausible: Plausible | None = None) -> TypedScore | None:
    """The typed reading's probability and posterior on this row; None when it is not a number.

    ``plausible`` (the consumer's previous reading, pipeline.decide.plausible_for) is the
    prior: a near miss that the meter cannot show now (below the previous reading, or
    more units than the limit) does not compete. The typed reading itself is judged
    by the decision, and it must still be probable on the row on its own (``logp``).
    """
    number = parse_number(typed)
    if number is None:
        return None
    alts = near_misses(number.integer, previous, free)
    if plausible is not None:
        alts = [a for a in alts if plausible.admits(float(a), len(a))]
    integers = [number.integer] + alts
    decimals: list[str | None] = [number.decimals] + [None] * len(alts)
    shown = parse_number(free) if free else None
    if (number.decimals is not None and shown is not None and shown.integer == number.integer
            and shown.decimals and not shown.decimals.startswith(number.decimals)):
        alts.append(f"{shown.integer}.{shown.decimals}")  # the same kWh, the decimals as the row shows them
        integers.append(shown.integer)
        decimals.append(shown.decimals)
    values = family_logp(logp, integers, decimals)
    typed_lp, alt_lp = float(values[0]), values[1:]
    if len(alt_lp) == 0 or typed_lp <= NEG / 2:
        none = 0.0 if typed_lp <= NEG / 2 else 1.0
        return TypedScore(typed_lp, none, "", NEG, none)
    top = int(np.argmax(alt_lp))
    pair = np.logaddexp(typed_lp, alt_lp[top])
    total = np.logaddexp(typed_lp, np.logaddexp.reduce(alt_lp))
    return TypedScore(typed_lp, float(np.exp(typed_lp - pair)), alts[top], float(alt_lp[top]),
                      float(np.exp(typed_lp - total)))
