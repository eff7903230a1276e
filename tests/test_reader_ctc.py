"""CTC post-processing of the learned reader, checked against brute force over every path."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from pipeline.reader.ctc import greedy, log_softmax, prefix_logp, sequence_logp
from pipeline.reader.rows import ALPHABET

C = len(ALPHABET) + 1


def _collapse(path: tuple[int, ...]) -> str:
    out, prev = [], 0
    for c in path:
        if c != 0 and c != prev:
            out.append(ALPHABET[c - 1])
        prev = c
    return "".join(out)


@pytest.fixture(scope="module")
def brute() -> tuple[np.ndarray, dict[str, float]]:
    rng = np.random.default_rng(3)
    T = 4
    logits = rng.normal(0, 2, (T, C))
    logits[:, [1, 2, 11]] += 2.0  # make '0', '1' and '.' likely, so strings repeat across paths
    logp = log_softmax(logits)
    p = np.exp(logp)
    totals: dict[str, float] = {}
    for path in itertools.product(range(C), repeat=T):
        prob = float(np.prod([p[t, c] for t, c in enumerate(path)]))
        key = _collapse(path)
        totals[key] = totals.get(key, 0.0) + prob
    return logp, totals


@pytest.mark.parametrize("text", ["", "0", "1", "00", "01", "10", "0.1", "11", "1.0.", "0000", "12"])
def test_sequence_probability_is_the_sum_over_its_paths(brute, text):
    logp, totals = brute
    assert np.exp(sequence_logp(logp, text)) == pytest.approx(totals.get(text, 0.0), rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("text", ["0", "1", "00", "01", "0.", "10", "11", "0.1", "000"])
def test_prefix_probability_sums_every_continuation(brute, text):
    logp, totals = brute
    want = sum(v for k, v in totals.items() if k.startswith(text))
    assert np.exp(prefix_logp(logp, text)) == pytest.approx(want, rel=1e-9)


def test_all_strings_sum_to_one(brute):
    _, totals = brute
    assert sum(totals.values()) == pytest.approx(1.0)


def test_greedy_reads_the_best_path():
    T = 8
    logp = np.full((T, C), np.log(1e-4))
    for t, c in enumerate([2, 2, 0, 2, 0, 11, 3, 0]):  # '1', '1', blank, '1', blank, '.', '2'
        logp[t, c] = np.log(0.99)
    text, probs = greedy(logp)
    assert text == "11.2" and len(probs) == 4 and all(p == pytest.approx(0.99) for p in probs)


def test_the_batch_pass_agrees_with_one_string_at_a_time(brute):
    from pipeline.reader.ctc import batch_logp

    logp, _ = brute
    texts = ["", "0", "1", "00", "01", "0.1", "11", "1.0.", "0000", "12", "99999"]
    exact = batch_logp(logp, texts)
    pref = batch_logp(logp, texts, prefix=True)
    for t, e, p in zip(texts, exact, pref, strict=True):
        assert e == pytest.approx(sequence_logp(logp, t), abs=1e-9) or (e < -1e29 and sequence_logp(logp, t) < -1e29)
        assert p == pytest.approx(prefix_logp(logp, t), abs=1e-9) or (p < -1e29 and prefix_logp(logp, t) < -1e29)
