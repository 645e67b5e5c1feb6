"""What the Fine-tune wizard shows about a dataset and a finished run: data check, curves, scores, comparison."""

from __future__ import annotations

import pandas as pd
from PIL import Image

import transfer
from transfer import Listing, Message
from transfer.data import DatasetSplits
from transfer.train import METHODS, CurvePoint, EpochMetrics, Evaluation, accuracies_differ, read_curves
from ui.common import Run, Session

THUMBNAIL = 160
MAX_MISTAKES = 48
MAX_CONFUSED = 10  # pairs of classes in the most-confused list


def thumbnail(path: str) -> Image.Image:
    """A small copy of an image for galleries (PIL, so Gradio serves it from its own cache)."""
    image = transfer.load_image(path)
    image.thumbnail((THUMBNAIL, THUMBNAIL))
    return image


def data_report(data: DatasetSplits) -> Message:
    """The data check in words: totals, then anything left out or worth a warning, as one message of Markdown lines;
    every name from the data (class, folder and file names may come from a visitor's zip) is a value, shown as text
    where the message is rendered (ui.i18n)."""
    summary = data.summary()
    lines = [("", Message("**{classes} classes**: {train} images to train on, {val} to pick the best epoch "
                          "(validation) and {test} kept apart for the final test.", classes=summary["classes"],
                          train=summary["train"], val=summary["val"], test=summary["test"]))]
    lines += [("- ", note) for note in data.notes]
    if data.skipped:
        lines.append(("- ", Message("Left out {count} file(s) that are not a readable image: {files}{more}",
                                    count=len(data.skipped), files=Listing(data.skipped[:5]),
                                    more=", ..." if len(data.skipped) > 5 else "")))
    if data.duplicates:
        lines.append(("- ", Message("Left out {count} exact duplicate(s), so no photo is both trained on and tested: "
                                    "{files}{more}", count=len(data.duplicates), files=Listing(data.duplicates[:3]),
                                    more=", ..." if len(data.duplicates) > 3 else "")))
    lines += [("- ⚠️ ", warning) for warning in data.warnings()]
    if len(lines) == 1:
        lines.append(("- ", Message("No problems found.")))
    return markdown_lines(lines)


def markdown_lines(lines: list[tuple[str, Message]]) -> Message:
    """Lines of Markdown, each a mark ('- ', or '') and a message, as one message whose template holds only the
    marks and the messages' places (so it needs no translation of its own)."""
    return Message("\n".join(f"{mark}{{line{i}}}" for i, (mark, _) in enumerate(lines)),
                   **{f"line{i}": message for i, (_, message) in enumerate(lines)})


def counts_table(data: DatasetSplits) -> pd.DataFrame:
    """Images per class in each split."""
    rows = [(name, *counts) for name, counts in data.counts().items()]
    return pd.DataFrame(rows, columns=["class", "train", "validation", "test"])


def curves(history: list[EpochMetrics]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Long-format loss and accuracy tables for the two line plots; epochs as labels ("0", "1", ...), so that the
    axis shows whole epochs only, in the order of `epoch_order` (a number axis shows 0.5, 1.5 ... mid-run)."""
    rows = [(str(m.epoch), f"{split} {kind}", getattr(m, f"{split}_{kind}"))
            for m in history for split in ("train", "val") for kind in ("loss", "accuracy")]
    table = pd.DataFrame(rows, columns=["epoch", "curve", "value"]).dropna()
    loss, accuracy = table[table.curve.str.endswith("loss")], table[table.curve.str.endswith("accuracy")]
    return loss, accuracy


def epoch_order(history: list[EpochMetrics]) -> list[str]:
    """The epoch labels of `curves` in order, for the plots' `sort`."""
    return [str(m.epoch) for m in history]


def reading(history: list[EpochMetrics]) -> Message:
    """The library's reading of a run's curves under its heading (rendered in the visitor's language by ui.i18n)."""
    return Message("**Reading the curves:** {reading}", reading=read_curves(history))


def data_curve(curve: list[CurvePoint]) -> pd.DataFrame:
    """Test accuracy against photos per class: the mean over draws and the worst and best draw, for one line plot."""
    rows = [(point.per_class, name, value) for point in curve  # numbers: the axis is spaced by value, in order
            for name, value in (("mean", point.accuracy), ("worst draw", point.low), ("best draw", point.high))]
    return pd.DataFrame(rows, columns=["photos per class", "curve", "test accuracy"])


def read_data_curve(curve: list[CurvePoint]) -> Message | str:
    """The data-size curve in words: from one photo per class to all, and whether more photos would still help."""
    if len(curve) < 2:
        return ""
    first, before, last = curve[0], curve[-2], curve[-1]
    trend = Message("it still rises at the end: more photos would very likely help"
                    if last.accuracy - before.accuracy > 0.02 else "it has levelled off: more photos of the same kind "
                    "would help little")
    return Message("**How many photos do I need?** The new last layer fitted again on fewer training photos per class: "
                   "{first} of the test images right with {few} per class, {last} with all {all} (step 1's training "
                   "and validation photos together); {trend}.",
                   first=f"{first.accuracy:.0%}", few=first.per_class, last=f"{last.accuracy:.0%}", all=last.per_class,
                   trend=trend)


def per_class_table(evaluation: Evaluation) -> pd.DataFrame:
    """Each class's test images answered right, worst first, in two columns a phone shows side by side: the class
    and '2 of 3 (67%)'."""
    rows = sorted(((row[i] / sum(row), name, f"{row[i]} of {sum(row)} ({row[i] / sum(row):.0%})")
                   for i, (name, row) in enumerate(zip(evaluation.classes, evaluation.confusion)) if sum(row)),
                  key=lambda row: row[0])
    return pd.DataFrame([row[1:] for row in rows], columns=["class", "right"])


def confused_pairs(evaluation: Evaluation) -> pd.DataFrame:
    """The most frequent mistakes, one pair of classes per row: the confusion matrix in a form a phone can read."""
    return pd.DataFrame(evaluation.most_confused(MAX_CONFUSED), columns=["true class", "taken for", "times"])


def mistakes_gallery(evaluation: Evaluation) -> list[tuple[Image.Image, str]]:
    """Thumbnails of misclassified test images captioned 'true → predicted (79% sure)'."""
    return [(thumbnail(m.path), f"{m.true_label} → {m.predicted_label} ({m.confidence:.0%} sure)")
            for m in evaluation.mistakes[:MAX_MISTAKES]]


def runs_table(session: Session) -> pd.DataFrame:
    """Every run of the session side by side: the compared numbers (test accuracy, seconds) right after the run number,
    so a narrow table or a phone shows them first; then the network with its size and speed, method, classes and the
    long settings text last."""
    rows = []
    for run in session.runs:
        config, result = run.result.config, run.result
        rows.append((run.number, f"{result.evaluation.accuracy:.1%}", f"{result.seconds:.0f}", run.backbone,
                     f"{run.megabytes:.0f}", f"{run.milliseconds:.0f}", METHODS[config.method].name,
                     len(run.data.classes), config.settings()))
    return pd.DataFrame(rows, columns=["run", "test accuracy", "seconds", "network", "MB", "ms per photo", "method",
                                       "classes", "settings"])


def score(session: Session, run: Run) -> str:
    """The run's test score in words, and how it compares with feature extraction on the same data."""
    result = run.result
    evaluation = result.evaluation
    stopped = " (stopped early: the best epoch so far was kept)" if result.stopped else ""
    how = (f"L2 strength {result.l2:.1g} chosen by cross-validation" if result.config.method == "head"
           else f"best epoch {result.best_epoch} of {result.config.epochs}")
    text = (f"## Run {run.number}: test accuracy {evaluation.accuracy:.1%}\n{len(evaluation.mistakes)} mistakes on "
            f"{sum(map(sum, evaluation.confusion))} test images the model never saw during training "
            f"({METHODS[result.config.method].name} of {run.backbone}, {how}, {result.seconds:.0f} s){stopped}.")
    return text + "\n\n" + comparison(session, run)


def comparison(session: Session, run: Run) -> str:
    """Honest words on whether retraining deeper layers paid off against feature extraction on the same data."""
    heads = [other for other in session.runs if other.result.config.method == "head" and other.data is run.data
             and other.backbone == run.backbone]
    method = run.result.config.method
    if method == "head":
        deeper = [other for other in session.runs if other.result.config.method != "head"
                  and other.data is run.data and other.backbone == run.backbone]
        if deeper:
            return comparison(session, deeper[-1])
        return (f"To compare, go back to step 2 and train with *{METHODS['partial'].title.split(',')[0]}*: the "
                "table above keeps every run.")
    if not heads:
        return ("Train once more with *feature extraction* (step 2) on the same data and network to see whether "
                f"{METHODS[method].name} paid off.")
    head = max(heads, key=lambda other: other.result.evaluation.accuracy)
    ours, theirs = run.result.evaluation.accuracy, head.result.evaluation.accuracy
    images = sum(map(sum, run.result.evaluation.confusion))
    if not accuracies_differ(ours, theirs, images):
        return (f"**{METHODS[method].name.capitalize()} and feature extraction scored about the same on this data**: "
                f"run {run.number} {ours:.1%} in {run.result.seconds:.0f} s, run {head.number} (feature extraction) "
                f"{theirs:.1%} in {head.result.seconds:.0f} s. With {images} test images, a difference this small is "
                "within chance; feature extraction got there faster.")
    if ours < theirs:
        return (f"**{METHODS[method].name.capitalize()} did not beat feature extraction on this data**: run "
                f"{run.number} scored {ours:.1%} in {run.result.seconds:.0f} s, run {head.number} (feature "
                f"extraction) {theirs:.1%} in {head.result.seconds:.0f} s. With {len(run.data.train)} training "
                "images, the frozen ImageNet features generalise better than weights retrained on so few examples.")
    return (f"{METHODS[method].name.capitalize()} beat feature extraction by {100 * (ours - theirs):.1f} points "
            f"(run {run.number}: {ours:.1%} in {run.result.seconds:.0f} s; run {head.number}: {theirs:.1%} in "
            f"{head.result.seconds:.0f} s), more than the usual ups and downs of chance with {images} test images.")


def held_out(data: DatasetSplits, count: int = 8) -> list[tuple[str, str]]:
    """A few test images the model never trained on, one per class first: (path, true class)."""
    chosen, seen = [], set()
    for path, label in data.test:
        if label not in seen:
            seen.add(label)
            chosen.append((path, data.classes[label]))
        if len(chosen) == count:
            break
    return chosen
