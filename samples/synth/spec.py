"""Display specifications, rendered-display results and value parsing."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

REGISTERS = ("kWh", "MD", "kVAh", "V", "A", "Hz", "PF", "date", "time")
KINDS = ("lcd", "drum")

#: Legend strings shown next to the digits, per register.
LEGENDS: dict[str, tuple[str, ...]] = {
    "kWh": ("kWh", "kWh", "kWh", "kWh", "CUM kWh", "KWH", "kWh Imp"),
    "MD": ("MD kW",),
    "kVAh": ("kVAh",),
    "V": ("V",),
    "A": ("A",),
    "Hz": ("Hz",),
    "PF": ("PF",),
    "date": ("DATE", ""),
    "time": ("TIME", ""),
}

Box = tuple[float, float, float, float]


@dataclass
class DisplaySpec:
    """What a display shows.

    ``value`` has one character per digit position ('0'-'9', '-' dash, ' ' blank
    cell), plus '.' after the position the decimal point follows and ':' for a
    colon. For drums a '.' before the last digit means a red tenths drum.
    """

    kind: str = "lcd"
    value: str = "012345.6"
    register: str = "kWh"
    blank_leading: bool = False
    legend: str | None = None  # None -> random legend for the register
    digit_height: float = 80.0  # render resolution (px of digit height)
    slant_deg: float | None = None  # lcd only; None -> random 0-12
    midroll: tuple[int, ...] = ()  # drum positions caught rolling
    ghost: bool | None = None  # lcd ghost segments; None -> random (~85 %)
    ink: float | None = None  # lcd segment darkness, 0-1 of the way to the segment colour; None -> 0.85-0.97
    tight: bool = False  # lcd glass close around the digits (left, bottom) and lit unevenly along its length


@dataclass
class RenderedDisplay:
    """A flat display image with exact geometry in its own pixel frame."""

    image: np.ndarray
    digit_boxes: list[Box]
    digit_labels: list[str]
    decimal_after: int | None
    legend_box: Box | None
    legend_text: str
    kind: str = "lcd"
    register: str = "kWh"
    reading: str = ""
    midroll: list[int] = field(default_factory=list)
    colon_after: int | None = None
    window_box: Box | None = None  # the LCD glass / drum window

    @property
    def digits_box(self) -> Box:
        """Union of all digit boxes."""
        xs = [b[0] for b in self.digit_boxes] + [b[0] + b[2] for b in self.digit_boxes]
        ys = [b[1] for b in self.digit_boxes] + [b[1] + b[3] for b in self.digit_boxes]
        return (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))

    @property
    def digit_height(self) -> float:
        """Mean digit box height in display pixels."""
        return float(np.mean([b[3] for b in self.digit_boxes]))


def parse_value(value: str) -> tuple[list[str], int | None, int | None]:
    """Split a display value into positions, decimal_after and colon_after."""
    pos: list[str] = []
    dec: int | None = None
    colon: int | None = None
    for ch in value:
        if ch == ".":
            dec = len(pos) - 1
        elif ch == ":":
            colon = len(pos) - 1
        else:
            pos.append(ch)
    return pos, dec, colon


def visible_labels(pos: list[str], dec: int | None, blank_leading: bool) -> list[str]:
    """Per-position labels after blanking leading zeros ('' = blank cell)."""
    labels = ["" if c == " " else c for c in pos]
    if blank_leading:
        last = dec if dec is not None else len(pos) - 1
        for i in range(last):
            if labels[i] in ("0", ""):
                labels[i] = ""
            else:
                break
    return labels


def reading_string(labels: list[str], dec: int | None, colon: int | None) -> str:
    """Displayed reading as a string: blank cells skipped, '.' and ':' kept."""
    out = []
    for i, c in enumerate(labels):
        out.append(c)
        if dec == i:
            out.append(".")
        if colon == i:
            out.append(":")
    return "".join(out)


def format_value(x: float, int_positions: int, decimals: int) -> str:
    """Zero-padded value string, truncated like a meter, e.g. (12345.67, 6, 1) -> '012345.6'."""
    x = float(np.floor(round(x * 10 ** decimals, 6)) / 10 ** decimals)
    if decimals:
        s = f"{x:0{int_positions + decimals + 1}.{decimals}f}"
    else:
        s = f"{int(x):0{int_positions}d}"
    return s[-(int_positions + decimals + (1 if decimals else 0)):]
