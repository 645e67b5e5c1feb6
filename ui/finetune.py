"""Fine-tune tab: a five-step wizard from a dataset to a trained, evaluated and downloadable classifier."""

from __future__ import annotations

import functools
import shutil
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr
import numpy as np
import pandas as pd
from PIL import Image, ImageDraw

import transfer
from transfer.data import PETS_DOWNLOAD_MB, DatasetSplits, check_inside, find_pets_root, open_dataset
from transfer.evaluate import Evaluation
from transfer.export import save_finetuned
from transfer.features import Progress
from transfer.render import colorize
from transfer.train import DEFAULTS, METHOD_TITLES, METHODS, EpochMetrics, Finished, FineTuneResult, TrainConfig
from ui.classify import classify
from ui.common import PETS_ROOT, model_choices, release_memory, session_model, user_errors

LOCAL = "Oxford-IIIT Pet on this computer"
DOWNLOAD = f"Download Oxford-IIIT Pet (about {PETS_DOWNLOAD_MB} MB)"
UPLOAD = "Upload a .zip of my own class folders"
DOWNLOAD_FOLDER = Path.home() / ".cache" / "transfer-lab" / "pets"
THUMBNAIL = 160
MAX_MISTAKES = 48
TRAINING = "finetune-training"
MAX_TRAINING_SECONDS = 900  # a job running longer is stopped like the Stop button: the best epoch so far is kept  # one training job at a time: the CPU is shared by every tab and user

INTRO = """**Transfer learning** reuses a network pretrained on ImageNet for *your* classes. Follow the steps: pick the
data, pick how much of the network to retrain, train (usually seconds), check the score on test images it never saw,
then use or download your model. The defaults work without changing anything."""
METHOD_HELP = """* **Feature extraction** runs the frozen network once per image, remembers its 1280 numbers per image
  ("features"), and trains only a new last layer on them: seconds on a laptop, and the best choice for small datasets.
* **Fine-tune the last blocks** also adjusts the last stages of the network, more slowly than the new layer, on
  randomly cropped and flipped images: minutes, can gain a little with more data.
* **Full fine-tuning** adjusts every weight: slowest, needs the most data to pay off."""


@dataclass
class Session:
    """One browser session's training state, kept in gr.State; its folder is deleted with the session."""

    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="transfer-finetune-")))
    stop: threading.Event = field(default_factory=threading.Event)
    data: DatasetSplits | None = None
    result: FineTuneResult | None = None
    model_dir: Path | None = None


def cleanup(session: Session | None) -> None:
    """Delete a finished session's data and models."""
    if session is not None:
        shutil.rmtree(session.folder, ignore_errors=True)


def thumbnail(path: str) -> Image.Image:
    """A small copy of an image for galleries (PIL, so Gradio serves it from its own cache)."""
    image = transfer.load_image(path)
    image.thumbnail((THUMBNAIL, THUMBNAIL))
    return image


@user_errors
def load_data(source: str, path: str, upload: str | None, task: str, per_class: int, session: Session | None,
              roots: list[Path] = ()):
    """Open the chosen dataset (a typed path only inside `roots`); returns the session, a summary and samples."""
    session = session or Session()
    shutil.rmtree(session.folder / "data", ignore_errors=True)
    try:
        cap = int(per_class) or None
    except (TypeError, ValueError, OverflowError):
        raise transfer.InputError("Images per class must be a whole number (0 for all).") from None
    if source == UPLOAD:
        if not upload:
            raise transfer.InputError("Upload a .zip first: one folder per class, each with that class's images.")
        data = open_dataset(upload, per_class=cap, workdir=session.folder / "data")
    elif source == DOWNLOAD:  # always into the app's own cache folder, never a path typed in the browser
        gr.Info(f"Downloading Oxford-IIIT Pet (about {PETS_DOWNLOAD_MB} MB) into {DOWNLOAD_FOLDER}: "
                "this takes several minutes.")
        data = open_dataset(DOWNLOAD_FOLDER, task, cap, download=True)
    else:  # only an Oxford-IIIT Pet tree: a typed path must not expose other server folders' images
        path = str(check_inside(path, roots))
        if find_pets_root(Path(path)) is None:
            raise transfer.InputError(f"No Oxford-IIIT Pet dataset at '{path}': give the folder that contains "
                                      "oxford-iiit-pet/images and oxford-iiit-pet/annotations, or upload a zip.")
        data = open_dataset(path, task, cap)
    session.data, session.result = data, None
    summary = data.summary()
    text = (f"**{summary['classes']} classes** ({data.kind}, task *{data.task}*): {summary['train']} training, "
            f"{summary['val']} validation and {summary['test']} test images."
            + "".join(f"\n\n{note}" for note in data.notes))
    first = {}
    for sample_path, label in data.train:
        first.setdefault(label, sample_path)
    samples = [(thumbnail(p), data.classes[y]) for y, p in sorted(first.items())]
    return session, text, samples, gr.Button(interactive=True)


def method_defaults(method: str):
    """Epochs, learning rate and batch size that suit the chosen method."""
    defaults = DEFAULTS[method]
    return defaults["epochs"], defaults["lr"], defaults["batch_size"]


def curves(history: list[EpochMetrics]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Long-format loss and accuracy tables for the two line plots."""
    rows = [(m.epoch, f"{split} {kind}", getattr(m, f"{split}_{kind}"))
            for m in history for split in ("train", "val") for kind in ("loss", "accuracy")]
    table = pd.DataFrame(rows, columns=["epoch", "curve", "value"]).dropna()
    loss, accuracy = table[table.curve.str.endswith("loss")], table[table.curve.str.endswith("accuracy")]
    return loss, accuracy


def confusion_image(evaluation: Evaluation, cell: int = 14) -> Image.Image:
    """The confusion matrix as a heatmap, rows = true class, columns = predicted class, with class names."""
    matrix = np.array(evaluation.confusion, dtype=np.float64)
    rates = matrix / matrix.sum(1, keepdims=True).clip(min=1)
    n = len(evaluation.classes)
    margin = 8 + 6 * max(len(name) for name in evaluation.classes)
    canvas = Image.new("RGB", (margin + n * cell + 8, margin + n * cell + 8), "white")
    colours = colorize(1 - rates, stretch=False)
    colours[matrix == 0] = 255  # empty cells white, so the diagonal and the confusions stand out
    cells = Image.fromarray(colours).resize((n * cell, n * cell), Image.NEAREST)
    canvas.paste(cells, (margin, margin))
    names = Image.new("RGB", (margin, n * cell), "white")
    draw = ImageDraw.Draw(names)
    for i, name in enumerate(evaluation.classes):
        draw.text((4, i * cell + 2), name, fill="black")
    canvas.paste(names, (0, margin))  # row labels
    canvas.paste(names.rotate(90, expand=True), (margin, 0))  # the same names as column labels
    return canvas


def per_class_table(evaluation: Evaluation) -> pd.DataFrame:
    """Test images, correct answers and accuracy of each class, worst first."""
    rows = [(name, sum(row), row[i], row[i] / sum(row))
            for i, (name, row) in enumerate(zip(evaluation.classes, evaluation.confusion)) if sum(row)]
    table = pd.DataFrame(rows, columns=["class", "test images", "correct", "accuracy"]).sort_values("accuracy")
    return table.assign(accuracy=table.accuracy.map("{:.0%}".format))


def mistakes_gallery(evaluation: Evaluation) -> list[tuple[Image.Image, str]]:
    """Thumbnails of misclassified test images captioned 'true → predicted (confidence)'."""
    return [(thumbnail(m.path), f"{m.true_label} → {m.predicted_label} ({m.confidence:.0%})")
            for m in evaluation.mistakes[:MAX_MISTAKES]]


@user_errors
def train(session: Session | None, model: str, method: str, epochs: float, lr: float, batch_size: float,
          augment: bool, seed: float, progress=gr.Progress()):
    """Train with live curves; at the end fill the Evaluate and Use-it steps and offer the model to Classify."""
    if session is None or session.data is None:
        raise transfer.InputError("Load a dataset in step 1 (Data) first.")
    session.stop.clear()
    try:
        config = TrainConfig(method=method, epochs=int(epochs), lr=float(lr), batch_size=int(batch_size),
                             augment=bool(augment), seed=int(seed))
    except (TypeError, ValueError, OverflowError):
        raise transfer.InputError("Epochs, batch size and seed must be whole numbers, the learning rate a number.")
    skip = [gr.skip()] * 9
    history: list[EpochMetrics] = []
    progress(0, desc="Loading the pretrained network")
    time_limit = threading.Timer(MAX_TRAINING_SECONDS, session.stop.set)
    time_limit.start()
    try:
        yield from _train_events(session, config, session_model(model, None), method, history, progress, skip)
    finally:
        time_limit.cancel()
        release_memory()


def _train_events(session: Session, config: TrainConfig, model: str, method: str, history: list[EpochMetrics],
                  progress, skip: list) -> Iterator[tuple]:
    """The UI updates for each event of one training run."""
    for event in transfer.finetune(session.data, config, model, session.stop):
        if isinstance(event, Progress):
            desc = {"features": "Extracting features (once per image)", "train": "Training",
                    "evaluate": "Scoring images"}[event.stage]
            progress((event.done, event.total), desc=desc)
        elif isinstance(event, EpochMetrics):
            history.append(event)
            if method == "head":
                progress((event.epoch, event.epochs), desc="Training the new last layer")
            status = f"Epoch {event.epoch}/{event.epochs}: validation accuracy {event.val_accuracy:.1%}"
            yield session, status, *curves(history), *skip
        elif isinstance(event, Finished):
            yield finish(session, event.result, history)


def finish(session: Session, result: FineTuneResult | None, history: list[EpochMetrics]) -> tuple:
    """Save and zip the model, and build the outputs of the Evaluate and Use-it steps."""
    if result is None:
        return session, "Stopped before the first epoch finished: nothing to keep. Press Start to train again.", \
            *curves(history), *[gr.skip()] * 9
    shutil.rmtree(session.folder / "model", ignore_errors=True)
    session.result = result
    session.model_dir = save_finetuned(result.classifier, session.folder / "model", result.metrics())
    archive = shutil.make_archive(str(session.folder / "transfer-lab-model"), "zip", session.model_dir)
    evaluation = result.evaluation
    stopped = " (stopped early: the best epoch so far was kept)" if result.stopped else ""
    status = (f"Done in {result.seconds:.0f} s{stopped}. Test accuracy **{evaluation.accuracy:.1%}**: "
              "see step 4.")
    score = (f"## Test accuracy: {evaluation.accuracy:.1%}\n{len(session.data.test)} test "
             f"images the model never saw during training; {len(evaluation.mistakes)} mistakes. Best epoch: "
             f"{result.best_epoch} of {len(result.history)}{stopped}.")
    return (session, status, *curves(result.history), gr.Walkthrough(selected=4), score,
            per_class_table(evaluation), confusion_image(evaluation), mistakes_gallery(evaluation),
            gr.DownloadButton(value=archive, visible=True), model_list(session),
            gr.Button(interactive=True), gr.Button(interactive=True))


def model_list(session: Session | None) -> gr.Dropdown:
    """A model dropdown's choices: the catalog, then this session's fine-tuned model when there is one."""
    if session is None or session.result is None or session.model_dir is None:
        return gr.Dropdown(choices=model_choices())
    result = session.result
    label = (f"Fine-tuned: {len(result.classifier.labels)} classes, {result.evaluation.accuracy:.0%} "
             f"({result.config.method})")
    return gr.Dropdown(choices=model_choices([(label, str(session.model_dir))]))


def stop_training(session: Session | None) -> None:
    """Ask the running training to stop after the current batch, keeping the best epoch so far."""
    if session is not None:
        session.stop.set()
        gr.Info("Stopping after the current batch; the best epoch so far is kept.")


@user_errors
def classify_with_model(image: dict | str | None, session: Session | None) -> dict[str, float]:
    """Top classes of an uploaded image under this session's fine-tuned model."""
    if session is None or session.model_dir is None:
        raise transfer.InputError("Train a model in step 3 first.")
    return classify(image, str(session.model_dir), session)


def build(state: gr.State, classify_models: gr.Dropdown, data_roots: list[Path]):
    """Build the Fine-tune tab; the trained model goes into `state` and `classify_models` (this session only).

    A dataset path typed in the page is opened only inside `data_roots`. Returns the training event, so other
    tabs can offer the new model too.
    """
    gr.Markdown(INTRO)
    with gr.Walkthrough(selected=1) as wizard:
        with gr.Step("1. Data", id=1):
            found = PETS_ROOT.is_dir()
            source = gr.Radio([LOCAL, DOWNLOAD, UPLOAD], value=LOCAL if found else UPLOAD,
                              label="Where are the images?")
            path = gr.Textbox(str(PETS_ROOT) if found else str(DOWNLOAD_FOLDER), label="Folder",
                              info="Oxford-IIIT Pet in torchvision's layout (the folder holding oxford-iiit-pet/).")
            upload = gr.File(file_types=[".zip"], type="filepath", label="Zip of class folders (cats/1.jpg, ...)")
            with gr.Row():
                task = gr.Radio([("37 breeds", "breeds"), ("Cat or dog", "species")], value="breeds",
                                label="Task (Oxford-IIIT Pet)")
                per_class = gr.Slider(0, 200, value=20, step=1, label="Images per class (0 = all)",
                                      info="Fewer images train faster; more images score higher.")
            load = gr.Button("Load data", variant="primary")
            summary = gr.Markdown()
            samples = gr.Gallery(label="One training image per class", columns=8, height=300)
            to_model = gr.Button("Next: model and method", interactive=False)
        with gr.Step("2. Model & method", id=2):
            backbone = gr.Dropdown(model_choices(), value=transfer.DEFAULT_MODEL, label="Pretrained network",
                                   info="The network whose ImageNet knowledge is reused.")
            method = gr.Radio([(METHOD_TITLES[m], m) for m in METHODS], value="head", label="Method")
            gr.Markdown(METHOD_HELP)
            with gr.Row():
                epochs = gr.Slider(1, 100, value=DEFAULTS["head"]["epochs"], step=1, label="Epochs",
                                   info="How many times training goes over all training images.")
                lr = gr.Number(DEFAULTS["head"]["lr"], label="Learning rate", minimum=1e-6, maximum=1,
                               info="Step size: too high is unstable, too low learns slowly.")
                batch_size = gr.Slider(1, 256, value=DEFAULTS["head"]["batch_size"], step=1, label="Batch size",
                                       info="Images per training step.")
            with gr.Row():
                augment = gr.Checkbox(True, label="Augmentation", info="Mirror images (and random crops when "
                                      "fine-tuning) so the model sees more variety.")
                seed = gr.Number(0, precision=0, label="Seed", minimum=0, info="Same seed, same result.")
            to_train = gr.Button("Next: train", variant="primary")
        with gr.Step("3. Train", id=3):
            with gr.Row():
                start = gr.Button("Start training", variant="primary")
                stop = gr.Button("Stop", variant="stop")
            status = gr.Markdown("Press **Start training**.")
            with gr.Row():
                loss_plot = gr.LinePlot(x="epoch", y="value", color="curve", title="Loss (lower is better)",
                                        x_title="epoch", y_title="loss", height=260, elem_id="finetune-loss")
                accuracy_plot = gr.LinePlot(x="epoch", y="value", color="curve", title="Accuracy",
                                            x_title="epoch", y_title="accuracy", y_lim=[0, 1], height=260)
            to_evaluate = gr.Button("Next: evaluate", interactive=False)
        with gr.Step("4. Evaluate", id=4):
            score = gr.Markdown("Train a model first.")
            with gr.Row():
                confusion = gr.Image(label="Confusion matrix (rows: true class, columns: predicted)", format="png",
                                     elem_id="finetune-confusion")
                table = gr.Dataframe(label="Per-class test accuracy (worst first)", max_height=420,
                                     elem_id="finetune-table")
            mistakes = gr.Gallery(label="Mistakes: true → predicted (confidence)", columns=8, height=320,
                                  elem_id="finetune-mistakes")
            to_use = gr.Button("Next: use it", interactive=False)
        with gr.Step("5. Use it", id=5):
            gr.Markdown("Your model is now also in the **Classify** tab's model list (for you only).")
            with gr.Row():
                photo = gr.Image(type="filepath", label="Photo", height=280, sources=["upload", "clipboard"])
                answer = gr.Label(num_top_classes=5, label="Your model says")
            with gr.Row():
                use = gr.Button("Classify with my model", variant="primary")
                download = gr.DownloadButton("Download model (.zip)", visible=False)

    load.click(functools.partial(load_data, roots=data_roots), [source, path, upload, task, per_class, state], [state, summary, samples, to_model],
               concurrency_limit=2, concurrency_id="finetune-data", api_visibility="private")
    to_model.click(lambda: gr.Walkthrough(selected=2), None, wizard, queue=False)
    to_train.click(lambda: gr.Walkthrough(selected=3), None, wizard, queue=False)
    to_evaluate.click(lambda: gr.Walkthrough(selected=4), None, wizard, queue=False)
    to_use.click(lambda: gr.Walkthrough(selected=5), None, wizard, queue=False)
    method.change(method_defaults, method, [epochs, lr, batch_size], queue=False)
    trained = start.click(train, [state, backbone, method, epochs, lr, batch_size, augment, seed],
                [state, status, loss_plot, accuracy_plot, wizard, score, table, confusion, mistakes, download,
                 classify_models, to_use, to_evaluate], concurrency_limit=1, concurrency_id=TRAINING,
                show_progress_on=[status],
                api_visibility="private")
    stop.click(stop_training, state, None, queue=False)
    use.click(classify_with_model, [photo, state], answer, api_visibility="private")
    return trained
