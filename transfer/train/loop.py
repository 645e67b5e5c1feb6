"""Transfer learning: a linear head on cached frozen features, or fine-tuning the last stages / the whole network."""

from __future__ import annotations

import copy
import os
import math
import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import asdict, dataclass, field, replace

import torch
import torch.nn.functional as F
from timm.models import group_parameters
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler

from ..checks import check_int
from ..models.classifier import Classifier
from ..data import DatasetSplits, Sample
from .distributed import gather, parallel, shard, sum_all, world
from ..errors import InputError, Listing
from .evaluate import Evaluation, evaluate_logits
from ..models.export import SavedModel, save_finetuned, zip_folder
from .features import SampleImages, extract_features
from ..models.catalog import DEFAULT_FINETUNE_MODEL, load_model
from ..params import Param
from .probe import L2_GRID, LinearProbe, PathPoint, best_point, fit_probe, regularization_path, score_logits
from ..progress import EpochMetrics, TrainingProgress, run_to_result


@dataclass(frozen=True)
class Method:
    """One way to train: its choice in the app and on the command line, its name in a sentence, what it does."""

    title: str
    name: str
    help: str  # one Markdown line for the app, after the name in bold
    trains_network: bool = True  # trains for EPOCHS at LR in batches of BATCH_SIZE (the head is fitted to convergence)


METHODS = {
    "head": Method("Feature extraction: frozen network, train only a new last layer on cached features (fast)",
                   "feature extraction", "runs the frozen network once per image, remembers its 1280 numbers per "
                   "image (\"features\"), and trains only a new last layer on them: seconds on a laptop, and the best "
                   "choice for small datasets.", trains_network=False),
    "partial": Method("Fine-tune the last blocks plus a new last layer, with augmentation (slower)",
                      "fine-tuning the last blocks", "also adjusts the last stages of the network, more slowly than "
                      "the new layer, on randomly cropped and flipped images: minutes, can gain a little with more "
                      "data."),
    "full": Method("Fine-tune the whole network, with augmentation (slowest)", "full fine-tuning",
                   "adjusts every weight: slowest, needs the most data to pay off."),
}
DEFAULT_METHOD = "head"
#: The settings, one range for the library, the command line and the app. Epochs, learning rate and batch size are
#: those of the methods that train the network (Method.trains_network); the head is fitted to convergence, its L2
#: strength chosen by cross-validation on the training images unless `l2` is given.
EPOCHS = Param("epochs", 1, 100, 6, "Epochs", "How many times training goes over all training images.", integer=True)
LR = Param("lr", 1e-6, 1, 1e-4, "Learning rate", "Step size: too high is unstable, too low learns slowly.")
BATCH_SIZE = Param("batch_size", 1, 256, 16, "Batch size", "Images per training step.", integer=True)
SEED = Param("seed", 0, 2**31 - 1, 0, "Seed", "Same seed, same result.", integer=True)
UNFREEZE = Param("unfreeze", 1, 100, 2, "Stages fine-tuned by partial, counted from the end", integer=True)
WEIGHT_DECAY = Param("weight_decay", 0, 1, 0.05, "Weight decay of fine-tuning")
LABEL_SMOOTHING = Param("label_smoothing", 0, 0.5, 0.1, "Label smoothing of fine-tuning")
L2 = Param("l2", 1e-8, 10, None, "L2 strength of the last layer's fit")
#: Discriminative learning rates: the last layer and the last stage learn at `lr`, each earlier stage this much slower.
LAYER_LR_DECAY = 0.5


@dataclass
class TrainConfig:
    """What to train and how (the settings' specs above); `l2` None means cross-validation."""

    method: str = DEFAULT_METHOD
    epochs: int = EPOCHS.default  # partial / full only, like lr and batch_size
    lr: float = LR.default
    batch_size: int = BATCH_SIZE.default
    augment: bool = True  # head: also train on mirror images; partial / full: random crops and flips
    seed: int = SEED.default
    unfreeze: int = UNFREEZE.default
    weight_decay: float = WEIGHT_DECAY.default
    label_smoothing: float = LABEL_SMOOTHING.default
    l2: float | None = L2.default

    def resolved(self) -> TrainConfig:
        """A validated copy (whole numbers as int); raises InputError on a bad value."""
        if self.method not in METHODS:
            raise InputError("Unknown method '{method}': use one of {choices}.", method=self.method,
                             choices=Listing(METHODS))
        network = [EPOCHS, BATCH_SIZE, LR] if self.method != "head" else []
        params = network + [SEED, UNFREEZE, WEIGHT_DECAY, LABEL_SMOOTHING] + ([L2] if self.l2 is not None else [])
        return replace(self, **{param.name: param.check(getattr(self, param.name)) for param in params})

    def settings(self) -> str:
        """The settings that matter for this method in a few words joined by ' · ' (for tables of runs; the app
        translates each piece)."""
        l2 = "cross-validated L2" if self.l2 is None else f"L2 strength {self.l2:g}"
        if self.method == "head":
            return " · ".join([l2, "with mirror images" if self.augment else "no mirror images"])
        stages = "all stages" if self.method == "full" else f"last {self.unfreeze} stages"
        return " · ".join([stages, f"epochs: {self.epochs}", f"lr {self.lr:g}", f"batch {self.batch_size}",
                           "augmented" if self.augment else "not augmented", f"last layer: {l2}"])


@dataclass
class FineTuneResult:
    """The trained classifier, its test evaluation and how it was trained.

    `head_accuracy` is the test accuracy of the fitted last layer alone on the frozen network: for partial / full
    the starting point they must beat, for the head the same as evaluation.accuracy.
    """

    classifier: Classifier
    evaluation: Evaluation
    history: list[EpochMetrics]
    config: TrainConfig
    seconds: float
    stopped: bool
    best_epoch: int
    head_accuracy: float
    l2: float  # the L2 strength the last layer was fitted with
    data_summary: dict = field(default_factory=dict)

    @property
    def backbone(self) -> str:
        """The pretrained model it started from."""
        return self.classifier.metadata["backbone"]

    @property
    def beat_head(self) -> bool:
        """Whether fine-tuning deeper layers scored higher on the test images than the last layer alone."""
        return self.evaluation.accuracy > self.head_accuracy

    def save(self, folder: str | os.PathLike, archive: bool = False) -> SavedModel:
        """Write the model folder (weights, config, test metrics); with `archive`, also zip it as `folder`.zip."""
        folder = save_finetuned(self.classifier, folder, self.metrics())
        return SavedModel(folder, zip_folder(folder) if archive else None)

    def summary(self) -> dict:
        """One row for a table of runs: method, model, settings, test accuracy, the head's accuracy, seconds."""
        return {"method": self.config.method, "model": self.backbone, "settings": self.config.settings(),
                "test_accuracy": self.evaluation.accuracy, "head_accuracy": self.head_accuracy,
                "seconds": round(self.seconds, 1)}

    def metrics(self) -> dict:
        """JSON-ready summary: test accuracy, timing, classes and the per-step history."""
        return {
            "test_accuracy": self.evaluation.accuracy, "head_accuracy": self.head_accuracy, "l2": self.l2,
            "seconds": round(self.seconds, 2), "classes": list(self.classifier.labels), "method": self.config.method,
            "model": self.backbone, "best_epoch": self.best_epoch, "stopped": self.stopped,
            "per_class_accuracy": self.evaluation.per_class_accuracy(), "history": [m.to_dict() for m in self.history],
        }


@dataclass(frozen=True)
class Finished:
    """The last event of a run; `result` is None when it was stopped before any epoch finished."""

    result: FineTuneResult | None


Event = TrainingProgress | EpochMetrics | Finished


def finetune(data: DatasetSplits, config: TrainConfig | None = None,
             model: str | Classifier = DEFAULT_FINETUNE_MODEL, stop: threading.Event | None = None) -> Iterator[Event]:
    """Train a classifier for `data`'s classes, yielding TrainingProgress and EpochMetrics, then one Finished event.

    Setting `stop` ends the run after the current batch; the best step so far is kept and evaluated.
    """
    config = (config or TrainConfig()).resolved()
    base = model if isinstance(model, Classifier) else load_model(model)
    if base.source == "finetuned":
        raise InputError("Start from a pretrained catalog model, not from an already fine-tuned folder.")
    if len(data.classes) < 2 or not data.train or not data.test:
        raise InputError("The dataset needs at least 2 classes with training and test images.")
    stop = stop or threading.Event()
    started = time.perf_counter()
    torch.manual_seed(config.seed)
    trainer = _train_head if config.method == "head" else _train_network
    result = yield from trainer(base, data, config, stop)
    if result is None:
        yield Finished(None)
        return
    network, history, head = result
    if config.method == "head":
        test_logits = head.test_logits
    else:
        test_logits = yield from _logits(network, base, data.test, config.batch_size)
    classifier = _finetuned_classifier(base, network, data, config, head.probe.l2)
    evaluation = evaluate_logits(test_logits, data.test, data.classes)
    head_accuracy = (head.test_logits.argmax(1) == torch.tensor([y for _, y in data.test])).float().mean().item()
    best = next(m for m in history if m.best)
    yield Finished(FineTuneResult(classifier, evaluation, history, config, time.perf_counter() - started,
                                  stop.is_set(), best.epoch, head_accuracy, head.probe.l2, data.summary()))


@dataclass(frozen=True)
class _Head:
    """A last layer fitted on cached features: its regularization path and its test logits."""

    probe: LinearProbe
    path: list[EpochMetrics]
    test_logits: torch.Tensor


def _fit_head(base: Classifier, samples: list[Sample], test: list[Sample], classes: int, config: TrainConfig,
              stop: threading.Event):
    """Fit the last layer on the frozen network's features of `samples` (and their mirror images when augmenting).

    Yields TrainingProgress while extracting features and an EpochMetrics per L2 strength tried; returns a _Head, or
    None
    when stopped before the first strength was scored.
    """
    views = (False, True) if config.augment else (False,)
    features = yield from extract_features(base, samples, views, stop)
    test_features = yield from extract_features(base, test, (False,), stop)
    if stop.is_set():
        return None
    features, targets = features.view(len(views), len(samples), -1), torch.tensor([y for _, y in samples])
    points: list[PathPoint] = []
    path: list[EpochMetrics] = []
    tick = time.perf_counter()
    if config.l2 is None:
        for point in regularization_path(features, targets, classes, seed=config.seed):
            points.append(point)
            best_so_far = best_point(points) is point
            path.append(EpochMetrics(len(path) + 1, len(L2_GRID), point.train_loss, point.train_accuracy,
                                     point.val_loss, point.val_accuracy, time.perf_counter() - tick, best_so_far,
                                     point.l2))
            yield path[-1]
            tick = time.perf_counter()
            if stop.is_set():
                break
        if not points:
            return None
    chosen = best_point(points) if config.l2 is None else None
    l2 = config.l2 if chosen is None else chosen.l2
    probe = fit_probe(features, targets, classes, l2, 1.0 if chosen is None else chosen.temperature)
    train_score = score_logits(probe.logits(features[0]), targets)
    if config.l2 is not None:  # no path: one step, the fit itself, scored on its own training images
        path.append(EpochMetrics(1, 1, *train_score, math.nan, math.nan, time.perf_counter() - tick, False, l2))
        yield path[-1]
    path = [replace(m, best=m.l2 == l2) for m in path]
    return _Head(probe, path, probe.logits(test_features))


def _train_head(base: Classifier, data: DatasetSplits, config: TrainConfig, stop: threading.Event):
    """The last layer alone, fitted on all training images (training + validation split: cross-validation picks
    the L2 strength, so no images need to be held out) and folded into a copy of the network."""
    head = yield from _fit_head(base, data.train + data.val, data.test, len(data.classes), config, stop)
    if head is None:
        return None
    return _with_head(base, head.probe, len(data.classes)), head.path, head


def _with_head(base: Classifier, probe: LinearProbe, classes: int) -> nn.Module:
    """A copy of the base network whose classifier is the fitted probe (standardization folded in)."""
    network = copy.deepcopy(base.network)
    network.reset_classifier(classes)
    probe.fold_into(network.get_classifier())
    return network.to(base.device)


def _key(val_acc: float, epoch: int) -> tuple:
    """Higher is better: validation accuracy, ties to the later (longer trained) epoch; without validation, the last.

    Validation loss is not the tie-breaker: with label smoothing and few validation images it bottoms out in the
    first epochs, while test accuracy keeps rising (measured on pets-mini).
    """
    return (epoch,) if math.isnan(val_acc) else (val_acc, epoch)


def _mark_best(history: list[EpochMetrics], best_key) -> list[EpochMetrics]:
    """Keep the `best` flag only on the epoch whose weights were kept."""
    keys = [_key(m.val_accuracy, m.epoch) for m in history]
    best_epoch = max(i for i, key in enumerate(keys) if key == best_key)
    return [replace(m, best=i == best_epoch) for i, m in enumerate(history)]


def _train_network(base: Classifier, data: DatasetSplits, config: TrainConfig, stop: threading.Event):
    """Fine-tune the last `unfreeze` stages (partial) or everything (full), the lesson's recipe: fit the new last
    layer on frozen features first (epoch 0), then unfreeze at discriminative learning rates. BatchNorm stays frozen.

    The last layer is fitted on the training split only: the validation split picks the best epoch, 0 included.
    """
    head = yield from _l2_steps_as_progress(_fit_head(base, data.train, data.test, len(data.classes), config, stop))
    if head is None:
        return None
    network = _with_head(base, head.probe, len(data.classes)).eval()  # eval: BatchNorm keeps ImageNet statistics
    groups = _parameter_groups(network, config)
    optimizer = torch.optim.AdamW(groups, weight_decay=config.weight_decay)
    images = SampleImages(data.train, base, augment=config.augment)
    ranks = world().size
    # Under torchrun each process takes its share of every batch (same total batch size) and DDP averages gradients.
    sampler = DistributedSampler(images, shuffle=True, seed=config.seed) if ranks > 1 else None
    loader = DataLoader(images, batch_size=math.ceil(config.batch_size / ranks), shuffle=sampler is None,
                        sampler=sampler, generator=torch.Generator().manual_seed(config.seed), drop_last=False)
    model = parallel(network)
    if ranks > 1:
        torch.manual_seed(config.seed + world().rank)  # as timm's train.py: each rank its own random augmentations
    autocast, scaler = _mixed_precision(base.device)
    steps = config.epochs * len(loader)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, [g["lr"] for g in groups], total_steps=steps,
                                                    pct_start=0.15)
    history: list[EpochMetrics] = []
    best_state, best_key, done = None, None, 0
    for epoch in range(0, config.epochs + 1):
        tick = time.perf_counter()
        total_loss = correct = seen = 0.0
        if sampler is not None:
            sampler.set_epoch(epoch)
        for images, targets in loader:
            images, targets = images.to(base.device), targets.to(base.device)
            if not epoch:  # the fitted last layer before any step, scored on the same augmented images as epochs 1+
                with torch.inference_mode(), autocast:
                    logits = network(images)
                total_loss, correct, seen = _scored(logits, targets, total_loss, correct, seen)
                yield TrainingProgress("evaluate", int(seen), len(loader.dataset))
            else:
                with autocast:
                    logits = model(images)
                    loss = F.cross_entropy(logits, targets, label_smoothing=config.label_smoothing)
                optimizer.zero_grad()
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
                scheduler.step()
                total_loss, correct, seen = _scored(logits, targets, total_loss, correct, seen)
                done += 1
                yield TrainingProgress("train", done, steps)
            if stop.is_set():  # within a batch, also while the fitted last layer is scored (epoch 0)
                break
        total_loss, correct, seen = sum_all(total_loss, correct, seen)
        if epoch and (seen == 0 or (stop.is_set() and seen < len(data.train))):
            break  # a partial epoch is not a fair candidate for "best"
        val_loss, val_acc = math.nan, math.nan
        if data.val:
            val_logits = yield from _logits(network, base, data.val, config.batch_size)
            val_loss, val_acc = score_logits(val_logits, torch.tensor([y for _, y in data.val]))
        key = _key(val_acc, epoch)
        is_best = best_key is None or key > best_key
        if is_best:
            best_state, best_key = {k: v.detach().clone() for k, v in network.state_dict().items()}, key
        history.append(EpochMetrics(epoch, config.epochs, total_loss / seen, correct / seen, val_loss, val_acc,
                                    time.perf_counter() - tick, is_best))
        yield history[-1]
        if stop.is_set():
            break
    network.load_state_dict(best_state)
    return network.requires_grad_(False), _mark_best(history, best_key), head


def _scored(logits: torch.Tensor, targets: torch.Tensor, loss: float, correct: float,
            seen: float) -> tuple[float, float, float]:
    """Running sums of a batch's plain cross-entropy (the loss reported for every epoch and for validation; label
    smoothing is only what the optimiser minimises, its floor of about 0.7 at 37 classes would read as a rise),
    correct answers and images seen."""
    logits = logits.detach().float()
    return (loss + F.cross_entropy(logits, targets, reduction="sum").item(),
            correct + (logits.argmax(1) == targets).sum().item(), seen + len(targets))


def _l2_steps_as_progress(events: Iterator) -> Iterator:
    """Pass on `events`, the head's L2 steps as TrainingProgress (not epochs of this run); return their result."""
    while True:
        try:
            event = next(events)
        except StopIteration as finished:
            return finished.value
        if isinstance(event, EpochMetrics):
            event = TrainingProgress("train", event.epoch, event.epochs)
        yield event


def _parameter_groups(network: nn.Module, config: TrainConfig) -> list[dict]:
    """The last layer and the last unfrozen stage at `lr`, each earlier stage LAYER_LR_DECAY times slower than the
    one after it (discriminative learning rates); stages not fine-tuned stay frozen (requires_grad False)."""
    network.requires_grad_(False)
    head = list(network.get_classifier().parameters())
    head_ids = {id(p) for p in head}
    grouped = group_parameters(network, network.group_matcher(coarse=True))
    named = dict(network.named_parameters())
    stages = [s for s in ([named[n] for n in names if id(named[n]) not in head_ids] for names in grouped.values()) if s]
    if config.method == "partial":
        stages = stages[-config.unfreeze:]
    groups = [{"params": head, "lr": config.lr}]
    groups += [{"params": stage, "lr": config.lr * LAYER_LR_DECAY ** depth}
               for depth, stage in enumerate(reversed(stages))]
    for group in groups:
        for parameter in group["params"]:
            parameter.requires_grad_(True)
    return groups


def _logits(network: nn.Module, base: Classifier, samples: list[Sample], batch_size: int):
    """Logits of `network` for samples (no augmentation), yielding evaluate progress; under torchrun each process
    scores its share and every process gets all logits."""
    mine = shard(samples)
    loader = DataLoader(SampleImages(mine, base, augment=False), batch_size=max(batch_size, 32))
    autocast, _ = _mixed_precision(base.device)
    outputs = []
    with torch.inference_mode(), autocast:
        for images, _ in loader:
            outputs.append(network(images.to(base.device)).float().cpu())
            yield TrainingProgress("evaluate", sum(len(o) for o in outputs), len(mine))
    return gather(torch.cat(outputs), len(samples))


def _mixed_precision(device: torch.device) -> tuple:
    """Autocast and gradient scaler: bfloat16 (float16 with loss scaling where bfloat16 is unsupported) on CUDA,
    full precision elsewhere (both then do nothing)."""
    cuda = device.type == "cuda"
    dtype = torch.bfloat16 if not cuda or torch.cuda.is_bf16_supported() else torch.float16
    return (torch.autocast(device.type, dtype=dtype, enabled=cuda),
            torch.amp.GradScaler(device.type, enabled=cuda and dtype == torch.float16))


def _finetuned_classifier(base: Classifier, network: nn.Module, data: DatasetSplits, config: TrainConfig,
                          l2: float) -> Classifier:
    """A Classifier for the new classes that keeps the base model's preprocessing."""
    network.eval().requires_grad_(False)
    return Classifier(
        name=f"{base.name} fine-tuned", network=network, labels=list(data.classes), preprocessing=base.preprocessing,
        source="finetuned",
        metadata={"architecture": base.name, "backbone": base.name,
                  "training": {**asdict(config), "l2": l2, "dataset": data.kind, "task": data.task}},
    )


#: Training images per class of the "how many photos do I need?" curve, up to the most a class has (always included).
CURVE_SIZES = (1, 2, 3, 5, 10, 20, 50, 100, 200, 500)
CURVE_DRAWS = 3


@dataclass(frozen=True)
class CurvePoint:
    """Test accuracy of the last layer with at most `per_class` training images per class: mean and range over
    random draws of those images (one draw when all images are used)."""

    per_class: int
    images: int
    accuracy: float
    low: float
    high: float

    def to_dict(self) -> dict:
        return asdict(self)


def data_size_curve(data: DatasetSplits, model: str | Classifier = DEFAULT_FINETUNE_MODEL,
                    config: TrainConfig | None = None, l2: float | None = None, draws: int = CURVE_DRAWS,
                    stop: threading.Event | None = None) -> Generator[TrainingProgress, None, list[CurvePoint]]:
    """Test accuracy against training images per class (1, 2, 3, 5, ..., all) for the last layer on `model`'s frozen
    features: seconds after a training run, whose features are cached. A generator of TrainingProgress (`yield from`).

    The L2 strength is fixed for all sizes: `l2` (e.g. FineTuneResult.l2), else config.l2, else chosen once by
    cross-validation on all training images. (Cross-validating each size is impossible at one image per class, and
    scaling the strength with the size changed the pets-mini curve by under 1 point.)
    """
    config = replace(config or TrainConfig(), method="head").resolved()
    check_int("draws", draws, 1, 20)
    base = model if isinstance(model, Classifier) else load_model(model)
    samples, classes = data.train + data.val, len(data.classes)
    views = (False, True) if config.augment else (False,)
    features = yield from extract_features(base, samples, views, stop)
    test = yield from extract_features(base, data.test, (False,), stop)
    if stop is not None and stop.is_set():
        return []
    features = features.view(len(views), len(samples), -1)
    targets, test_targets = torch.tensor([y for _, y in samples]), torch.tensor([y for _, y in data.test])
    members = [(targets == label).nonzero().flatten() for label in range(classes)]
    largest = max(len(m) for m in members)
    sizes = [size for size in CURVE_SIZES if size < largest] + [largest]
    l2 = l2 if l2 is not None else config.l2
    if l2 is None:
        l2 = best_point(list(regularization_path(features, targets, classes, seed=config.seed))).l2
    generator = torch.Generator().manual_seed(config.seed)
    points = []
    for done, size in enumerate(sizes, 1):
        scores = []
        for _ in range(draws if size < largest else 1):
            chosen = torch.cat([m[torch.randperm(len(m), generator=generator)[:size]] for m in members])
            probe = fit_probe(features[:, chosen], targets[chosen], classes, l2)
            scores.append((probe.logits(test).argmax(1) == test_targets).float().mean().item())
        points.append(CurvePoint(size, sum(min(size, len(m)) for m in members), sum(scores) / len(scores),
                                 min(scores), max(scores)))
        yield TrainingProgress("train", done, len(sizes))
        if stop is not None and stop.is_set():
            break
    return points


def run(events: Iterator[Event], on_event: Callable[[Event], None] | None = None) -> FineTuneResult | None:
    """Drain a finetune() iterator, passing each progress event to `on_event`; returns the final result."""
    return run_to_result(events, Finished, on_event).result
