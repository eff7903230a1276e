"""Which text line is the register: the read rows of a photo -> the digit row to verify against.

Every proposal of the detector is read; a meter face also carries serial numbers,
dates, "1200 imp/kWh" and the like. The register's row is taken to be the
*tallest* row that reads as a number of at least MIN_DIGITS digits: on every meter
in the real sets the register's digits are the largest characters on the face.
The choice never looks at the typed reading, so a consumer who types a serial
number does not pick the row that matches it; a second confident number row is
reported so that the decision can flag it (OTHER_NUMBER_ON_METER).

Where the learned register-row finder has scored the rows (pipeline.reader.predict,
ROW_SCORE), the rows it confirms are chosen among first: the tallest *confirmed*
number row. It still cannot tell a kWh screen from a kVAh or MD screen of the
same display (pipeline.reader.stage checks the register).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.reader.ctc import greedy, sequence_logp

MIN_DIGITS = 4  # a kWh register shows at least this many digit positions
MAX_DIGITS = 9  # ... and at most this many: a longer number is a consumer or serial number (IVRS: 10-12)
MIN_ROW_CONFIDENCE = 0.2  # P(the free reading) of a row to count as a number row
SIMILAR_HEIGHT = 0.8  # another number row at least this tall (relative) competes with the chosen one
REGISTER_ROW_MIN_SCORE = 0.5  # the finder's mean probability over a row's core to confirm it as the register's


@dataclass(frozen=True)
class ReadRow:
    """One proposal as read: the free reading, its probability, the log-probabilities and the row's height."""

    index: int
    text: str
    confidence: float  # P(the row shows exactly ``text``)
    char_probs: list[float]
    logp: np.ndarray
    height: float  # text height in photo pixels
    register_score: float | None = None  # the finder's belief that this is the register's row (finder.row_score)

    @property
    def digits(self) -> int:
        return sum(ch.isdigit() for ch in self.text)

    @property
    def is_number(self) -> bool:
        t = self.text
        return (MIN_DIGITS <= self.digits <= MAX_DIGITS and t.count(".") <= 1 and not t.startswith(".")
                and self.confidence >= MIN_ROW_CONFIDENCE)


def read_row(index: int, logp: np.ndarray, height: float) -> ReadRow:
    text, probs = greedy(logp)
    return ReadRow(index, text, float(np.exp(sequence_logp(logp, text))), probs, logp, height)


def confirmed(row: ReadRow) -> bool:
    """The finder scored the row and takes it for the register's."""
    return row.register_score is not None and row.register_score >= REGISTER_ROW_MIN_SCORE


def choose(rows: list[ReadRow], confirmed_only: bool = False) -> tuple[ReadRow | None, list[ReadRow]]:
    """(the register's row or None, the other number rows nearly as tall).

    Among the number rows, those the finder confirms (``confirmed``) come first: a
    plate's "1200 imp/kWh" is a number row as good as the register to a text
    detector. ``confirmed_only``: None unless a confirmed row is there. Rivals are
    taken among all number rows, confirmed or not (a doubt flags, it never accepts).
    """
    numbers = [r for r in rows if r.is_number]
    pool = [r for r in numbers if confirmed(r)] or ([] if confirmed_only else numbers)
    if not pool:
        return None, []
    best = max(pool, key=lambda r: (r.height, r.confidence))
    rivals = [r for r in numbers if r is not best and r.height >= SIMILAR_HEIGHT * best.height
              and r.text.split(".")[0].lstrip("0") != best.text.split(".")[0].lstrip("0")]
    return best, rivals
