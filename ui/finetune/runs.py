"""Steps 4 and 5 of the Fine-tune wizard: a run's evaluation, trying it on photos and downloading it."""

from __future__ import annotations

import gradio as gr

import transfer
from transfer import Message
from transfer.models import (MAX_CALIBRATION_IMAGES, MAX_CHECK_IMAGES, Int8Export, export_onnx, int8_path,
                             quantize_onnx)
from ui.classify import classify
from ui.common import Run, Session, label_scores, received_file, release_memory, user_errors
from ui.i18n import confusion_image
from ui.finetune import views
from ui.finetune.layout import Wizard
from ui.tabs import named

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


def show_run(session: Session | None, number: int | None) -> dict[str, object]:
    """Steps 4 and 5 for one of the session's runs: its scores, confusion matrix, mistakes, samples, download, as
    {wizard field name: update} (training's last update in ZeroGPU's worker includes it). Its feature-space maps
    are drawn when step 5 opens (feature_map.wire_update): a fine-tuned network's take seconds."""
    run = session.run_number(number) if session is not None else None
    if run is None:
        return {}
    evaluation = run.result.evaluation
    mistakes = views.mistakes_gallery(evaluation)
    return {
        "runs": gr.Dataframe(views.runs_table(session), visible=True),
        "run": gr.Dropdown(choices=[(f"Run {r.number}", r.number) for r in reversed(session.runs)], value=run.number,
                         visible=len(session.runs) > 1),
        "compare_box": gr.Row(visible=True), "other": another_network(run.backbone),
        "score": views.score(session, run),
        "confusion": gr.Image(confusion_image(evaluation.classes, evaluation.confusion), visible=True),
        "table": gr.Dataframe(views.per_class_table(evaluation), visible=True),
        "confused": gr.Dataframe(views.confused_pairs(evaluation), visible=bool(evaluation.mistakes)),
        "data_curve": gr.LinePlot(views.data_curve(run.curve), visible=bool(run.curve)),
        "curve_note": views.read_data_curve(run.curve),
        "mistakes": gr.Gallery(mistakes, visible=bool(mistakes)),
        "why": gr.Row(visible=False), "open_mistake": gr.Button(visible=False), "mistake": None,
        "no_mistakes": gr.Markdown("**No mistakes**: every test image was classified correctly.", visible=not mistakes),
        "to_use": gr.Button(interactive=True),
        "examples": gr.Gallery([(views.thumbnail(path), label) for path, label in views.held_out(run.data)],
                              visible=True),
        "answer": None, "photo": None,
        "download": gr.DownloadButton(f"Download run {run.number} (.zip)", value=str(run.archive), visible=True),
        "make_onnx": gr.Button(visible=True), "onnx": gr.DownloadButton(visible=False),
        "onnx_int8": gr.DownloadButton(visible=False), "onnx_report": "",
        "use_help": USE_HELP.replace("{folder}", run.model_dir.name),
    }


def another_network(backbone: str) -> str | None:
    """The catalog network to compare `backbone` with first: the catalog's first other one that loads here (the
    smallest, Lite0, unless that is `backbone`)."""
    return next((entry.name for entry in transfer.list_models() if entry.loads_here and entry.name != backbone), None)


def selected_run(session: Session | None) -> Run:
    if session is None or session.selected is None:
        raise transfer.InputError("Train a model in step 3 first.")
    return session.selected


def choose_run(w: Wizard, session: Session | None, number: int | None) -> dict:
    """Select another run for steps 4 and 5."""
    run = session.run_number(number) if session is not None else None
    if run is not None:
        session.selected = run
    return named(w, show_run(session, number))


@user_errors
def try_photo(w: Wizard, image: dict | str | None, session: Session | None) -> dict:
    """The selected run's classes for a photo, as soon as it arrives (upload, paste or webcam)."""
    if received_file(image) is None:
        return {w.use.answer: None}
    return {w.use.answer: classify(image, str(selected_run(session).model_dir), session)}


@user_errors
def try_example(w: Wizard, session: Session | None, event: gr.SelectData) -> dict:
    """Classify a held-out test image picked from the gallery, and show it as the photo."""
    run = selected_run(session)
    path, _ = views.held_out(run.data)[event.index]  # a file of the session's own data, not one a request named
    # as an image, not its path: Gradio serves no file from outside its allowed folders, where the server's data is
    answer = label_scores(transfer.predict(path, transfer.load_model(run.model_dir)))
    return {w.use.photo: transfer.load_image(path), w.use.answer: answer}


@user_errors
def explain_mistake(w: Wizard, session: Session | None, event: gr.SelectData) -> dict:
    """A clicked mistake explained by Grad-CAM: where the model saw the class it said, and where the right one."""
    run = selected_run(session)
    mistake = run.result.evaluation.mistakes[event.index]  # the gallery shows them in this order
    classifier = transfer.load_model(run.model_dir)
    answer, truth = (transfer.gradcam(mistake.path, classifier, classifier.labels.index(label))
                     for label in (mistake.predicted_label, mistake.true_label))
    return {w.evaluate.why: gr.Row(visible=True),
            w.evaluate.why_answer: gr.Image(answer.overlay, label=f"Where it saw {mistake.predicted_label}, its "
                                                                 f"answer ({mistake.confidence:.0%} sure)"),
            w.evaluate.why_truth: gr.Image(truth.overlay, label=f"Where it saw {mistake.true_label}, the right "
                                                               f"class ({mistake.true_probability:.0%})"),
            w.evaluate.open_mistake: gr.Button(visible=True), w.evaluate.mistake: mistake.path}


@user_errors
def mistake_in_classify(path: str | None, session: Session | None) -> tuple[object, str, gr.Tabs]:
    """The clicked mistake's photo and the run's model in the Classify tab, opened."""
    run = selected_run(session)
    if path not in {mistake.path for mistake in run.result.evaluation.mistakes}:
        raise transfer.InputError("Click one of the mistakes first.")
    return transfer.load_image(path), str(run.model_dir), gr.Tabs(selected="classify")


@user_errors
def onnx_download(w: Wizard, session: Session | None) -> dict:
    """The selected run as an ONNX file beside its folder, checked with ONNX Runtime on its test photos, and its int8
    copy calibrated on its training photos, both scored on the test photos."""
    run = selected_run(session)
    gr.Info("Exporting to ONNX, checking the file with ONNX Runtime and making its int8 copy: this takes 20-60 "
            "seconds.")
    photos = [path for path, _ in run.data.test][:MAX_CHECK_IMAGES]
    training = [path for path, _ in run.data.train][::max(1, len(run.data.train) // MAX_CALIBRATION_IMAGES)]
    try:
        result = export_onnx(run.model_dir, run.model_dir.with_suffix(".onnx"), photos if len(photos) >= 2 else None)
        int8 = quantize_onnx(result.out, int8_path(result.out), training, run.data.test)
    finally:
        release_memory()
    gr.Info(f"ONNX Runtime agrees with PyTorch on {result.top1_agreement:.0%} of {result.images} test photos "
            f"(largest logit difference {result.max_abs_diff:.1g}).")
    int8_label = f"Download run {run.number} int8 (.onnx, {int8.size_bytes / 1e6:.0f} MB)"
    return {w.use.onnx: gr.DownloadButton(f"Download run {run.number} (.onnx, {result.size_bytes / 1e6:.0f} MB)",
                                          value=result.out, visible=True),
            w.use.onnx_int8: gr.DownloadButton(int8_label, value=int8.out, visible=True),
            w.use.onnx_report: onnx_report(int8)}


def onnx_report(int8: Int8Export) -> Message:
    """The float and int8 files side by side: size, time per photo on this computer, test accuracy."""
    return Message(
        "| file | size | time per photo | test accuracy ({photos} photos) |\n| --- | --- | --- | --- |\n"
        "| float32 | {float_size} MB | {float_ms} ms | {float_accuracy} |\n"
        "| int8 | {size} MB ({smaller}x smaller) | {ms} ms | {accuracy} |\n\n"
        "The int8 file stores each weight in 8 bits instead of 32: smaller and usually faster on a CPU, for nearly "
        "the same answers. Both take the same input (see the model card).",
        photos=int8.test_images, float_size=f"{int8.float_size_bytes / 1e6:.1f}",
        float_ms=f"{int8.float_latency_ms:.1f}", float_accuracy=f"{int8.float_accuracy:.1%}",
        size=f"{int8.size_bytes / 1e6:.1f}", smaller=f"{int8.smaller:.1f}", ms=f"{int8.latency_ms:.1f}",
        accuracy=f"{int8.accuracy:.1%}")
