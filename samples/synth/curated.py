"""The curated ``mix='samples'`` plan: every status, most reason codes, odd files."""

from __future__ import annotations

from typing import Any

#: (case, options) in submission order. Options understood by ``cases.make_row``:
#: kind, register, fmt ('jpg'|'png'), size, portrait, quality, exif, typed, submitted_at, ts,
#: photo_path, drop_fields, non_utf8, reuse, tariff.
SAMPLES_PLAN: list[tuple[str, dict[str, Any]]] = [
    ("valid", {"kind": "lcd", "ts": "z", "portrait": False, "quality": 80}),
    ("valid", {"kind": "drum", "portrait": False, "quality": 80}),
    ("valid", {"kind": "lcd", "fmt": "png", "size": (800, 600), "portrait": False}),
    ("valid", {"kind": "lcd", "exif": True, "portrait": False, "quality": 80}),
    ("valid", {"kind": "drum", "size": (4000, 3000), "quality": 72}),
    ("valid", {"kind": "lcd", "non_utf8": True, "portrait": True, "quality": 80}),
    ("valid", {"kind": "lcd", "tariff": "industrial", "portrait": False, "quality": 78}),
    ("mismatch_one_digit", {"kind": "lcd", "portrait": False, "quality": 80}),
    ("mismatch_swapped", {"kind": "drum", "portrait": False, "quality": 80}),
    ("mismatch_missing", {"kind": "lcd", "portrait": True, "quality": 80}),
    ("mismatch_extra", {"kind": "lcd", "portrait": False, "quality": 80}),
    ("mismatch_decimal", {"kind": "lcd", "portrait": False, "quality": 80}),
    ("mismatch_previous", {"kind": "drum", "portrait": False, "quality": 80}),
    ("mismatch_other", {"kind": "lcd", "portrait": False, "quality": 80}),
    ("unclear_blur", {"kind": "lcd", "portrait": False, "quality": 75}),
    ("unclear_dark", {"kind": "lcd", "portrait": False, "quality": 75}),
    ("unclear_overexposed", {"kind": "drum", "portrait": False, "quality": 75}),
    ("unclear_glare", {"kind": "lcd", "portrait": False, "quality": 75}),
    ("unclear_cut_off", {"kind": "lcd", "portrait": False, "quality": 75}),
    ("unclear_small", {"kind": "drum", "portrait": False, "quality": 75}),
    ("not_meter", {"portrait": False, "quality": 75}),
    ("photo_empty", {}),
    ("photo_truncated", {"kind": "lcd", "portrait": False, "quality": 75}),
    ("photo_not_image", {}),
    ("photo_missing", {}),
    ("photo_outside_batch", {"photo_path": "../outside.jpg"}),
    ("photo_too_large", {}),
    ("not_kwh", {"register": "V", "portrait": False, "quality": 78}),
    ("outside_window", {"kind": "lcd", "portrait": False, "quality": 78, "submitted_at": "2026-11-07T10:42:00+05:30"}),
    ("bad_timestamp", {"kind": "lcd", "portrait": False, "quality": 78, "submitted_at": "03-11-2026 14:05"}),
    ("unknown_ivrs", {"kind": "lcd", "portrait": False, "quality": 78}),
    ("typed_not_a_number", {"kind": "drum", "portrait": False, "quality": 78}),
    ("below_previous", {"kind": "lcd", "portrait": False, "quality": 78}),
    ("high_consumption", {"kind": "lcd", "tariff": "domestic", "portrait": False, "quality": 78}),
    ("photo_reused", {"reuse": "resize"}),
    ("duplicate_id", {"kind": "lcd", "portrait": False, "quality": 78}),
    ("missing_field", {"kind": "lcd", "portrait": False, "quality": 78, "drop_fields": 4}),
]
