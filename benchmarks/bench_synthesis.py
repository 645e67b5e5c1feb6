"""Benchmark of image synthesis: ms per step of both ideal-image modes, and adversarial success after the PNG round trip.

    python benchmarks/bench_synthesis.py [--limit N] [--steps S] [--classes K]

Adversarial: every dog photo of pets-mini (or the first --limit) is attacked towards "tabby cat" at eps 1 and 2 (/255)
within 20 steps, beside a plain signed-gradient (PGD) baseline on the 224 px crop the network sees. Success counts
only when the saved PNG, loaded again through `transfer.predict`, gives the target.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from transfer import adversarial_example, iter_ideal_image, load_model, predict  # noqa: E402
from transfer.images import load_image  # noqa: E402
from transfer.render import tensor_to_image  # noqa: E402
from transfer.targets import resolve_target  # noqa: E402

PETS = ROOT.parent / "shared" / "data" / "pets-mini" / "oxford-iiit-pet" / "images"
CLASSES = ["Siamese cat", "zebra", "goldfish", "tabby cat", "school bus", "strawberry", "lighthouse", "flamingo"]
TARGET, ATTACK_STEPS = "tabby cat", 20


def ms_per_step(mode: str, steps: int = 12) -> float:
    """Median wall time of one ideal-image step at 224 px (the first step, a warm-up, is left out)."""
    times, last = [], time.perf_counter()
    for item in iter_ideal_image("zebra", steps=steps, mode=mode, size=224, preview_every=steps):
        now = time.perf_counter()
        times.append(now - last)
        last = now
    return 1000 * statistics.median(times[1:-1])


def cross_check(mode: str, classes: list[str], steps: int) -> tuple[int, list[float]]:
    """How many ideal images have their target in Lite2's top-5, and Lite2's target probabilities."""
    second = load_model("tf_efficientnet_lite2")
    hits, probabilities = 0, []
    for name in classes:
        *_, result = iter_ideal_image(name, steps=steps, mode=mode)
        probs = second.infer(second.to_input(result.image)).softmax(-1)[0]
        hits += int(result.target.index in probs.topk(5).indices.tolist())
        probabilities.append(float(probs[result.target.index]))
    return hits, probabilities


def pgd_baseline(path: Path, target: int, eps: float) -> tuple[bool, bool, int, float]:
    """Plain signed-gradient attack on the 224 px crop in float; success in float and after saving that crop as PNG."""
    model = load_model()
    mean = torch.tensor(model.preprocessing.mean).view(1, 3, 1, 1)
    std = torch.tensor(model.preprocessing.std).view(1, 3, 1, 1)
    crop = model.to_input(load_image(path)).cpu() * std + mean
    delta = torch.zeros_like(crop, requires_grad=True)
    float_success, steps = False, ATTACK_STEPS
    for step in range(ATTACK_STEPS + 1):
        with torch.enable_grad():
            logits = model.network(((crop + delta).clamp(0, 1) - mean) / std)
        if int(logits.argmax()) == target:
            float_success, steps = True, step
            break
        if step == ATTACK_STEPS:
            break
        with torch.enable_grad():
            F.cross_entropy(logits, torch.tensor([target])).backward()
        with torch.no_grad():
            delta -= eps / 4 / 255 * delta.grad.sign()
            delta.clamp_(-eps / 255, eps / 255)
            delta.grad = None
    buffer = io.BytesIO()
    tensor_to_image((crop + delta).clamp(0, 1)[0]).save(buffer, format="PNG")
    return float_success, predict(buffer.getvalue())[0].index == target, steps, float(delta.detach().abs().max()) * 255


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="attack only N dog photos, spread over the breeds")
    parser.add_argument("--classes", type=int, default=5, help="ideal-image classes for the cross-check (max 8, 0 skips it)")
    parser.add_argument("--steps", type=int, default=128, help="ideal-image steps for the cross-check")
    args = parser.parse_args()
    torch.manual_seed(0)
    model = load_model()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {model.device}")

    for mode in ("lesson", "robust"):
        print(f"ideal image, {mode:6} mode: {ms_per_step(mode):6.1f} ms/step at 224 px", flush=True)
    for mode in ("lesson", "robust") if args.classes else ():
        hits, probabilities = cross_check(mode, CLASSES[:args.classes], args.steps)
        print(f"ideal image, {mode:6} mode, {args.steps} steps: target in Lite2's top-5 for {hits}/{args.classes} "
              f"classes; Lite2 target probability median {statistics.median(probabilities):.1%}", flush=True)

    if not PETS.is_dir():
        print(f"pets-mini not found at {PETS}: adversarial part skipped")
        return
    dogs = sorted(path for path in PETS.glob("*.jpg") if path.name[0].islower())
    dogs = dogs[::max(1, len(dogs) // args.limit)][:args.limit] if args.limit else dogs
    target = resolve_target(model.labels, TARGET).index
    for eps in (1.0, 2.0):
        results, start = [], time.perf_counter()
        for path in dogs:
            result = adversarial_example(path, TARGET, steps=ATTACK_STEPS, eps=eps)
            again = predict(result.png)[0].index == target  # the PNG bytes decoded once more, independently
            results.append((result.success and again, result.steps, result.linf))
        seconds = (time.perf_counter() - start) / len(dogs)
        wins = [r for r in results if r[0]]
        print(f"adversarial eps {eps:g}/255: {len(wins)}/{len(dogs)} = {len(wins) / len(dogs):.1%} fooled after the "
              f"PNG round trip; mean steps {statistics.mean(r[1] for r in wins) if wins else float('nan'):.1f}, "
              f"mean L-inf {statistics.mean(r[2] for r in results):.2f}/255, {seconds:.2f} s/image", flush=True)
        start = time.perf_counter()
        baseline = [pgd_baseline(path, target, eps) for path in dogs]
        seconds = (time.perf_counter() - start) / len(dogs)
        float_wins = [b for b in baseline if b[0]]
        print(f"  PGD baseline on the 224 px crop: {len(float_wins)}/{len(dogs)} fooled in float "
              f"(mean steps {statistics.mean(b[2] for b in float_wins) if float_wins else float('nan'):.1f}, "
              f"mean L-inf {statistics.mean(b[3] for b in baseline):.2f}/255), "
              f"{sum(b[1] for b in baseline)}/{len(dogs)} after saving the crop as PNG and classifying it again; "
              f"{seconds:.2f} s/image",
              flush=True)


if __name__ == "__main__":
    main()
