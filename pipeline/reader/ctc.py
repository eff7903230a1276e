"""CTC post-processing in numpy: the free reading, and the probability of a given one.

The recognizer emits, for each column step, log-probabilities over the blank and
the alphabet. :func:`greedy` gives the best-path reading with one probability per
character. :func:`sequence_logp` is the CTC forward probability that the row shows
exactly a string; :func:`prefix_logp` that it shows a string *starting with* it
(everything after summed out). Verification (pipeline.reader.likelihood) builds
its hypotheses from these two.
"""

from __future__ import annotations

import numpy as np

from pipeline.reader.rows import ALPHABET

NEG = -1e30


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """(T, C) logits -> log-probabilities (float64, for stable sums)."""
    x = logits.astype(np.float64)
    x -= x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


def greedy(logp: np.ndarray) -> tuple[str, list[float]]:
    """Best-path decoding: (text, per-character probability, the peak of its run)."""
    best = logp.argmax(axis=1)
    text, probs = [], []
    prev = 0
    for t, c in enumerate(best):
        if c != 0 and c != prev:
            text.append(ALPHABET[c - 1])
            probs.append(float(np.exp(logp[t, c])))
        elif c != 0 and c == prev:
            probs[-1] = max(probs[-1], float(np.exp(logp[t, c])))
        prev = c
    return "".join(text), probs


def _ids(text: str) -> list[int]:
    return [ALPHABET.index(ch) + 1 for ch in text]


def _forward(logp: np.ndarray, labels: list[int]) -> np.ndarray:
    """Alpha (T, 2L+1) of the CTC forward pass over the blank-interleaved labels, in log space."""
    T = logp.shape[0]
    ext = [0]
    for k in labels:
        ext += [k, 0]
    S = len(ext)
    ext_a = np.array(ext)
    # a label state may skip the blank before it when it differs from the label two states back
    skip = np.zeros(S, bool)
    for s in range(2, S):
        skip[s] = ext[s] != 0 and ext[s] != ext[s - 2]
    alpha = np.full((T, S), NEG)
    alpha[0, 0] = logp[0, 0]
    if S > 1:
        alpha[0, 1] = logp[0, ext[1]]
    for t in range(1, T):
        prev = alpha[t - 1]
        a = prev
        b = np.concatenate([[NEG], prev[:-1]])
        c = np.concatenate([[NEG, NEG], prev[:-2]])
        c = np.where(skip, c, NEG)
        alpha[t] = np.logaddexp(np.logaddexp(a, b), c) + logp[t, ext_a]
    return alpha


def sequence_logp(logp: np.ndarray, text: str) -> float:
    """log P(the row shows exactly ``text``)."""
    labels = _ids(text)
    if not labels:
        return float(logp[:, 0].sum())
    if len(labels) > logp.shape[0]:
        return NEG
    alpha = _forward(logp, labels)
    return float(np.logaddexp(alpha[-1, -1], alpha[-1, -2]))


def prefix_logp(logp: np.ndarray, text: str) -> float:
    """log P(the row shows ``text`` followed by anything, nothing included).

    The sum over frames t of the probability that the last character of ``text``
    is first emitted at t (entered from another state): whatever follows sums to 1.
    """
    labels = _ids(text)
    if not labels:
        return 0.0
    if len(labels) > logp.shape[0]:
        return NEG
    alpha = _forward(logp, labels)
    last = len(2 * labels) - 1  # the state of the last label
    k = labels[-1]
    enter = [alpha[0, last]] if last == 1 else [NEG]
    for t in range(1, logp.shape[0]):
        into = alpha[t - 1, last - 1]  # from the blank before it
        if last >= 2 and labels[-1] != (labels[-2] if len(labels) > 1 else -1):
            into = np.logaddexp(into, alpha[t - 1, last - 2])
        enter.append(into + logp[t, k])
    return float(np.logaddexp.reduce(np.array(enter)))


def batch_logp(logp: np.ndarray, texts: list[str], prefix: list[bool] | bool = False) -> np.ndarray:
    """log P of many strings at once: exact (``prefix`` False) or as a prefix of what is shown.

    One forward pass over the frames for all strings together ((strings x states)
    arrays), so scoring hundreds of hypotheses costs about as much as one.
    """
    n = len(texts)
    flags = [prefix] * n if isinstance(prefix, bool) else list(prefix)
    labels = [_ids(t) for t in texts]
    out = np.full(n, NEG)
    T = logp.shape[0]
    live = [i for i in range(n) if labels[i] and len(labels[i]) <= T]
    for i in range(n):
        if not labels[i]:
            out[i] = 0.0 if flags[i] else float(logp[:, 0].sum())
    if not live:
        return out
    L = max(len(labels[i]) for i in live)
    S = 2 * L + 1
    ext = np.zeros((len(live), S), np.int64)
    lens = np.array([len(labels[i]) for i in live])
    for r, i in enumerate(live):
        ext[r, 1:2 * len(labels[i]):2] = labels[i]
    skip = np.zeros_like(ext, bool)
    skip[:, 2:] = (ext[:, 2:] != 0) & (ext[:, 2:] != ext[:, :-2])
    last = 2 * lens - 1
    rows = np.arange(len(live))
    k_last = ext[rows, last]
    from_prev_label = (lens >= 2) & skip[rows, last]
    alpha = np.full((len(live), S), NEG)
    alpha[:, 0] = logp[0, 0]
    alpha[:, 1] = logp[0, ext[:, 1]]
    enter = np.where(last == 1, alpha[:, 1], NEG)
    pad = np.full((len(live), 2), NEG)
    for t in range(1, T):
        prev = alpha
        into = prev[rows, last - 1]
        into = np.where(from_prev_label, np.logaddexp(into, prev[rows, np.maximum(last - 2, 0)]), into)
        enter = np.logaddexp(enter, into + logp[t, k_last])
        shifted = np.concatenate([pad, prev], axis=1)
        b, c = shifted[:, 1:S + 1], np.where(skip, shifted[:, :S], NEG)
        alpha = np.logaddexp(np.logaddexp(prev, b), c) + logp[t][ext]
    exact = np.logaddexp(alpha[rows, last + 1], alpha[rows, last])
    for r, i in enumerate(live):
        out[i] = enter[r] if flags[i] else exact[r]
    return out
