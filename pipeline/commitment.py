"""The draw's seed, committed before anyone can know what it will pick.

If the operator chose the seed at draw time, they could try seeds offline until
the winners suited them. So when the eligibility list is exported, a seed is
generated from the operating system's secure random source (``secrets``) and only
its SHA-256 is published, beside the list's SHA-256, in a small text file (the
*commitment*). The seed itself stays in the database until ``draw`` reveals it.

The operator can also name, in the commitment, a public value that does not yet
exist (a lottery result, a randomness beacon pulse, an index close on a later day).
The draw then mixes that value into the seed, so that even the operator, who knows
the seed, cannot tell who will win before the public value is out: exporting again
and again until a list and seed suit them gains nothing.

The rule (docs/exports.md): the draw seed is SEED when no public value is named,
else SEED + "/" + PUBLIC_VALUE; each entry's key is SHA-256(draw seed + IVRS).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from pipeline.exceptions import BadCsvError

HEADER = "# meter-verify lucky-draw commitment: publish this file with the list, before the draw"
FIELDS = ("cycle", "list", "list_sha256", "entries", "seed_sha256", "public_value_source", "committed_at")
NO_PUBLIC_VALUE = "none"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
RULE = ("rule: key = SHA-256(DRAW_SEED + IVRS) for every entry, the N smallest keys win (ties by IVRS); "
        "DRAW_SEED = SEED (revealed at the draw; its SHA-256 is seed_sha256 above), or SEED + \"/\" + "
        "PUBLIC_VALUE when public_value_source names one")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_seed() -> str:
    """256 bits from the operating system's secure random source, as 64 hex digits."""
    return secrets.token_hex(32)


def draw_seed(seed: str, public_value: str = "") -> str:
    """What the entries are ranked by: the seed, with the public value mixed in when one was named."""
    return f"{seed}/{public_value}" if public_value else seed


@dataclass(frozen=True)
class Commitment:
    """What is published before the draw."""

    cycle: str
    list_name: str
    list_sha256: str
    entries: int
    seed_sha256: str
    public_value_source: str  # '' when none was named
    committed_at: str

    def text(self) -> str:
        """The published file: one ``field: value`` line each, then the rule in words."""
        values = (self.cycle, self.list_name, self.list_sha256, str(self.entries), self.seed_sha256,
                  self.public_value_source or NO_PUBLIC_VALUE, self.committed_at)
        lines = [HEADER] + [f"{k}: {v}" for k, v in zip(FIELDS, values, strict=True)] + [RULE]
        return "\n".join(lines) + "\n"

    def seed_matches(self, seed: str) -> bool:
        return secrets.compare_digest(sha256_text(seed), self.seed_sha256)


def _one_line(text: str, what: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise ValueError(f"{what} is empty")
    return text


def parse(data: bytes, where: str) -> Commitment:
    """Read a published commitment file; anything else is an input error naming what is wrong."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadCsvError(f"{where} is not a draw commitment: it is not UTF-8 text") from None
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() in FIELDS:
            values[key.strip()] = value.strip()
    missing = [f for f in FIELDS if f not in values]
    if missing:
        raise BadCsvError(f"{where} is not a draw commitment: it lacks {', '.join(missing)} "
                          "(export draw-eligibility writes it as eligible.csv.commitment)")
    for key in ("list_sha256", "seed_sha256"):
        if not _HEX64.match(values[key]):
            raise BadCsvError(f"{where}: {key} is not a SHA-256 (64 lower-case hex digits)")
    if not values["entries"].isdigit():
        raise BadCsvError(f"{where}: entries is not a number")
    source = values["public_value_source"]
    return Commitment(values["cycle"], values["list"], values["list_sha256"], int(values["entries"]),
                      values["seed_sha256"], "" if source == NO_PUBLIC_VALUE else source, values["committed_at"])


def make(cycle: str, list_name: str, list_sha256: str, entries: int, seed: str, public_value_source: str,
         committed_at: str) -> Commitment:
    """The commitment to a fresh seed (its SHA-256 only) for a list just exported."""
    source = _one_line(public_value_source, "the public value source") if public_value_source.strip() else ""
    if source.lower() == NO_PUBLIC_VALUE:
        raise ValueError(f"the public value source cannot be called {NO_PUBLIC_VALUE!r}")
    return Commitment(cycle, list_name, list_sha256, entries, sha256_text(seed), source, committed_at)
