"""Train the screen classifier (live kWh register or another one) and export it to ONNX for pipeline/reader/screen.py.

Data: samples/synth/screens.py, rendered here (``--n`` samples from ``--seed``,
cached as .npz in ``--work``); no real photo. Training needs PyTorch (the optional
``[train]`` extra); checkpoints after every epoch, so a killed run resumes with
``--resume``. The validation set is rendered from another seed.

    .venv/bin/python scripts/train_screen.py --n 30000 --val 3000 --epochs 6 --seed 1 \\
        --out models/screen.onnx --work data/screen_run
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.reader.screen import HEIGHT, WIDTH, normalise  # noqa: E402


def _chunk(args: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    from samples.synth.screens import render_screen

    seed, n = args
    rng = np.random.default_rng(seed)
    out = [render_screen(rng) for _ in range(n)]
    return np.stack([o[0] for o in out]), np.array([o[1] for o in out], np.int64)


def render(n: int, seed: int, path: Path, workers: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` samples of seed ``seed``, from the cache ``path`` when it is there."""
    if path.exists():
        z = np.load(path)
        return z["x"], z["y"]
    chunk = 500
    jobs = [(seed * 100_003 + i, min(chunk, n - i * chunk)) for i in range((n + chunk - 1) // chunk)]
    started = time.time()
    xs, ys = [], []
    with ProcessPoolExecutor(workers) as pool:
        for k, (x, y) in enumerate(pool.map(_chunk, jobs), 1):
            xs.append(x)
            ys.append(y)
            if k % 10 == 0:
                print(f"  rendered {k * chunk} in {time.time() - started:.0f} s", flush=True)
    x, y = np.concatenate(xs), np.concatenate(ys)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, x=x, y=y)
    return x, y


def conv_bn(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


class ScreenNet(nn.Module):
    """(N, 1, 96, 352) normalised context -> (N, 2) logits: kWh, other."""

    def __init__(self) -> None:
        super().__init__()
        self.cnn = nn.Sequential(
            conv_bn(1, 16, 2), conv_bn(16, 16), nn.MaxPool2d(2),  # 24 x 88
            conv_bn(16, 40), nn.MaxPool2d(2),  # 12 x 44
            conv_bn(40, 64), conv_bn(64, 64), nn.MaxPool2d(2),  # 6 x 22
            conv_bn(64, 96), nn.AdaptiveMaxPool2d(1),
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.2), nn.Linear(96, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.cnn(x))


def _batch(x: np.ndarray, idx: np.ndarray, rng: np.random.Generator | None) -> torch.Tensor:
    out = np.empty((len(idx), 1, HEIGHT, WIDTH), np.float32)
    for k, i in enumerate(idx):
        img = x[int(i)]
        if rng is not None and rng.random() < 0.3:  # a negative or a contrast change
            img = (255 - img) if rng.random() < 0.3 else np.clip(img * rng.uniform(0.6, 1.3), 0, 255).astype(np.uint8)
        out[k] = normalise(img)
    return torch.from_numpy(out)


def evaluate(model: nn.Module, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(accuracy, mean P(other) of the kWh screens) on a held-out set."""
    model.eval()
    probs = []
    with torch.no_grad():
        for s in range(0, len(x), 256):
            idx = np.arange(s, min(s + 256, len(x)))
            probs.append(torch.softmax(model(_batch(x, idx, None)), 1)[:, 1].numpy())
    p = np.concatenate(probs)
    return float(((p >= 0.5) == (y == 1)).mean()), float(p[y == 0].mean())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=40000)
    ap.add_argument("--val", type=int, default=3000)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "models" / "screen.onnx")
    ap.add_argument("--work", type=Path, default=ROOT / "data" / "screen_run")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--init", type=Path, help="start from the weights of this checkpoint (a further stage on new data)")
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.workers)
    rng = np.random.default_rng(args.seed)
    t0 = time.time()
    x, y = render(args.n, args.seed, args.work / f"train_{args.n}_{args.seed}.npz", args.workers)
    xv, yv = render(args.val, args.seed + 9000, args.work / f"val_{args.val}_{args.seed + 9000}.npz", args.workers)
    print(f"data: {len(x)} train ({y.mean():.2f} other), {len(xv)} val, {time.time() - t0:.0f} s", flush=True)
    model = ScreenNet()
    if args.init:
        model.load_state_dict(torch.load(args.init)["model"])
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    steps = args.epochs * (len(x) // args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps, pct_start=0.15)
    start = 0
    ckpt = args.work / "last.pt"
    if args.resume and ckpt.exists():
        state = torch.load(ckpt)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        start = state["epoch"] + 1
        rng = np.random.default_rng(args.seed + start)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)
    for epoch in range(start, args.epochs):
        model.train()
        order = rng.permutation(len(x))
        total, t = 0.0, time.time()
        for s in range(0, len(order) - args.batch + 1, args.batch):
            idx = order[s:s + args.batch]
            loss = loss_fn(model(_batch(x, idx, rng)), torch.from_numpy(y[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        acc, p0 = evaluate(model, xv, yv)
        print(f"epoch {epoch + 1}/{args.epochs}: loss {total / len(order):.4f}, val accuracy {acc:.4f}, "
              f"mean P(other) of kWh screens {p0:.3f}, {time.time() - t:.0f} s", flush=True)
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
                    "epoch": epoch}, ckpt)
    model.eval()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(model, torch.zeros(1, 1, HEIGHT, WIDTH), str(args.out), input_names=["screen"],
                      output_names=["logits"], dynamic_axes={"screen": {0: "n"}, "logits": {0: "n"}}, opset_version=17,
                      dynamo=False)
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    acc, p0 = evaluate(model, xv, yv)
    print(json.dumps({"out": str(args.out), "sha256": digest, "val_accuracy": round(acc, 4),
                      "train": args.n, "seed": args.seed, "epochs": args.epochs}))


if __name__ == "__main__":
    main()
