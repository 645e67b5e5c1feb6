"""Benchmark of image synthesis: ideal images of every mode cross-checked by a second network, and adversarial success.

    python -m benchmarks.bench_synthesis [--modes natural,robust,lesson] [--classes K] [--seeds 0,1,2] [--limit N]

Ideal images: for the same classes and seeds, each mode with its default settings; per image the seconds, the target
probability on the network that made it (Lite0) and the target's rank and probability on Lite2, which is never used
in the optimisation, with Lite2's own first class when it is not the target.

Adversarial: every dog photo of pets-mini (or the first --limit) is attacked towards "tabby cat" at eps 1 and 2 (/255)
within 20 steps, beside a plain signed-gradient (PGD) baseline on the 224 px crop the network sees. Success counts
only when the saved PNG, loaded again through `transfer.predict`, gives the target.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from pathlib import Path

import transfer  # noqa: F401  (first: it sets OMP_WAIT_POLICY before torch loads)
import torch
import torch.nn.functional as F

from transfer import adversarial_example, ideal_image, load_model, predict
from transfer.synthesis.adversarial import DEFAULT_TARGET, STEPS, default_lr
from transfer.data import pets_images
from transfer.synthesis.ideal import MODES
from transfer.images import load_image
from transfer.render import tensor_to_image
from transfer.synthesis.targets import resolve_target


PETS = pets_images()
#: Issue 23's quality bar first (its 5 classes), then the classes this benchmark used before.
CLASSES = ["lion", "pug", "Persian cat", "monarch", "red fox", "Siamese cat", "zebra", "goldfish", "tabby cat",
           "school bus", "strawberry", "lighthouse", "flamingo"]
TARGET, ATTACK_STEPS = DEFAULT_TARGET, STEPS.default
SECOND = "tf_efficientnet_lite2"


def cross_check(mode: str, classes: list[str], seeds: list[int]) -> None:
    """Print one row per class and seed, then how often Lite2 puts the target first, and the median seconds."""
    second = load_model(SECOND)
    firsts, top5, seconds = 0, 0, []
    for seed in seeds:
        for name in classes:
            result = ideal_image(name, mode=mode, seed=seed)
            probabilities = second.infer(second.to_input(result.image)).softmax(-1)[0]
            rank = int((probabilities > probabilities[result.target.index]).sum()) + 1
            firsts, top5 = firsts + (rank == 1), top5 + (rank <= 5)
            seconds.append(result.seconds)
            instead = "" if rank == 1 else f"  (first: {second.labels[int(probabilities.argmax())]})"
            print(f"  {mode:7} {name:12} seed {seed} {result.seconds:6.1f} s  Lite0 {result.probability:6.1%}  "
                  f"Lite2 rank {rank:4} {float(probabilities[result.target.index]):6.1%}{instead}", flush=True)
    images = len(classes) * len(seeds)
    print(f"{mode:7} mode: target first on Lite2 for {firsts}/{images} images ({len(classes)} classes x "
          f"{len(seeds)} seeds), in its top-5 for {top5}/{images}; median {statistics.median(seconds):.1f} s per image",
          flush=True)


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
            delta -= default_lr(eps) / 255 * delta.grad.sign()
            delta.clamp_(-eps / 255, eps / 255)
            delta.grad = None
    buffer = io.BytesIO()
    tensor_to_image((crop + delta).clamp(0, 1)[0]).save(buffer, format="PNG")
    return float_success, predict(buffer.getvalue())[0].index == target, steps, float(delta.detach().abs().max()) * 255


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None,
                        help="attack only N dog photos, spread over the breeds (0 skips the attacks)")
    parser.add_argument("--classes", type=int, default=5,
                        help=f"ideal-image classes (max {len(CLASSES)}, 0 skips ideal images)")
    parser.add_argument("--modes", default=",".join(MODES), help="ideal-image modes, comma-separated")
    parser.add_argument("--seeds", default="0", help="seeds of the ideal images' starting noise, comma-separated")
    args = parser.parse_args()
    torch.manual_seed(0)
    model = load_model()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {model.device}")
    for mode in args.modes.split(",") if args.classes else ():
        cross_check(mode, CLASSES[:args.classes], [int(seed) for seed in args.seeds.split(",")])

    if args.limit == 0:
        return
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
