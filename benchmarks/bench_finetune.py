"""Fine-tuning benchmark on pets-mini: the wizard's default method against the notebooks' naive loop.

    python benchmarks/bench_finetune.py [--data ../shared/data/pets-mini] [--epochs N]

(a) the default: frozen backbone run once per image (and its mirror image), cached pooled features, a linear head
    trained on them; (b) the naive loop: same frozen backbone and new head, but every batch of every epoch decodes
    the images again and runs the whole backbone again (as `for images, labels in loader: model(images)` does).
Both train on the same training split for the same number of epochs and are scored on the dataset's test split.
Wall seconds exclude loading the pretrained weights, which both need; they include the feature extraction for (a).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from transfer import load_model  # noqa: E402
from transfer.data import open_dataset  # noqa: E402
from transfer.features import SampleImages  # noqa: E402
from transfer.train import TrainConfig, finetune, run  # noqa: E402

PETS_MINI = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "pets-mini"


def naive(classifier, data, epochs: int, lr: float = 1e-3, batch_size: int = 32, seed: int = 0) -> float:
    """The notebooks' loop: frozen backbone, new Linear head, backbone re-run on every batch; returns test accuracy."""
    torch.manual_seed(seed)
    backbone = classifier.network
    head = torch.nn.Linear(backbone.num_features, len(data.classes)).to(classifier.device)
    optimizer = torch.optim.Adam(head.parameters(), lr=lr)
    loader = DataLoader(SampleImages(data.train, classifier), batch_size=batch_size, shuffle=True)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(PETS_MINI))
    parser.add_argument("--epochs", type=int, default=None, help="default: the wizard's default for its method")
    args = parser.parse_args()
    data = open_dataset(args.data)
    config = TrainConfig(epochs=args.epochs).resolved()
    tick = time.perf_counter()
    classifier = load_model()
    print(f"{len(data.classes)} classes, {len(data.train)} train / {len(data.val)} val / {len(data.test)} test images;"
          f" {torch.get_num_threads()} threads; weights loaded in {time.perf_counter() - tick:.1f} s", flush=True)

    tick = time.perf_counter()
    result = run(finetune(data, config, classifier))
    default_seconds = time.perf_counter() - tick
    default_accuracy = result.evaluation.accuracy
    print(f"(a) default ({config.method}, {config.epochs} epochs, cached features): {default_seconds:.1f} s, "
          f"test accuracy {default_accuracy:.1%}", flush=True)

    seeds = [run(finetune(open_dataset(args.data, seed=seed), TrainConfig(epochs=args.epochs, seed=seed),
                          classifier)).evaluation.accuracy for seed in range(5)]
    print(f"    over split/training seeds 0-4 (features cached): test accuracy mean {sum(seeds) / 5:.1%}, "
          f"range {min(seeds):.1%}-{max(seeds):.1%}", flush=True)

    tick = time.perf_counter()
    naive_accuracy = naive(classifier, data, config.epochs)
    naive_seconds = time.perf_counter() - tick
    print(f"(b) naive loop ({config.epochs} epochs, backbone re-run every batch): {naive_seconds:.1f} s, "
          f"test accuracy {naive_accuracy:.1%}")
    print(f"speed ratio (b)/(a): {naive_seconds / default_seconds:.1f}x; "
          f"accuracy (a) - (b): {100 * (default_accuracy - naive_accuracy):+.1f} points")


if __name__ == "__main__":
    main()
