"""Fine-tuning benchmark on pets-mini: the default against scikit-learn, partial fine-tuning and the naive loop.

    python -m benchmarks.bench_finetune [--data ../shared/data/pets-mini] [--model NAME] [--resplits 10]
                                        [--naive-epochs 15] [--skip-partial] [--skip-naive] [--l2-sweep]

Side by side, in one run:
(a) the default (`python -m transfer finetune`): frozen backbone run once per image and its mirror image, cached
    features, a last layer fitted by L-BFGS with its L2 strength cross-validated on the training images. Wall seconds
    of the first run include the feature extraction; then accuracy over split seeds 0-4 (the official test split) and
    over re-splits of all images into 7 training and 3 test images per class (other test photos each time).
(b) scikit-learn's LogisticRegression on the same features and splits (a reference; not a runtime dependency):
    default settings (C=1) on raw features, and on signed-square-rooted, L2-normalised features ("power"
    normalisation, which a plain network layer cannot reproduce). Single view, and mirror-averaged.
(c) partial fine-tuning with its defaults, next to the head it started from.
(d) the notebooks' naive loop: frozen backbone and a new head trained with Adam, the backbone re-run on every batch.
(e) with --l2-sweep: the head fitted at each fixed L2 strength on the re-splits, beside the cross-validated choice:
    how much a better choice of strength could gain at most (it is chosen here with the test photos' help).
Seconds exclude loading the pretrained weights, which all need.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import transfer  # noqa: F401  (first: it sets OMP_WAIT_POLICY before torch loads)
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from transfer import load_model
from transfer.data import PETS_MINI, DatasetSplits, open_dataset
from transfer.train.features import SampleImages, extract_features
from transfer.models import DEFAULT_FINETUNE_MODEL
from transfer.train.probe import fit_probe, score_logits
from transfer.progress import drain
from transfer.train import TrainConfig, finetune, run


def resplit(data: DatasetSplits, seed: int, test_per_class: int = 3) -> DatasetSplits:
    """All images of `data` split again: `test_per_class` random test images per class, the rest for training."""
    rng = random.Random(seed)
    train, test = [], []
    for label in range(len(data.classes)):
        members = sorted(s for s in data.train + data.val + data.test if s[1] == label)
        rng.shuffle(members)
        test += members[:test_per_class]
        train += members[test_per_class:]
    return DatasetSplits(data.classes, train, [], test, data.kind, data.task, data.root)


def features_of(classifier, samples, views):
    return drain(extract_features(classifier, samples, views)).view(len(views), len(samples), -1)


def cached_features(classifier, data: DatasetSplits) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """(2, N, D) features of the training images and their mirror images, their labels, and the same of the test."""
    train = data.train + data.val
    return (features_of(classifier, train, (False, True)), torch.tensor([s[1] for s in train]),
            features_of(classifier, data.test, (False, True)), torch.tensor([s[1] for s in data.test]))


def sklearn_accuracies(classifier, data: DatasetSplits) -> dict[str, float]:
    """scikit-learn LogisticRegression (defaults) on the same cached features: raw and power-normalised."""
    from sklearn.linear_model import LogisticRegression

    x, y, test, test_y = cached_features(classifier, data)
    results = {}
    for name, transform in (("raw", lambda f: f), ("power", lambda f: F.normalize(f.sign() * f.abs().sqrt(), dim=-1))):
        model = LogisticRegression(max_iter=5000).fit(transform(x).flatten(0, 1).numpy(), y.repeat(2).numpy())
        scores = [torch.from_numpy(model.decision_function(transform(view).numpy())) for view in test]
        results[name] = (scores[0].argmax(1) == test_y).float().mean().item()
        results[f"{name}, mirror-averaged"] = ((scores[0] + scores[1]).argmax(1) == test_y).float().mean().item()
    return results


def naive(classifier, data, epochs: int, lr: float = 1e-3, batch_size: int = 32, seed: int = 0) -> float:
    """The notebooks' loop: frozen backbone, new Linear head, backbone re-run on every batch; returns test accuracy."""
    torch.manual_seed(seed)
    backbone = classifier.network
    head = torch.nn.Linear(backbone.num_features, len(data.classes)).to(classifier.device)
    optimizer = torch.optim.Adam(head.parameters(), lr=lr)
    loader = DataLoader(SampleImages(data.train + data.val, classifier), batch_size=batch_size, shuffle=True)
    for epoch in range(epochs):
        for images, targets in loader:
            images = torch.where(torch.rand(len(images), 1, 1, 1) < 0.5, images.flip(-1), images)  # random mirror
            with torch.no_grad():
                features = backbone.forward_head(backbone.forward_features(images.to(classifier.device)),
                                                 pre_logits=True)
            loss = F.cross_entropy(head(features), targets.to(classifier.device))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        print(f"  naive epoch {epoch + 1}/{epochs} loss {loss.item():.3f}", flush=True)
    correct = 0
    with torch.no_grad():
        for images, targets in DataLoader(SampleImages(data.test, classifier), batch_size=batch_size):
            features = backbone.forward_head(backbone.forward_features(images.to(classifier.device)), pre_logits=True)
            correct += (head(features).argmax(1).cpu() == targets).sum().item()
    return correct / len(data.test)


def fixed_l2_accuracies(classifier, data: DatasetSplits, strengths: list[float]) -> list[float]:
    """Test accuracy of the head fitted at each of `strengths` on the same cached features as the default."""
    views, targets, test, test_targets = cached_features(classifier, data)
    return [score_logits(fit_probe(views, targets, len(data.classes), l2).logits(test[0]), test_targets)[1]
            for l2 in strengths]


def spread(values: list[float]) -> str:
    return f"mean {statistics.mean(values):.1%}, range {min(values):.1%}-{max(values):.1%} (n={len(values)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(PETS_MINI))
    parser.add_argument("--model", default=DEFAULT_FINETUNE_MODEL)
    parser.add_argument("--resplits", type=int, default=10, help="re-splits of all images (default 10)")
    parser.add_argument("--naive-epochs", type=int, default=15)
    parser.add_argument("--skip-partial", action="store_true")
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--l2-sweep", action="store_true", help="also fit each fixed L2 strength on the re-splits")
    args = parser.parse_args()
    data = open_dataset(args.data)
    tick = time.perf_counter()
    classifier = load_model(args.model)
    print(f"{args.model}: {len(data.classes)} classes, {len(data.train)} train / {len(data.val)} val / "
          f"{len(data.test)} test images; {torch.get_num_threads()} threads; weights loaded in "
          f"{time.perf_counter() - tick:.1f} s", flush=True)

    tick = time.perf_counter()
    result = run(finetune(data, TrainConfig(), classifier))
    default_seconds = time.perf_counter() - tick
    print(f"(a) default: {default_seconds:.1f} s including feature extraction, test accuracy "
          f"{result.evaluation.accuracy:.1%} (L2 {result.l2:.0e})", flush=True)
    resplits = [resplit(data, seed) for seed in range(args.resplits)]
    splits = {"split seeds 0-4": [open_dataset(args.data, seed=seed) for seed in range(5)],
              f"{args.resplits} re-splits 7+3 per class": resplits}
    for name, datasets in splits.items():
        ours, reference, chosen = [], {}, []
        for seed, split in enumerate(datasets):
            fitted = run(finetune(split, TrainConfig(seed=seed), classifier))
            ours.append(fitted.evaluation.accuracy)
            chosen.append(fitted.l2)
            for key, value in sklearn_accuracies(classifier, split).items():
                reference.setdefault(key, []).append(value)
        print(f"    {name}: (a) default {spread(ours)}", flush=True)
        for key, values in reference.items():
            difference = statistics.mean(a - b for a, b in zip(ours, values))
            print(f"        (b) scikit-learn {key:24} {spread(values)}; (a) - (b) {100 * difference:+.1f} points",
                  flush=True)
    if not args.skip_partial:
        tick = time.perf_counter()
        partial = run(finetune(data, TrainConfig(method="partial"), classifier))
        print(f"(c) partial ({partial.config.settings()}): {time.perf_counter() - tick:.1f} s, test accuracy "
              f"{partial.evaluation.accuracy:.1%}, best epoch {partial.best_epoch}; the head it started from "
              f"{partial.head_accuracy:.1%}", flush=True)
    if not args.skip_naive:
        tick = time.perf_counter()
        naive_accuracy = naive(classifier, data, args.naive_epochs)
        naive_seconds = time.perf_counter() - tick
        print(f"(d) naive loop ({args.naive_epochs} epochs, backbone re-run every batch): {naive_seconds:.1f} s, "
              f"test accuracy {naive_accuracy:.1%}; {naive_seconds / default_seconds:.1f}x the default's time")

    if args.l2_sweep:  # `chosen` holds the strengths of the last splits above: the re-splits
        strengths = [10.0 ** (exponent / 2) for exponent in range(0, -13, -1)]
        sweep = list(zip(*(fixed_l2_accuracies(classifier, split, strengths) for split in resplits)))
        print(f"(e) fixed L2 strengths on the {args.resplits} re-splits (cross-validation chose "
              f"{', '.join(f'{l2:.0e} {chosen.count(l2)}x' for l2 in sorted(set(chosen)))}):", flush=True)
        print("    " + "; ".join(f"{l2:.0e} {statistics.mean(values):.1%}" for l2, values in zip(strengths, sweep)),
              flush=True)


if __name__ == "__main__":
    main()
