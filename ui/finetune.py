"""Fine-tune tab: a five-step wizard from a dataset to a trained, evaluated and downloadable classifier."""

from __future__ import annotations

import functools
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

import transfer
from transfer.data import (DEFAULT_TASK, MAX_DATASET_BYTES, PETS_DOWNLOAD_MB, DatasetSplits, DatasetTooLarge,
                           dataset_from_files, find_pets_root, open_dataset)
from transfer.evaluate import read_curves
from transfer.onnx_export import MAX_CHECK_IMAGES, export_onnx
from transfer.progress import TrainingProgress, drain
from transfer import train as training
from transfer.train import (DEFAULT_METHOD, METHODS, CurvePoint, EpochMetrics, Finished, FineTuneResult, TrainConfig,
                            data_size_curve)
from ui import evaluation as views
from ui import controls, own_classes, sessions
from ui.classify import classify
from ui.clients import client_address
from ui.common import (Run, Session, label_scores, model_choices, received_file, release_memory, session_model,
                       user_errors)
from ui.hardware import LIMITS, on_gpu
from ui.i18n import confusion_image

OWN, PETS, ZIP, DOWNLOAD = "own", "pets", "zip", "download"
SOURCES = {
    OWN: "My own classes: add photos or use the webcam",
    PETS: "Oxford-IIIT Pet: cat and dog breeds, ready on this server",
    ZIP: "A .zip of class folders (for bigger sets)",
    DOWNLOAD: f"Download Oxford-IIIT Pet (about {PETS_DOWNLOAD_MB} MB, needs internet)",
}
DOWNLOAD_FOLDER = Path.home() / ".cache" / "transfer-lab" / "pets"
TRAINING = "finetune-training"  # one training job at a time: the CPU is shared by every tab and user

INTRO = """**Transfer learning** reuses a network pretrained on ImageNet for *your* classes. Follow the steps: pick the
data, pick how much of the network to retrain, train (usually seconds), check the score on test images it never saw,
then use or download your model. The defaults work without changing anything."""
METHOD_HELP = "\n".join(f"* **{method.name.capitalize()}** {method.help}" for method in METHODS.values())
USE_HELP = """**Download** a zip with one folder in timm's format: `model.safetensors` (the weights),
`config.json` (the class names and how photos are resized), a model card `README.md` and `transfer_lab.json`
(the test scores). Unzip it, then in Python:

```python
import timm, transfer
folder = "{folder}"   # the unzipped folder
transfer.predict("photo.jpg", folder)   # top classes with their probabilities
model = timm.create_model("local-dir:" + folder, pretrained=True)   # or with timm alone
```

**Make ONNX file** exports the same model for ONNX Runtime, checked on the run's test photos.

In this app the model is already in the **Classify**, **Ideal image** and **Adversarial** tabs' model lists (for
you only, until you close the page)."""


def local_datasets(roots: list[Path]) -> dict[str, Path]:
    """Oxford-IIIT Pet copies inside the data roots (a root or a folder directly in it), by folder name; the page
    shows only these names, never a server path."""
    found = {}
    for root in roots:
        candidates = [Path(root)] + (sorted(p for p in Path(root).iterdir() if p.is_dir()) if Path(root).is_dir()
                                     else [])
        for candidate in candidates:
            pets = find_pets_root(candidate)
            if pets is not None and pets not in found.values():
                found[pets.name] = pets
    return found


@dataclass
class Wizard:
    """The wizard's components, so handlers can return {component: update} for just what they change."""

    session: gr.State  # the app's per-session state (ui.common.Session), shared with the other tabs
    steps: gr.Walkthrough
    # 1. Data
    source: gr.Radio
    own: own_classes.OwnClasses
    own_box: gr.Column
    pets_box: gr.Column
    zip_box: gr.Column
    download_box: gr.Column
    dataset: gr.Dropdown
    task: gr.Radio
    archive: gr.File
    per_class: gr.Slider
    load: gr.Button
    report: gr.Markdown
    counts: gr.Dataframe
    samples: gr.Gallery
    to_model: gr.Button
    # 2. Model & method
    backbone: gr.Dropdown
    method: gr.Radio
    epochs: gr.Slider
    lr: gr.Number
    batch_size: gr.Slider
    augment: gr.Checkbox
    seed: gr.Number
    to_train: gr.Button
    # 3. Train
    start: gr.Button
    stop: gr.Button
    status: gr.Markdown
    loss_plot: gr.LinePlot
    accuracy_plot: gr.LinePlot
    reading: gr.Markdown
    to_evaluate: gr.Button
    # 4. Evaluate
    runs: gr.Dataframe
    run: gr.Dropdown
    score: gr.Markdown
    confusion: gr.Image
    table: gr.Dataframe
    data_curve: gr.LinePlot
    curve_note: gr.Markdown
    mistakes: gr.Gallery
    no_mistakes: gr.Markdown
    to_use: gr.Button
    # 5. Use it
    photo: gr.Image
    answer: gr.Label
    examples: gr.Gallery
    download: gr.DownloadButton
    make_onnx: gr.Button
    onnx: gr.DownloadButton
    use_help: gr.Markdown


# --- step 1: data -------------------------------------------------------------------------------------------------

def show_source(w: Wizard, source: str) -> dict:
    """Only the chosen source's inputs are visible."""
    return {w.own_box: gr.Column(visible=source == OWN), w.pets_box: gr.Column(visible=source in (PETS, DOWNLOAD)),
            w.zip_box: gr.Column(visible=source == ZIP), w.download_box: gr.Column(visible=source == DOWNLOAD),
            w.dataset: gr.Dropdown(visible=source == PETS and len(w.dataset.choices) > 1)}


@user_errors
def load_data(w: Wizard, datasets: dict[str, Path], source: str, dataset: str | None, task: str, per_class: float,
              archive: dict | str | None, session: Session | None, *own, request: gr.Request | None = None) -> dict:
    """Open the chosen data (own classes, a server copy of Oxford-IIIT Pet by name, a zip or the download), check
    it, and report what was found; the session's folder holds extracted or copied files, within the disk caps of
    the session, its client's address and the server (ui.sessions)."""
    try:
        cap = int(per_class) or None
    except (TypeError, ValueError, OverflowError):
        raise transfer.InputError("Images per class must be a whole number (0 for all).") from None
    session = session or Session()
    address = client_address(request)
    existed = session.folder.exists()
    try:
        data = _open_data(source, dataset, datasets, task, cap, archive, session, own, address)
    except BaseException:
        if not existed:  # folders are created only for data that loads
            shutil.rmtree(session.folder, ignore_errors=True)
        raise
    for stale in (session.folder / "data").glob("*"):  # the previous data's files
        if not Path(data.root).is_relative_to(stale):
            shutil.rmtree(stale, ignore_errors=True)
    session.data = data
    sessions.claim(session, address)
    first = {}
    for path, label in data.train:
        first.setdefault(label, path)
    samples = [(views.thumbnail(p), data.classes[y]) for y, p in sorted(first.items())]
    return {w.report: views.data_report(data), w.counts: gr.Dataframe(views.counts_table(data), visible=True),
            w.samples: gr.Gallery(samples, visible=True), w.to_model: gr.Button(interactive=True), w.session: session}


def _open_data(source: str, dataset: str | None, datasets: dict[str, Path], task: str, cap: int | None,
               archive: dict | str | None, session: Session, own: tuple, address: str) -> DatasetSplits:
    """The data the Data step asks for, within LIMITS.data_seconds; uploads are extracted or copied into the
    session's folder if they fit in the room the disk caps leave (checked before anything is written)."""
    seconds = LIMITS.data_seconds
    if source in (OWN, ZIP):
        classes = own_classes.classes_of(*own) if source == OWN else None
        if source == ZIP and not archive:
            raise transfer.InputError("Upload a .zip first: one folder per class, each with that class's images.")
        upload = received_file(archive) if source == ZIP else None
        space, full = sessions.room(session, address)
        if space <= 0:
            raise transfer.InputError(full.template, **full.values)
        limit = min(space, MAX_DATASET_BYTES)
        try:
            if source == OWN:
                return dataset_from_files(classes, per_class=cap, workdir=session.folder / "data", max_bytes=limit,
                                          seconds=seconds)
            return open_dataset(upload, per_class=cap, workdir=session.folder / "data", max_bytes=limit,
                                seconds=seconds)
        except DatasetTooLarge:
            if limit < MAX_DATASET_BYTES:  # too large for the room left, not for the dataset limit
                raise transfer.InputError(full.template, **full.values) from None
            raise
    elif source == DOWNLOAD:  # always into the app's own cache folder, never a path typed in the browser
        gr.Info(f"Downloading Oxford-IIIT Pet (about {PETS_DOWNLOAD_MB} MB): this takes several minutes.")
        return open_dataset(DOWNLOAD_FOLDER, task, cap, download=True)
    if dataset in datasets:
        return open_dataset(datasets[dataset], task, cap, seconds=seconds)
    raise transfer.InputError("Choose where the images are: your own classes, or upload a zip of class folders.")


# --- steps 2 and 3: method and training ---------------------------------------------------------------------------

@on_gpu("training")
@user_errors
def train(w: Wizard, session: Session | None, model: str, method: str, epochs: float, lr: float, batch_size: float,
          augment: bool, seed: float, progress=gr.Progress()) -> Iterator[dict]:
    """Train with live curves; at the end keep the run, read its curves and fill the Evaluate and Use-it steps."""
    if session is None or session.data is None:
        raise transfer.InputError("Check the data in step 1 (Data) first.")
    try:
        config = TrainConfig(method=method, epochs=int(epochs), lr=float(lr), batch_size=int(batch_size),
                             augment=bool(augment), seed=int(seed))
    except (TypeError, ValueError, OverflowError):
        raise transfer.InputError("Epochs, batch size and seed must be whole numbers, the learning rate a number.")
    model = session_model(model, None)
    history: list[EpochMetrics] = []
    progress(0, desc="Loading the pretrained network")
    axis = "L2 strength, strong to weak" if method == "head" else "epoch"  # a head's steps are strengths, not epochs
    yield {w.reading: "", w.to_evaluate: gr.Button(interactive=False), w.loss_plot: gr.LinePlot(x_title=axis),
           w.accuracy_plot: gr.LinePlot(x_title=axis)}
    time_limit = threading.Timer(LIMITS.training_seconds, session.stop.set)
    time_limit.start()
    try:
        with sessions.busy(session.folder):  # in the folder: seen by the app's process on ZeroGPU too
            for event in transfer.finetune(session.data, config, model, session.stop):
                if isinstance(event, TrainingProgress):
                    desc = {"features": "Extracting features (once per image)", "train": "Training",
                            "evaluate": "Scoring images"}[event.stage]
                    progress((event.done, event.total), desc=desc)
                elif isinstance(event, EpochMetrics):
                    history.append(event)
                    if method == "head":
                        progress((event.epoch, event.epochs), desc="Training the new last layer")
                    status = (f"L2 strength {event.l2:.0e} ({event.epoch}/{event.epochs}): validation accuracy "
                              f"{event.val_accuracy:.1%}" if event.l2 is not None else
                              f"Epoch {event.epoch}/{event.epochs}: validation accuracy {event.val_accuracy:.1%}")
                    loss, accuracy = views.curves(history)
                    yield {w.status: status, w.loss_plot: loss, w.accuracy_plot: accuracy}
                elif isinstance(event, Finished):
                    curve = []
                    if event.result is not None and not session.stop.is_set():
                        yield {w.status: "Training done; now measuring how many photos per class it needs ..."}
                        curve = drain(data_size_curve(session.data, model, event.result.config, l2=event.result.l2,
                                                      stop=session.stop),
                                      lambda step: progress((step.done, step.total), desc="Fitting with fewer photos"))
                    yield finish(w, session, event.result, model, curve)
    finally:
        time_limit.cancel()
        release_memory()


def finish(w: Wizard, session: Session, result: FineTuneResult | None, model: str,
           curve: list[CurvePoint]) -> dict:
    """Keep the run (saved and zipped), stay on step 3 with the final curves and their reading."""
    if result is None:
        return {w.status: "Stopped before the first epoch finished: nothing to keep. Press Start to train again."}
    run = session.add_run(result, model, curve)  # returned below: on ZeroGPU this runs in a worker process
    sessions.claim(session)
    loss, accuracy = views.curves(result.history)
    stopped = " (stopped early: the best epoch so far was kept)" if result.stopped else ""
    return {w.status: f"Run {run.number} done in {result.seconds:.0f} s{stopped}: test accuracy "
                      f"**{result.evaluation.accuracy:.1%}** (details in step 4).",
            w.loss_plot: loss, w.accuracy_plot: accuracy, w.reading: f"**Reading the curves:** {read_curves(result.history)}",
            w.to_evaluate: gr.Button(interactive=True), w.session: session, **show_run(w, session, run.number)}


def new_run(session: Session | None) -> None:
    """Forget an earlier Stop. Un-queued, ahead of the queued run: a Stop pressed while the run waits is kept."""
    if session is not None:
        session.stop.clear()


def stop_training(session: Session | None) -> None:
    """Ask the running training to stop after the current batch, keeping the best epoch so far."""
    if session is not None:
        session.stop.set()
        gr.Info("Stopping after the current batch; the best epoch so far is kept.")


# --- steps 4 and 5: a run's evaluation, trying and downloading it -------------------------------------------------

def show_run(w: Wizard, session: Session | None, number: int | None) -> dict:
    """Steps 4 and 5 for one of the session's runs: its scores, confusion matrix, mistakes, samples, download."""
    run = session.run_number(number) if session is not None else None
    if run is None:
        return {}
    evaluation = run.result.evaluation
    mistakes = views.mistakes_gallery(evaluation)
    return {
        w.runs: gr.Dataframe(views.runs_table(session), visible=True),
        w.run: gr.Dropdown(choices=[(f"Run {r.number}", r.number) for r in reversed(session.runs)], value=run.number,
                           visible=len(session.runs) > 1),
        w.score: views.score(session, run),
        w.confusion: gr.Image(confusion_image(evaluation.classes, evaluation.confusion), visible=True),
        w.table: gr.Dataframe(views.per_class_table(evaluation), visible=True),
        w.data_curve: gr.LinePlot(views.data_curve(run.curve), visible=bool(run.curve)),
        w.curve_note: views.read_data_curve(run.curve),
        w.mistakes: gr.Gallery(mistakes, visible=bool(mistakes)),
        w.no_mistakes: gr.Markdown("**No mistakes**: every test image was classified correctly.",
                                   visible=not mistakes),
        w.to_use: gr.Button(interactive=True),
        w.examples: gr.Gallery([(views.thumbnail(path), label) for path, label in views.held_out(run.data)],
                               visible=True),
        w.answer: None, w.photo: None,
        w.download: gr.DownloadButton(f"Download run {run.number} (.zip)", value=str(run.archive), visible=True),
        w.make_onnx: gr.Button(visible=True), w.onnx: gr.DownloadButton(visible=False),
        w.use_help: USE_HELP.replace("{folder}", run.model_dir.name),
    }


def selected_run(session: Session | None) -> Run:
    if session is None or session.selected is None:
        raise transfer.InputError("Train a model in step 3 first.")
    return session.selected


def choose_run(w: Wizard, session: Session | None, number: int | None) -> dict:
    """Select another run for steps 4 and 5."""
    run = session.run_number(number) if session is not None else None
    if run is not None:
        session.selected = run
    return show_run(w, session, number)


@user_errors
def try_photo(image: dict | str | None, session: Session | None) -> dict[str, float] | None:
    """The selected run's classes for a photo, as soon as it arrives (upload, paste or webcam)."""
    if received_file(image) is None:
        return None
    return classify(image, str(selected_run(session).model_dir), session)


@user_errors
def try_example(session: Session | None, event: gr.SelectData) -> tuple:
    """Classify a held-out test image picked from the gallery, and show it as the photo."""
    run = selected_run(session)
    path, _ = views.held_out(run.data)[event.index]  # a file of the session's own data, not one a request named
    return path, label_scores(transfer.predict(path, transfer.load_model(run.model_dir)))


@user_errors
def onnx_download(session: Session | None) -> gr.DownloadButton:
    """The selected run as an ONNX file beside its folder, checked with ONNX Runtime on its test photos."""
    run = selected_run(session)
    gr.Info("Exporting to ONNX and checking the file with ONNX Runtime: this takes 10-30 seconds.")
    photos = [path for path, _ in run.data.test][:MAX_CHECK_IMAGES]
    try:
        result = export_onnx(run.model_dir, run.model_dir.with_suffix(".onnx"), photos if len(photos) >= 2 else None)
    finally:
        release_memory()
    gr.Info(f"ONNX Runtime agrees with PyTorch on {result.top1_agreement:.0%} of {result.images} test photos "
            f"(largest logit difference {result.max_abs_diff:.1g}).")
    return gr.DownloadButton(f"Download run {run.number} (.onnx, {result.size_bytes / 1e6:.0f} MB)", value=result.out,
                             visible=True)


# --- layout and events ----------------------------------------------------------------------------------------------

def layout(session: gr.State, datasets: dict[str, Path]) -> Wizard:
    """The wizard's five steps (components only; `wire` adds the events)."""
    gr.Markdown(INTRO)
    sources = [(SOURCES[key], key) for key in (OWN, PETS, ZIP, DOWNLOAD) if key != PETS or datasets]
    with gr.Walkthrough(selected=1) as steps:
        with gr.Step("1. Data", id=1):
            source = gr.Radio(sources, value=PETS if datasets else OWN, label="Where are the images?",
                              elem_id="finetune-source")
            with gr.Column(visible=not datasets) as own_box:
                own = own_classes.build()
            with gr.Column(visible=bool(datasets)) as pets_box:
                names = list(datasets)
                dataset = gr.Dropdown(names, value=names[0] if names else None, label="Dataset",
                                      visible=len(names) > 1)
                task = gr.Radio([("37 breeds", "breeds"), ("Cat or dog", "species")], value=DEFAULT_TASK,
                                label="Task")
            with gr.Column(visible=False) as download_box:
                gr.Markdown(f"The full Oxford-IIIT Pet: 7,349 photos of 37 breeds, about {PETS_DOWNLOAD_MB} MB, "
                            "downloaded once into the app's cache (several minutes).")
            with gr.Column(visible=False) as zip_box:
                archive = gr.File(file_types=[".zip"], type="filepath", label="Zip of class folders",
                                  elem_id="finetune-zip")
                gr.Markdown("One folder per class, named after the class, each with its photos: "
                            "`cats/1.jpg`, `cats/2.jpg`, ..., `dogs/1.jpg`, ...")
            per_class = gr.Slider(0, 200, value=20, step=1, label="Images per class (0 = all)",
                                  info="Fewer images train faster; more images score higher.")
            load = gr.Button("Check the data", variant="primary")
            report = gr.Markdown(elem_id="finetune-report")
            with gr.Row():
                counts = gr.Dataframe(label="Images per class and split", visible=False, max_height=300,
                                      elem_id="finetune-counts")
                samples = gr.Gallery(label="One training image per class", columns=6, height=300, visible=False,
                                     fit_columns=False, object_fit="cover", elem_id="finetune-samples")
            to_model = gr.Button("Next: model and method", interactive=False)
        with gr.Step("2. Model & method", id=2):
            backbone = gr.Dropdown(model_choices(), value=transfer.DEFAULT_FINETUNE_MODEL, label="Pretrained network",
                                   info="The network whose ImageNet knowledge is reused.")
            method = gr.Radio([(method.title, name) for name, method in METHODS.items()], value=DEFAULT_METHOD,
                              label="Method")
            gr.Markdown(METHOD_HELP)
            with gr.Row():
                epochs = controls.slider(training.EPOCHS)
                lr = controls.number(training.LR)
                batch_size = controls.slider(training.BATCH_SIZE)
            with gr.Row():
                augment = gr.Checkbox(True, label="Augmentation", info="Mirror images (and random crops when "
                                      "fine-tuning) so the model sees more variety.")
                seed = controls.number(training.SEED)
            to_train = gr.Button("Next: train", variant="primary")
        with gr.Step("3. Train", id=3):
            with gr.Row():
                start = gr.Button("Start training", variant="primary")
                stop = gr.Button("Stop", variant="stop")
            status = gr.Markdown("Press **Start training**.", elem_id="finetune-status")
            with gr.Row():
                loss_plot = gr.LinePlot(x="epoch", y="value", color="curve", title="Loss (lower is better)",
                                        x_title="epoch", y_title="loss", height=260, elem_id="finetune-loss")
                accuracy_plot = gr.LinePlot(x="epoch", y="value", color="curve", title="Accuracy",
                                            x_title="epoch", y_title="accuracy", y_lim=[0, 1], height=260,
                                            elem_id="finetune-accuracy")
            reading = gr.Markdown(elem_id="finetune-reading")
            to_evaluate = gr.Button("Next: evaluate", variant="primary", interactive=False)
        with gr.Step("4. Evaluate", id=4):
            with gr.Row():
                runs = gr.Dataframe(label="Your runs in this session (newest last)", visible=False, scale=4,
                                    elem_id="finetune-runs")
                run = gr.Dropdown([], label="Show run", visible=False, scale=1, min_width=120,
                                  elem_id="finetune-run")
            score = gr.Markdown("Train a model first.", elem_id="finetune-score")
            with gr.Row():
                confusion = gr.Image(format="png", show_label=False, visible=False, elem_id="finetune-confusion",
                                     buttons=["fullscreen", "download"])
                table = gr.Dataframe(label="Per-class test accuracy (worst first)", max_height=420, visible=False,
                                     elem_id="finetune-table")
            with gr.Row():
                data_curve = gr.LinePlot(x="photos per class", y="test accuracy", color="curve",
                                         title="How many photos do I need?", y_lim=[0, 1], height=260, scale=3,
                                         min_width=320, visible=False, elem_id="finetune-data-curve")
                curve_note = gr.Markdown(min_width=320, elem_id="finetune-data-curve-note")  # below it on a phone
            mistakes = gr.Gallery(label="Mistakes: true → predicted (confidence)", columns=6, height=320,
                                  visible=False, elem_id="finetune-mistakes", elem_classes=["wrap-captions"])
            no_mistakes = gr.Markdown(visible=False, elem_id="finetune-no-mistakes")
            to_use = gr.Button("Next: use it", variant="primary", interactive=False)
        with gr.Step("5. Use it", id=5):
            gr.Markdown("Try your model: upload, paste or snap a photo and its answer appears at once.")
            with gr.Row():
                photo = gr.Image(type="filepath", label="Photo", height=300, sources=["upload", "webcam", "clipboard"],
                                 elem_id="finetune-photo")
                answer = gr.Label(num_top_classes=5, label="Your model says", elem_id="finetune-answer")
            examples = gr.Gallery(label="Test photos it never trained on: click one", columns=8, height=170,
                                  fit_columns=False, object_fit="cover", allow_preview=False, visible=False,
                                  elem_id="finetune-examples")
            with gr.Row():
                download = gr.DownloadButton("Download model (.zip)", visible=False, variant="primary")
                make_onnx = gr.Button("Make ONNX file", visible=False)
                onnx = gr.DownloadButton("Download ONNX", visible=False)
            use_help = gr.Markdown()
    return Wizard(session, steps, source, own, own_box, pets_box, zip_box, download_box, dataset, task, archive,
                  per_class, load, report, counts, samples, to_model, backbone, method, epochs, lr, batch_size, augment,
                  seed, to_train, start, stop, status, loss_plot, accuracy_plot, reading, to_evaluate, runs, run, score,
                  confusion, table, data_curve, curve_note, mistakes, no_mistakes, to_use, photo, answer, examples,
                  download, make_onnx, onnx, use_help)


def build(session: gr.State, data_roots: list[Path]):
    """Build the Fine-tune tab on the app's per-session `session` state. Datasets are offered by name from inside
    `data_roots`. Returns the training event, after which the other tabs refresh their model lists."""
    datasets = local_datasets(data_roots)
    w = layout(session, datasets)
    private = {"api_visibility": "private"}
    bind = functools.partial
    w.source.change(bind(show_source, w), w.source, [w.own_box, w.pets_box, w.zip_box, w.download_box, w.dataset],
                    queue=False, **private)
    def check_data(request: gr.Request, *values) -> dict:  # Gradio passes the request to a parameter so typed
        return load_data(w, datasets, *values, request=request)

    w.load.click(check_data, [w.source, w.dataset, w.task, w.per_class, w.archive, session,
                                               *w.own.inputs],
                 [w.report, w.counts, w.samples, w.to_model, session], concurrency_limit=2,
                 concurrency_id="finetune-data", show_progress_on=[w.report], preprocess=False, **private)
    for button, step in ((w.to_model, 2), (w.to_train, 3), (w.to_evaluate, 4), (w.to_use, 5)):
        button.click(lambda step=step: gr.Walkthrough(selected=step), None, w.steps, queue=False, **private)
    run_views = [w.runs, w.run, w.score, w.confusion, w.table, w.data_curve, w.curve_note, w.mistakes, w.no_mistakes,
                 w.to_use, w.examples, w.answer, w.photo, w.download, w.make_onnx, w.onnx, w.use_help]
    trained = w.start.click(new_run, session, None, queue=False, **private).then(
        bind(train, w), [session, w.backbone, w.method, w.epochs, w.lr, w.batch_size, w.augment, w.seed],
        [w.status, w.loss_plot, w.accuracy_plot, w.reading, w.to_evaluate, w.session, *run_views],
        concurrency_limit=LIMITS.training_jobs, concurrency_id=TRAINING, show_progress_on=[w.status], **private)
    w.stop.click(stop_training, session, None, queue=False, **private)
    w.make_onnx.click(onnx_download, session, w.onnx, concurrency_limit=1, concurrency_id=TRAINING, **private)
    w.run.input(bind(choose_run, w), [session, w.run], run_views, show_progress_on=[w.score], **private)
    w.photo.input(try_photo, [w.photo, session], w.answer, preprocess=False, show_progress="minimal", **private)
    w.examples.select(try_example, session, [w.photo, w.answer], show_progress_on=[w.answer], **private)
    return trained
