"""Train the digit-row sequence recognizer (CNN + CTC) and export it to ONNX for pipeline/reader.

Training needs PyTorch (the optional ``[train]`` extra); the pipeline runs the
exported model with onnxruntime. Data: scripts/make_rows.py. Checkpoints are kept
after every epoch, so a run killed midway resumes with ``--resume``.

    .venv/bin/python scripts/train_reader.py --train data/rows_train.npz --val data/rows_val.npz \\
        --epochs 12 --seed 1 --out models/reader_rec.onnx --work data/rec_run
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.reader.rows import ALPHABET, STRIDE, normalise  # noqa: E402

N_CLASSES = len(ALPHABET) + 1  # + CTC blank (class 0)


def conv_bn(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class Temporal(nn.Module):
    """A residual dilated 1-D convolution over the column sequence (context for '.', '1', blanks)."""

    def __init__(self, ch: int, dilation: int) -> None:
        super().__init__()
        self.conv = nn.Conv1d(ch, ch, 5, padding=2 * dilation, dilation=dilation, bias=False)
        self.bn = nn.BatchNorm1d(ch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x + self.bn(self.conv(x)))


class RowNet(nn.Module):
    """(N, 3, 32, W) normalised row -> (N, W/4, classes) logits."""

    def __init__(self) -> None:
        super().__init__()
        self.cnn = nn.Sequential(
            conv_bn(3, 24), nn.MaxPool2d(2),
            conv_bn(24, 48), nn.MaxPool2d(2),
            conv_bn(48, 64), conv_bn(64, 64), nn.MaxPool2d((2, 1)),
            conv_bn(64, 96), conv_bn(96, 96), nn.MaxPool2d((2, 1)),
            nn.Conv2d(96, 128, (2, 1), bias=False), nn.BatchNorm2d(128), nn.ReLU(inplace=True),
        )
        self.seq = nn.Sequential(Temporal(128, 1), Temporal(128, 2), Temporal(128, 4))
        self.drop = nn.Dropout(0.1)
        self.head = nn.Conv1d(128, N_CLASSES, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.cnn(x).squeeze(2)  # N, C, T
        f = self.seq(f)
        return self.head(self.drop(f)).permute(0, 2, 1)  # N, T, classes


class Rows:
    """The rows of one make_rows.py file, with cheap augmentation at batch time."""

    def __init__(self, path: Path) -> None:
        z = np.load(path)
        self.pixels, self.widths = z["pixels"], z["widths"]
        self.labels, self.worlds = [str(s) for s in z["labels"]], [str(s) for s in z["worlds"]]
        self.starts = np.concatenate([[0], np.cumsum(self.widths)[:-1]]) * 32

    def __len__(self) -> int:
        return len(self.widths)

    def image(self, i: int) -> np.ndarray:
        s, w = int(self.starts[i]), int(self.widths[i])
        return self.pixels[s:s + w * 32].reshape(w, 32, 3).transpose(1, 0, 2)

    def batch(self, idx: np.ndarray, rng: np.random.Generator | None) -> tuple[torch.Tensor, ...]:
        imgs = []
        for i in idx:
            img = self.image(int(i)).astype(np.float32)
            if rng is not None:
                img = _augment(img, rng)
            imgs.append(img)
        width = max(im.shape[1] for im in imgs)
        width = int(math.ceil(width / STRIDE) * STRIDE)
        x = np.zeros((len(imgs), 3, 32, width), np.float32)
        lengths = []
        for k, im in enumerate(imgs):
            n = normalise(im)  # (3, 32, w)
            w = n.shape[2]
            x[k, :, :, :w] = n
            if w < width:
                x[k, :, :, w:] = n[:, :, -1:]  # the row's own right edge continues
            lengths.append(int(math.ceil(w / STRIDE)))
        targets = [torch.tensor([ALPHABET.index(c) + 1 for c in self.labels[int(i)]], dtype=torch.long) for i in idx]
        return (torch.from_numpy(x), torch.tensor(lengths, dtype=torch.long), torch.cat(targets),
                torch.tensor([len(t) for t in targets], dtype=torch.long))


def _augment(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Light, per-batch variety on top of the rendered damage: shift, stretch, colour, grey."""
    import cv2

    h, w = img.shape[:2]
    if rng.random() < 0.5:
        f = rng.uniform(0.7, 1.2)
        img = cv2.resize(img, (max(12, int(w * f)), h), interpolation=cv2.INTER_LINEAR)
    if rng.random() < 0.4:  # trim or pad a few columns at either end
        a, b = int(rng.integers(-4, 5)), int(rng.integers(-4, 5))
        img = img[:, max(0, a): img.shape[1] - max(0, b)]
        if a < 0 or b < 0:
            img = np.pad(img, ((0, 0), (max(0, -a), max(0, -b)), (0, 0)), mode="edge")
    if rng.random() < 0.2:
        g = img.mean(axis=2, keepdims=True)
        img = np.repeat(g, 3, axis=2)
    img = img * rng.uniform(0.8, 1.2, 3)[None, None, :].astype(np.float32)
    return np.clip(img, 0, 255)


def greedy(logits: torch.Tensor, lengths: torch.Tensor) -> list[str]:
    best = logits.argmax(-1).numpy()
    out = []
    for row, n in zip(best, lengths.numpy(), strict=True):
        chars, prev = [], 0
        for c in row[:n]:
            if c != prev and c != 0:
                chars.append(ALPHABET[c - 1])
            prev = c
        out.append("".join(chars))
    return out


def from_onnx(path: Path) -> RowNet:
    """A RowNet holding a shipped model's weights (its BatchNorms folded into the convolutions on export).

    Each folded convolution gets its weights back with its BatchNorm set to the
    identity plus the folded bias (mean 0, variance 1 - eps, scale 1): the network
    computes what the ONNX file does, as long as the BatchNorms stay frozen
    (:func:`freeze_bn`). How a new stage starts from a shipped file whose
    training checkpoint is gone.
    """
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(path)).graph
    weights = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    convs = [n for n in graph.node if n.op_type == "Conv"]
    model = RowNet()
    state = model.state_dict()
    mods = dict(model.named_modules())
    names = [n for n, m in mods.items() if isinstance(m, (nn.Conv1d, nn.Conv2d))]
    bns = [n for n, m in mods.items() if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))]
    # every convolution but the head is followed by its BatchNorm, in forward (and ONNX node) order
    pairs = list(zip(names[:-1], bns, strict=True)) + [(names[-1], None)]
    if len(pairs) != len(convs):
        raise SystemExit(f"{path}: {len(convs)} convolutions, RowNet has {len(pairs)}")
    for (conv, bn), node in zip(pairs, convs, strict=True):
        w, b = weights[node.input[1]], weights[node.input[2]]
        if tuple(w.shape) != tuple(state[f"{conv}.weight"].shape):
            raise SystemExit(f"{path}: {node.input[1]} is {w.shape}, {conv} wants {tuple(state[conv + '.weight'].shape)}")
        state[f"{conv}.weight"] = torch.from_numpy(w.copy())
        if bn is None:
            state[f"{conv}.bias"] = torch.from_numpy(b.copy())
            continue
        eps = mods[bn].eps
        state[f"{bn}.weight"] = torch.ones_like(state[f"{bn}.weight"])
        state[f"{bn}.bias"] = torch.from_numpy(b.copy())
        state[f"{bn}.running_mean"] = torch.zeros_like(state[f"{bn}.running_mean"])
        state[f"{bn}.running_var"] = torch.full_like(state[f"{bn}.running_var"], 1.0 - eps)
    model.load_state_dict(state)
    return model


def freeze_bn(model: nn.Module) -> None:
    """BatchNorms in evaluation mode (running statistics fixed), the rest of the model as it is."""
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            m.eval()


def evaluate(model: RowNet, data: Rows, batch: int = 128) -> dict[str, float]:
    model.eval()
    right: dict[str, list[int]] = {}
    with torch.no_grad():
        for s in range(0, len(data), batch):
            idx = np.arange(s, min(len(data), s + batch))
            x, lengths, _, _ = data.batch(idx, None)
            for i, got in zip(idx, greedy(model(x), lengths), strict=True):
                right.setdefault(data.worlds[i], []).append(int(got == data.labels[i]))
    out = {w: float(np.mean(v)) for w, v in sorted(right.items())}
    out["all"] = float(np.mean([x for v in right.values() for x in v]))
    return out


def export(model: RowNet, out: Path) -> str:
    """ONNX with a dynamic batch and width; returns the file's SHA-256."""
    model.eval()
    dummy = torch.zeros(1, 3, 32, 160)
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(model, dummy, str(out), input_names=["row"], output_names=["logits"], opset_version=17,
                      dynamic_axes={"row": {0: "n", 3: "width"}, "logits": {0: "n", 1: "steps"}}, dynamo=False)
    return hashlib.sha256(out.read_bytes()).hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", type=Path, required=True)
    ap.add_argument("--val", type=Path, required=True)
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--work", type=Path, default=Path("data/rec_run"), help="checkpoints and the log")
    ap.add_argument("--out", type=Path, default=ROOT / "models" / "reader_rec.onnx")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--export-only", action="store_true", help="export the last checkpoint in --work and stop")
    ap.add_argument("--init", type=Path, help="start from this checkpoint's weights (a new schedule)")
    ap.add_argument("--init-onnx", type=Path,
                    help="start from a shipped ONNX model's weights (BatchNorms folded, so they stay frozen)")
    ap.add_argument("--no-manifest", action="store_true", help="do not record the export in models/manifest.json")
    args = ap.parse_args()
    if args.export_only:
        model = RowNet()
        state = torch.load(args.work / "last.pt", weights_only=False)
        model.load_state_dict(state["model"])
        _finish(model, args, state["epoch"])
        return
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    train, val = Rows(args.train), Rows(args.val)
    model = RowNet()
    frozen_bn = bool(args.init_onnx)
    if args.init:
        state = torch.load(args.init, weights_only=False)
        model.load_state_dict(state["model"])
        frozen_bn = bool(state.get("frozen_bn"))
        print(f"weights from {args.init}", flush=True)
    elif args.init_onnx:
        model = from_onnx(args.init_onnx)
        print(f"weights from {args.init_onnx} (BatchNorms frozen)", flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    steps_per_epoch = len(train) // args.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch,
                                                pct_start=0.1)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    args.work.mkdir(parents=True, exist_ok=True)
    ckpt, start_epoch = args.work / "last.pt", 0
    if args.resume and ckpt.exists():
        state = torch.load(ckpt, weights_only=False)
        model.load_state_dict(state["model"])
        frozen_bn = bool(state.get("frozen_bn"))
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        rng = state["rng"]
        start_epoch = state["epoch"] + 1
        print(f"resumed after epoch {state['epoch']}", flush=True)
    print(f"{sum(p.numel() for p in model.parameters())} parameters; {len(train)} train rows, {len(val)} val rows",
          flush=True)
    log = (args.work / "log.jsonl").open("a", encoding="utf-8")
    for epoch in range(start_epoch, args.epochs):
        model.train()
        if frozen_bn:
            freeze_bn(model)
        # batches of similar width: sort a shuffled order in chunks, so padding stays small
        order = rng.permutation(len(train))
        chunks = [order[i:i + args.batch * 50] for i in range(0, len(order), args.batch * 50)]
        batches = []
        for c in chunks:
            c = c[np.argsort(train.widths[c], kind="stable")]
            batches += [c[i:i + args.batch] for i in range(0, len(c) - args.batch + 1, args.batch)]
        rng.shuffle(batches)
        started, total = time.time(), 0.0
        for step, idx in enumerate(batches[:steps_per_epoch], 1):
            x, lengths, targets, target_lengths = train.batch(idx, rng)
            logp = model(x).log_softmax(-1).permute(1, 0, 2)  # T, N, C
            loss = ctc(logp, targets, lengths, target_lengths)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            sched.step()
            total += float(loss.detach())
            if step % 200 == 0:
                print(f"epoch {epoch} step {step}/{steps_per_epoch} loss {total / step:.4f} "
                      f"{step * args.batch / (time.time() - started):.0f} rows/s", flush=True)
        scores = evaluate(model, val)
        print(f"epoch {epoch}: loss {total / steps_per_epoch:.4f}, val exact {json.dumps(scores)}", flush=True)
        log.write(json.dumps({"epoch": epoch, "loss": total / steps_per_epoch, "val": scores}) + "\n")
        log.flush()
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(), "rng": rng,
                    "epoch": epoch, "frozen_bn": frozen_bn}, ckpt)
    _finish(model, args, args.epochs - 1)


def _command(args: argparse.Namespace) -> str:
    """The training command as it would be typed, for the manifest (an export-only run is given the same flags)."""
    init = f" --init {args.init}" if args.init else (f" --init-onnx {args.init_onnx}" if args.init_onnx else "")
    return (f"scripts/train_reader.py --train {args.train} --val {args.val} --epochs {args.epochs} "
            f"--batch {args.batch} --lr {args.lr} --seed {args.seed}{init} --work {args.work}")


def _finish(model: RowNet, args: argparse.Namespace, epoch: int) -> None:
    """Export to ONNX and record the file, its hash and how it was made in models/manifest.json."""
    sha = export(model, args.out)
    print(f"exported {args.out} (epoch {epoch}) sha256 {sha}", flush=True)
    if args.no_manifest:
        return
    manifest_path = args.out.parent / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    log = [json.loads(line) for line in (args.work / "log.jsonl").read_text(encoding="utf-8").splitlines()]
    val = next((e["val"] for e in log if e["epoch"] == epoch), {})
    manifest["models"][args.out.stem] = {
        "file": args.out.name, "sha256": sha, "bytes": args.out.stat().st_size,
        "what": "digit-row sequence recognizer (CNN + dilated temporal convolutions, CTC)",
        "alphabet": ALPHABET, "blank": 0, "input": "(N, 3, 32, W) BGR, pipeline.reader.rows.normalise",
        "stride": STRIDE, "parameters": sum(p.numel() for p in model.parameters()), "epochs": epoch + 1,
        "val_exact_synthetic": val,
        "trained_with": _command(args),
        "stopped_after_epoch": None if epoch + 1 >= args.epochs else epoch,
        "data": "scripts/make_rows.py (samples/synth/rows.py worlds + haverland-meterdigits crops, Apache-2.0)",
    }
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
