"""Fine-tune tab: a five-step wizard from a dataset to a trained, evaluated and downloadable classifier.

layout.py holds the wizard's components by step; data.py (step 1), training.py (steps 2-3) and runs.py (steps 4-5)
their handlers; own_classes.py the class cards of step 1; views.py what the steps show about data and runs.
"""

from __future__ import annotations

import functools
from pathlib import Path

import gradio as gr

from transfer.train import METHODS
from ui.finetune import feature_map, own_classes
from ui.finetune.data import load_data, local_datasets, show_source
from ui.finetune.layout import DATA_LOADING, DOWNLOAD, DOWNLOAD_FOLDER, OWN, PETS, TRAINING, ZIP, Wizard, layout
from ui.finetune.runs import (choose_run, explain_mistake, mistake_in_classify, onnx_download, try_example,
                              try_photo)
from ui.finetune.training import augmentation_preview, new_run, start_training, stop_training, train
from ui.hardware import LIMITS
from ui.tabs import bind

__all__ = ["DATA_LOADING", "DOWNLOAD", "DOWNLOAD_FOLDER", "OWN", "PETS", "TRAINING", "ZIP", "Wizard", "build",
           "layout", "load_data", "local_datasets", "mistake_in_classify", "show_source", "train", "wire"]


def go_to(w: Wizard, step: int) -> dict:
    """Open one of the wizard's steps (a "Next" button)."""
    return {w.steps: gr.Walkthrough(selected=step)}


def other_network(w: Wizard, network: str | None) -> dict:
    """Step 2's network set to `network`, and step 3 opened to train on it."""
    if not network:
        raise gr.Error("Choose a network to compare with first.", print_exception=False)
    return {w.model.backbone: network, **go_to(w, 3)}


def show_schedule(method: str) -> gr.Row:
    """Epochs, learning rate and batch size, for the methods that use them."""
    return gr.Row(visible=METHODS[method].trains_network if method in METHODS else True)


def wire(w: Wizard, session: gr.State, datasets: dict[str, Path]) -> list[gr.events.Dependency]:
    """The wizard's events; `datasets` are the server's copies of Oxford-IIIT Pet by name. Returns the training
    events, after which the other tabs refresh their model lists."""
    private = {"api_visibility": "private"}
    data, model, training, evaluate, use = w.data, w.model, w.train, w.evaluate, w.use
    own_classes.wire(data.own)
    data.source.change(bind(show_source, w), data.source,
                       [data.own_box, data.pets_box, data.zip_box, data.download_box, data.dataset, data.report,
                        data.counts, data.samples, data.to_model], queue=False,
                       **private)

    def check_data(request: gr.Request, *values) -> dict:  # Gradio passes the request to a parameter so typed
        return load_data(w, datasets, *values, request=request)

    data.load.click(check_data, [data.source, data.dataset, data.task, data.per_class, data.archive, session,
                                 *data.own.inputs],
                    [data.report, data.counts, data.samples, data.to_model, session], concurrency_limit=2,
                    concurrency_id=DATA_LOADING, show_progress_on=[data.report], preprocess=False, **private)
    model.method.change(show_schedule, model.method, model.schedule, queue=False, **private)
    preview = [session, model.backbone, model.method, model.augment, model.seed]
    gr.on([data.to_model.click, model.backbone.change, model.method.change, model.augment.change, model.seed.change],
          augmentation_preview, preview, model.preview, show_progress="hidden", **private)
    steps = {button: button.click(functools.partial(bind(go_to, w), step), None, [w.steps], queue=False, **private)
             for button, step in ((data.to_model, 2), (model.to_train, 3), (training.to_evaluate, 4),
                                  (evaluate.to_use, 5), (model.back, 1), (training.back, 2), (evaluate.back, 3),
                                  (use.back, 4))}
    run_views = [evaluate.runs, evaluate.run, evaluate.compare_box, evaluate.other, evaluate.score,
                 evaluate.confusion, evaluate.table, evaluate.confused, evaluate.data_curve, evaluate.curve_note,
                 evaluate.mistakes, evaluate.why, evaluate.open_mistake, evaluate.mistake, evaluate.no_mistakes,
                 evaluate.to_use, use.examples, use.answer, use.photo, use.download, use.make_onnx, use.onnx,
                 use.onnx_int8, use.onnx_report, use.use_help]
    maps = use.feature_map

    def train_after(event: gr.events.Dependency) -> gr.events.Dependency:
        """After `event` (which forgets an earlier Stop: new_run), train with step 2's settings."""
        return event.then(feature_map.hide, None, feature_map.plots(maps), queue=False, **private).then(
            bind(start_training, w),
            [session, model.backbone, model.method, model.epochs, model.lr, model.batch_size, model.augment,
             model.seed],
            [training.status, training.loss_plot, training.accuracy_plot, training.reading, training.to_evaluate,
             session, *run_views],
            concurrency_limit=LIMITS.training_jobs, concurrency_id=TRAINING, show_progress_on=[training.status],
            **private)

    trained = [train_after(training.start.click(new_run, session, None, queue=False, **private)),
               # Compare networks: the same data and settings on another network, trained at once
               train_after(evaluate.compare.click(bind(other_network, w), evaluate.other, [model.backbone, w.steps],
                                                  queue=False, **private).then(
                   new_run, session, None, queue=False, **private))]
    training.stop.click(stop_training, session, None, queue=False, **private)
    use.make_onnx.click(bind(onnx_download, w), session, [use.onnx, use.onnx_int8, use.onnx_report],
                        concurrency_limit=1, concurrency_id=TRAINING, **private)
    evaluate.mistakes.select(bind(explain_mistake, w), session,
                             [evaluate.why, evaluate.why_answer, evaluate.why_truth, evaluate.open_mistake,
                              evaluate.mistake], show_progress_on=[evaluate.why_answer], **private)
    evaluate.run.input(feature_map.hide, None, feature_map.plots(maps), queue=False, **private).then(
        bind(choose_run, w), [session, evaluate.run], run_views, show_progress_on=[evaluate.score], **private)
    tried = [use.photo.input(bind(try_photo, w), [use.photo, session], [use.answer], preprocess=False,
                             show_progress="minimal", **private),
             use.examples.select(bind(try_example, w), session, [use.photo, use.answer],
                                 show_progress_on=[use.answer], **private)]
    for event in (steps[evaluate.to_use], *tried):  # the maps when step 5 opens, with the photo tried there
        feature_map.wire_update(maps, event, use.photo, session)
    return trained


def build(session: gr.State, data_roots: list[Path]) -> tuple[Wizard, list[gr.events.Dependency]]:
    """Build the Fine-tune tab on the app's per-session `session` state. Datasets are offered by name from inside
    `data_roots`. Returns the wizard and the training events, after which the other tabs refresh their model
    lists."""
    datasets = local_datasets(data_roots)
    wizard = layout(session, datasets)
    return wizard, wire(wizard, session, datasets)
