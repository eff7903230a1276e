"""Train the register-row finder (pipeline/reader/finder.py) and export it to ONNX.

Data: scripts/make_finder.py (generated photos with their digit-row quads). Every
batch is a fresh set of views: each photo is zoomed so the row spans 5-85 % of the
view, turned, shifted, re-coloured (hue, saturation, light), blurred, noised and
re-compressed, so that a close-up of an orange LCD and a far meter on a wall are
both seen. PyTorch is the optional ``[train]`` extra; checkpoints after every epoch.

    .venv/bin/python scripts/train_finder.py --train data/finder_train.npz --val data/finder_val.npz \\
        --epochs 10 --seed 3 --work data/finder_run --out models/row_finder.onnx
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.reader.finder import STRIDE, regions  # noqa: E402

VIEW = (320, 240)  # (w, h) of a training view


def conv(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class Finder(nn.Module):
    """A small encoder-decoder: stride 16 features brought back to stride 4, one logit per pixel."""

    def __init__(self) -> None:
        super().__init__()
        self.e1 = nn.Sequential(conv(3, 16, 2), conv(16, 16))  # /2
        self.e2 = nn.Sequential(conv(16, 32, 2), conv(32, 32))  # /4
        self.e3 = nn.Sequential(conv(32, 48, 2), conv(48, 48))  # /8
        self.e4 = nn.Sequential(conv(48, 64, 2), conv(64, 64), conv(64, 64))  # /16
        self.d3 = conv(64 + 48, 48)
        self.d2 = conv(48 + 32, 32)
        self.head = nn.Conv2d(32, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f2 = self.e2(self.e1(x))
        f3 = self.e3(f2)
        f4 = self.e4(f3)
        u3 = self.d3(torch.cat([nn.functional.interpolate(f4, size=f3.shape[2:], mode="nearest"), f3], 1))
        u2 = self.d2(torch.cat([nn.functional.interpolate(u3, size=f2.shape[2:], mode="nearest"), f2], 1))
        return self.head(u2)


class Photos:
    def __init__(self, path: Path) -> None:
        z = np.load(path)
        self.jpeg, self.offsets = z["jpeg"], z["offsets"]
        self.truth = [json.loads(t) for t in z["truth"]]

    def __len__(self) -> int:
        return len(self.truth)

    def image(self, i: int) -> np.ndarray:
        return cv2.imdecode(self.jpeg[self.offsets[i]:self.offsets[i + 1]], cv2.IMREAD_COLOR)


def core_mask(quad: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The row's core (half its height, a quarter-height in from each end) at STRIDE."""
    q = quad.astype(np.float64)
    c = q.mean(axis=0)
    top, left = (q[0] + q[1]) / 2, (q[0] + q[3]) / 2
    u = (q[1] - q[0] + q[2] - q[3]) / 2  # width vector
    v = (q[3] - q[0] + q[2] - q[1]) / 2  # height vector
    w, h = np.linalg.norm(u), np.linalg.norm(v)
    del top, left
    if w < 1 or h < 1:
        return np.zeros(shape, np.float32)
    uw = u / w * max(w / 2 - 0.25 * h, w * 0.1)
    vh = v / h * (h / 4)
    core = np.array([c - uw - vh, c + uw - vh, c + uw + vh, c - uw + vh]) / STRIDE
    m = np.zeros(shape, np.uint8)
    cv2.fillPoly(m, [np.round(core * 16).astype(np.int32)], 1, cv2.LINE_8, shift=4)
    return m.astype(np.float32)


def view(img: np.ndarray, quad: np.ndarray | None, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One augmented training view (VIEW size, BGR float32 in [0, 1]) and its target at STRIDE."""
    W, H = VIEW
    h0, w0 = img.shape[:2]
    angle = float(rng.normal(0, 8)) if rng.random() < 0.85 else float(rng.uniform(-35, 35))
    if quad is not None:
        q = quad.astype(np.float64)
        row_w = float(np.linalg.norm(q[1] - q[0]))
        frac = math.exp(rng.uniform(math.log(0.05), math.log(0.85)))
        s = frac * W / max(row_w, 1.0)
        centre = q.mean(axis=0)
        target = np.array([rng.uniform(0.15, 0.85) * W, rng.uniform(0.15, 0.85) * H])
    else:
        s = rng.uniform(0.35, 1.2) * W / w0
        centre = np.array([rng.uniform(0.2, 0.8) * w0, rng.uniform(0.2, 0.8) * h0])
        target = np.array([W / 2, H / 2])
    m = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), angle, s)
    m[:, 2] += target - centre
    out = cv2.warpAffine(img, m, (W, H), flags=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REPLICATE)  # a reflection would copy the meter unlabelled
    y = np.zeros((H // STRIDE, W // STRIDE), np.float32)
    if quad is not None:
        tq = np.c_[quad, np.ones(4)] @ m.T
        y = core_mask(tq, y.shape)
    out = out.astype(np.float32)
    if rng.random() < 0.5:  # another hue: orange, blue, green backlights
        hsv = cv2.cvtColor(out.astype(np.uint8), cv2.COLOR_BGR2HSV).astype(np.float32)
        hsv[..., 0] = (hsv[..., 0] + rng.uniform(0, 180)) % 180
        hsv[..., 1] = np.clip(hsv[..., 1] * rng.uniform(0.6, 2.0), 0, 255)
        out = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2BGR).astype(np.float32)
    out = out * rng.uniform(0.6, 1.3) + rng.uniform(-40, 30)
    if rng.random() < 0.3:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.5, 2.0))
    out += rng.normal(0, rng.uniform(0, 8), out.shape).astype(np.float32)
    out = np.clip(out, 0, 255)
    if rng.random() < 0.4:
        ok, buf = cv2.imencode(".jpg", out.astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(30, 90))])
        out = cv2.imdecode(buf, cv2.IMREAD_COLOR).astype(np.float32)
    return out / 255.0 - 0.5, y


def row_quad(truth: dict) -> np.ndarray | None:
    q = truth.get("display_quad")
    if not q or truth.get("defect") == "not_meter":
        return None
    return np.array(q, np.float64)


def batch(data: Photos, idx: np.ndarray, rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    xs, ys = [], []
    for i in idx:
        x, y = view(data.image(int(i)), row_quad(data.truth[int(i)]), rng)
        xs.append(x.transpose(2, 0, 1))
        ys.append(y[None])
    return torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(ys))


def evaluate(model: Finder, data: Photos, seed: int) -> dict[str, float]:
    """Views of the validation photos: share of rows whose found quad covers the true row's centre."""
    model.eval()
    rng = np.random.default_rng(seed)
    hit = found = n = false = 0
    with torch.no_grad():
        for i in range(len(data)):
            quad = row_quad(data.truth[i])
            x, y = view(data.image(i), quad, rng)
            prob = torch.sigmoid(model(torch.from_numpy(x.transpose(2, 0, 1)[None]))).numpy()[0, 0]
            props = regions(prob, 1.0)
            if y.sum() == 0:  # no row in view (no meter, or the row left the view)
                false += bool(props)
                continue
            n += 1
            ys, xs = np.nonzero(y)
            c = (float(xs.mean() * STRIDE + STRIDE / 2), float(ys.mean() * STRIDE + STRIDE / 2))
            found += bool(props)
            hit += bool(props) and cv2.pointPolygonTest(props[0].quad, c, False) >= 0
    return {"top1_covers_row": hit / max(1, n), "any_found": found / max(1, n),
            "found_where_none": false / max(1, len(data) - n)}


def export(model: Finder, out: Path) -> str:
    model.eval()
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(model, torch.zeros(1, 3, 240, 320), str(out), input_names=["photo"], output_names=["logits"],
                      opset_version=17, dynamic_axes={"photo": {2: "h", 3: "w"}, "logits": {2: "h4", 3: "w4"}},
                      dynamo=False)
    return hashlib.sha256(out.read_bytes()).hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", type=Path, required=True)
    ap.add_argument("--val", type=Path, required=True)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--work", type=Path, default=Path("data/finder_run"))
    ap.add_argument("--out", type=Path, default=ROOT / "models" / "row_finder.onnx")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--export-only", action="store_true")
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    model = Finder()
    ckpt = args.work / "last.pt"
    if args.export_only:
        state = torch.load(ckpt, weights_only=False)
        model.load_state_dict(state["model"])
        _finish(model, args, state["epoch"])
        return
    train, val = Photos(args.train), Photos(args.val)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    steps = len(train) // args.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.epochs * steps, pct_start=0.1)
    args.work.mkdir(parents=True, exist_ok=True)
    start = 0
    if args.resume and ckpt.exists():
        state = torch.load(ckpt, weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        rng, start = state["rng"], state["epoch"] + 1
    print(f"{sum(p.numel() for p in model.parameters())} parameters; {len(train)} photos", flush=True)
    bce = nn.BCEWithLogitsLoss(pos_weight=torch.tensor(3.0))
    log = (args.work / "log.jsonl").open("a", encoding="utf-8")
    for epoch in range(start, args.epochs):
        model.train()
        order = rng.permutation(len(train))
        t0, total = time.time(), 0.0
        for step in range(steps):
            x, y = batch(train, order[step * args.batch:(step + 1) * args.batch], rng)
            logits = model(x)
            p = torch.sigmoid(logits)
            dice = 1 - (2 * (p * y).sum() + 1) / (p.sum() + y.sum() + 1)
            loss = bce(logits, y) + dice
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach())
            if (step + 1) % 50 == 0:
                print(f"epoch {epoch} step {step + 1}/{steps} loss {total / (step + 1):.4f} "
                      f"{(step + 1) * args.batch / (time.time() - t0):.1f} photos/s", flush=True)
        scores = evaluate(model, val, 1000 + epoch)
        print(f"epoch {epoch}: loss {total / steps:.4f} val {json.dumps(scores)}", flush=True)
        log.write(json.dumps({"epoch": epoch, "loss": total / steps, "val": scores}) + "\n")
        log.flush()
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(), "rng": rng,
                    "epoch": epoch}, ckpt)
    _finish(model, args, args.epochs - 1)


def _finish(model: Finder, args: argparse.Namespace, epoch: int) -> None:
    sha = export(model, args.out)
    print(f"exported {args.out} (epoch {epoch}) sha256 {sha}", flush=True)
    path = args.out.parent / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    log = [json.loads(line) for line in (args.work / "log.jsonl").read_text(encoding="utf-8").splitlines()]
    manifest["models"][args.out.stem] = {
        "file": args.out.name, "sha256": sha, "bytes": args.out.stat().st_size,
        "what": "register-row finder (small encoder-decoder; the row's core at stride 4)",
        "input": "(1, 3, H, W) BGR / 255 - 0.5, H and W multiples of 16", "stride": STRIDE,
        "parameters": sum(p.numel() for p in model.parameters()), "epochs": epoch + 1,
        "val_synthetic": next((e["val"] for e in log if e["epoch"] == epoch), {}),
        "trained_with": f"scripts/train_finder.py --train {args.train} --val {args.val} --epochs {args.epochs} "
                        f"--batch {args.batch} --lr {args.lr} --seed {args.seed}",
        "data": "scripts/make_finder.py (samples.synth photos, no real photo)",
    }
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
