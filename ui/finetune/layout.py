"""The Fine-tune wizard's components, step by step: what every other module of the tab reads."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gradio as gr

import transfer
from transfer import train as training
from transfer.data import DEFAULT_TASK, PETS_DOWNLOAD_MB, PETS_PHOTOS
from transfer.train import DEFAULT_METHOD, METHODS
from ui import controls
from ui.common import model_choices
from ui.finetune import feature_map, own_classes
from ui.finetune.feature_map import FeatureMapView
from ui.finetune.own_classes import OwnClasses
from ui.tabs import group

OWN, PETS, ZIP, DOWNLOAD = "own", "pets", "zip", "download"
SOURCES = {
    OWN: "My own classes: add photos or use the webcam",
    PETS: "Oxford-IIIT Pet: cat and dog breeds, ready on this server",
    ZIP: "A .zip of class folders (for bigger sets)",
    DOWNLOAD: f"Download Oxford-IIIT Pet (about {PETS_DOWNLOAD_MB} MB, needs internet)",
}
DOWNLOAD_FOLDER = Path.home() / ".cache" / "transfer-lab" / "pets"
TRAINING = "finetune-training"  # one training job at a time: the CPU is shared by every tab and user
DATA_LOADING = "finetune-data"  # loading a dataset: its own concurrency group, a long job (app.LONG_JOBS)

INTRO = """**Transfer learning** reuses a network pretrained on ImageNet for *your* classes. Follow the steps: pick the
data, pick how much of the network to retrain, train (usually seconds), check the score on test images it never saw,
then use or download your model. The defaults work without changing anything."""
BACK = "← Back"
METHOD_HELP = "\n".join(f"* **{method.name.capitalize()}** {method.help}" for method in METHODS.values())


@dataclass(frozen=True)
class DataStep:
    """Step 1, Data: where the images are, the check and what it found."""

    source: gr.Radio
    own: OwnClasses
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


@dataclass(frozen=True)
class ModelStep:
    """Step 2, Model & method: the network and the settings of training."""

    backbone: gr.Dropdown
    method: gr.Radio
    epochs: gr.Slider
    lr: gr.Number
    batch_size: gr.Slider
    augment: gr.Checkbox
    seed: gr.Number
    schedule: gr.Row  # epochs, learning rate and batch size: shown for methods that use them (Method.trains_network)
    preview: gr.Gallery  # what training shows the network of one training photo with these settings
    back: gr.Button
    to_train: gr.Button


@dataclass(frozen=True)
class TrainStep:
    """Step 3, Train: start, stop, the live curves and their reading."""

    start: gr.Button
    stop: gr.Button
    status: gr.Markdown
    loss_plot: gr.LinePlot
    accuracy_plot: gr.LinePlot
    reading: gr.Markdown
    back: gr.Button
    to_evaluate: gr.Button


@dataclass(frozen=True)
class EvaluateStep:
    """Step 4, Evaluate: the session's runs and the chosen run's scores, confusion matrix and mistakes."""

    runs: gr.Dataframe
    run: gr.Dropdown
    compare_box: gr.Row  # the same data and settings on another network, in one click
    other: gr.Dropdown
    compare: gr.Button
    score: gr.Markdown
    confusion: gr.Image
    table: gr.Dataframe
    confused: gr.Dataframe
    data_curve: gr.LinePlot
    curve_note: gr.Markdown
    mistakes: gr.Gallery
    why: gr.Row  # a clicked mistake explained: Grad-CAM of the class it said and of the right class
    why_answer: gr.Image
    why_truth: gr.Image
    open_mistake: gr.Button  # the clicked mistake in the Classify tab (wired by app.py)
    mistake: gr.State  # the clicked mistake's photo: one of the run's test photos
    no_mistakes: gr.Markdown
    back: gr.Button
    to_use: gr.Button


@dataclass(frozen=True)
class UseStep:
    """Step 5, Use it: try the chosen run on photos, download it."""

    photo: gr.Image
    answer: gr.Label
    examples: gr.Gallery
    download: gr.DownloadButton
    make_onnx: gr.Button
    onnx: gr.DownloadButton
    onnx_int8: gr.DownloadButton
    onnx_report: gr.Markdown
    use_help: gr.Markdown
    back: gr.Button
    feature_map: FeatureMapView = group()


@dataclass(frozen=True)
class Wizard:
    """The wizard's components by step, so handlers can return {component: update} for just what they change."""

    session: gr.State  # the app's per-session state (ui.common.Session), shared with the other tabs
    steps: gr.Walkthrough
    data: DataStep = group()
    model: ModelStep = group()
    train: TrainStep = group()
    evaluate: EvaluateStep = group()
    use: UseStep = group()


def navigation(next_label: str, interactive: bool = False) -> tuple[gr.Button, gr.Button]:
    """A step's Back and Next buttons, side by side; Next `interactive` from the start or once the step is done."""
    with gr.Row():
        back = gr.Button(BACK)
        forward = gr.Button(next_label, variant="primary", interactive=interactive)
    return back, forward


def layout(session: gr.State, datasets: dict[str, Path]) -> Wizard:
    """The wizard's five steps (components only; `wire` adds the events)."""
    gr.Markdown(INTRO)
    sources = [(SOURCES[key], key) for key in (OWN, PETS, ZIP, DOWNLOAD) if key != PETS or datasets]
    with gr.Walkthrough(selected=1) as steps:
        with gr.Step("1. Data", id=1):
            source = gr.Radio(sources, value=PETS if datasets else OWN, label="Where are the images?",
                              elem_id="finetune-source")
            with gr.Column(visible=not datasets) as own_box:
                own = own_classes.layout()
            with gr.Column(visible=bool(datasets)) as pets_box:
                names = list(datasets)
                dataset = gr.Dropdown(names, value=names[0] if names else None, label="Dataset",
                                      visible=len(names) > 1)
                task = gr.Radio([("37 breeds", "breeds"), ("Cat or dog", "species")], value=DEFAULT_TASK,
                                label="Task")
            with gr.Column(visible=False) as download_box:
                gr.Markdown(f"The full Oxford-IIIT Pet: {PETS_PHOTOS:,} photos of 37 breeds, about {PETS_DOWNLOAD_MB} MB, "
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
            with gr.Row(visible=METHODS[DEFAULT_METHOD].trains_network) as schedule:
                epochs = controls.slider(training.EPOCHS)
                lr = controls.number(training.LR)
                batch_size = controls.slider(training.BATCH_SIZE)
            with gr.Row(elem_id="finetune-augment-seed"):  # one above the other on a phone (ui/style.css)
                augment = gr.Checkbox(True, label="Augmentation", info="Mirror images (and random crops when "
                                      "fine-tuning) so the model sees more variety.")
                seed = controls.number(training.SEED)
            preview = gr.Gallery(label="What training shows the network", columns=8, height="auto",
                                 allow_preview=False, visible=False, elem_id="finetune-preview",
                                 elem_classes=["label-above"])
            back_to_data, to_train = navigation("Next: train", interactive=True)
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
            back_to_model, to_evaluate = navigation("Next: evaluate")
        with gr.Step("4. Evaluate", id=4):
            with gr.Row():
                runs = gr.Dataframe(label="Your runs in this session (newest last)", visible=False, scale=4,
                                    min_width=320, elem_id="finetune-runs")  # a phone puts 'Show run' below it
                run = gr.Dropdown([], label="Show run", visible=False, scale=1, min_width=120,
                                  elem_id="finetune-run")
            with gr.Row(visible=False, equal_height=True, elem_id="finetune-compare") as compare_box:
                other = gr.Dropdown(model_choices(), label="Compare networks: the same data and settings on",
                                    scale=3, min_width=240, elem_id="finetune-other")
                compare = gr.Button("Train it", scale=1, min_width=120, elem_id="finetune-train-other")
            score = gr.Markdown("Train a model first.", elem_id="finetune-score")
            with gr.Row():
                confusion = gr.Image(format="png", show_label=False, visible=False, elem_id="finetune-confusion",
                                     buttons=["fullscreen", "download"])
                with gr.Column():
                    # long class names wrap, so that a phone shows every column
                    table = gr.Dataframe(label="Test images right per class (worst first)", max_height=420,
                                         wrap=True, column_widths=["60%", "40%"], visible=False,
                                         elem_id="finetune-table")
                    confused = gr.Dataframe(label="Most often confused", max_height=420, wrap=True,
                                            column_widths=["37%", "37%", "26%"], visible=False,
                                            elem_id="finetune-confused")
            with gr.Row():
                data_curve = gr.LinePlot(x="photos per class", y="test accuracy", color="curve",
                                         title="How many photos do I need?", y_lim=[0, 1], height=260, scale=3,
                                         min_width=320, visible=False, elem_id="finetune-data-curve")
                curve_note = gr.Markdown(min_width=320, elem_id="finetune-data-curve-note")  # below it on a phone
            mistakes = gr.Gallery(label="Mistakes, the worst first: true class → taken for (how sure). Click one to "
                                        "see why", columns=6, height=320, allow_preview=False,
                                  visible=False, elem_id="finetune-mistakes",
                                  elem_classes=["wrap-captions", "label-above"])
            with gr.Row(visible=False, elem_id="finetune-why") as why:
                why_answer = gr.Image(format="png", show_label=True, height=280, elem_id="finetune-why-answer",
                                      elem_classes=["label-above"], buttons=["fullscreen"])
                why_truth = gr.Image(format="png", show_label=True, height=280, elem_id="finetune-why-truth",
                                     elem_classes=["label-above"], buttons=["fullscreen"])
            open_mistake = gr.Button("Open this photo in Classify", visible=False, elem_id="finetune-open-mistake")
            mistake = gr.State(None)
            no_mistakes = gr.Markdown(visible=False, elem_id="finetune-no-mistakes")
            back_to_train, to_use = navigation("Next: use it")
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
                onnx_int8 = gr.DownloadButton("Download int8 ONNX", visible=False)
            onnx_report = gr.Markdown(elem_id="finetune-onnx-report")  # empty until an export
            maps = feature_map.layout()
            use_help = gr.Markdown()
            back_to_evaluate = gr.Button(BACK)
    return Wizard(
        session=session, steps=steps,
        data=DataStep(source=source, own=own, own_box=own_box, pets_box=pets_box, zip_box=zip_box,
                      download_box=download_box, dataset=dataset, task=task, archive=archive, per_class=per_class,
                      load=load, report=report, counts=counts, samples=samples, to_model=to_model),
        model=ModelStep(backbone=backbone, method=method, epochs=epochs, lr=lr, batch_size=batch_size,
                        augment=augment, seed=seed, schedule=schedule, preview=preview, back=back_to_data,
                        to_train=to_train),
        train=TrainStep(start=start, stop=stop, status=status, loss_plot=loss_plot, accuracy_plot=accuracy_plot,
                        reading=reading, back=back_to_model, to_evaluate=to_evaluate),
        evaluate=EvaluateStep(runs=runs, run=run, compare_box=compare_box, other=other, compare=compare, score=score,
                              confusion=confusion, table=table, confused=confused,
                              data_curve=data_curve, curve_note=curve_note, mistakes=mistakes, why=why,
                              why_answer=why_answer, why_truth=why_truth, open_mistake=open_mistake,
                              mistake=mistake, no_mistakes=no_mistakes, back=back_to_train, to_use=to_use),
        use=UseStep(photo=photo, answer=answer, examples=examples, download=download, make_onnx=make_onnx, onnx=onnx,
                    onnx_int8=onnx_int8, onnx_report=onnx_report,
                    use_help=use_help, back=back_to_evaluate, feature_map=maps),
    )
