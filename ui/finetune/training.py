"""Steps 2 and 3 of the Fine-tune wizard: train with live curves, stop, keep the run."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import gradio as gr

import transfer
from transfer.progress import TrainingProgress, drain
from transfer.train import (CurvePoint, EpochMetrics, Finished, FineTuneResult, TrainConfig, data_size_curve,
                            training_views)
from ui import sessions
from ui.common import Session, release_memory, session_model, user_errors
from ui.finetune import views
from ui.finetune.layout import Wizard
from ui.finetune.runs import show_run
from ui.hardware import LIMITS, on_gpu
from ui.tabs import named

#: Loss differences below this are noise to a learner: the loss axis runs from 0 to at least this, so they draw flat
MIN_LOSS_RANGE = 0.1


@on_gpu("training")
@user_errors
def train(session: Session | None, model: str, method: str, epochs: float, lr: float, batch_size: float, augment: bool,
          seed: float, progress=gr.Progress()) -> Iterator[dict[str, object]]:
    """Train with live curves; at the end keep the run, read its curves and fill the Evaluate and Use-it steps: each
    update as {wizard field name: value} (this runs in ZeroGPU's worker, which rendered components cannot reach)."""
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
    yield {"reading": "", "to_evaluate": gr.Button(interactive=False), **curve_plots(method, history)}
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
                    yield {"status": status, **curve_plots(method, history)}
                elif isinstance(event, Finished):
                    curve = []
                    if event.result is not None and not session.stop.is_set():
                        yield {"status": "Training done; now measuring how many photos per class it needs ..."}
                        curve = drain(data_size_curve(session.data, model, event.result.config, l2=event.result.l2,
                                                      stop=session.stop),
                                      lambda step: progress((step.done, step.total), desc="Fitting with fewer photos"))
                    yield finish(session, event.result, model, curve)
    finally:
        time_limit.cancel()
        release_memory()


@on_gpu("quick")
@user_errors
def augmentation_preview(session: Session | None, model: str, method: str, augment: bool,
                         seed: float) -> gr.Gallery:
    """Step 2: what training with these settings shows the network of the data's first training photo."""
    if session is None or session.data is None or not session.data.train:
        return gr.Gallery(visible=False)
    try:
        config = TrainConfig(method=method, augment=bool(augment), seed=int(seed))
    except (TypeError, ValueError, OverflowError):
        raise transfer.InputError("The seed must be a whole number.")
    views = training_views(session.data.train[0], transfer.load_model(session_model(model, None)), config)
    if len(views) == 1:
        label = "What training shows the network of a training photo: the photo as it is (no augmentation)"
    elif len(views) == 2:
        label = "What training shows the network of a training photo: the photo and its mirror image"
    else:
        label = (f"What training shows the network of a training photo: {len(views)} random versions (crop, mirror "
                 "image, colours)")
    return gr.Gallery(views, label=label, visible=True)


def finish(session: Session, result: FineTuneResult | None, model: str, curve: list[CurvePoint]) -> dict[str, object]:
    """Keep the run (saved and zipped), stay on step 3 with the final curves and their reading."""
    if result is None:
        return {"status": "Stopped before the first epoch finished: nothing to keep. Press Start to train again."}
    run = session.add_run(result, model, curve)  # returned below: on ZeroGPU this runs in a worker process
    sessions.claim(session)
    stopped = " (stopped early: the best epoch so far was kept)" if result.stopped else ""
    return {"status": f"Run {run.number} done in {result.seconds:.0f} s{stopped}: test accuracy "
                      f"**{result.evaluation.accuracy:.1%}** (details in step 4).",
            **curve_plots(result.config.method, result.history),
            "reading": views.reading(result.history),
            "to_evaluate": gr.Button(interactive=True), "session": session, **show_run(session, run.number)}


def curve_plots(method: str, history: list[EpochMetrics]) -> dict[str, object]:
    """The loss and accuracy plots: epoch curves for partial / full, the loss axis from 0 to at least MIN_LOSS_RANGE;
    hidden for the head, whose steps are L2 strengths, not epochs: the status line and the reading say them in words."""
    if method == "head":
        return {"loss_plot": gr.LinePlot(visible=False), "accuracy_plot": gr.LinePlot(visible=False)}
    loss, accuracy = views.curves(history)
    top = max([MIN_LOSS_RANGE, *(loss.value * 1.05)])
    order = views.epoch_order(history)
    return {"loss_plot": gr.LinePlot(loss, y_lim=[0, top], sort=order, visible=True),
            "accuracy_plot": gr.LinePlot(accuracy, sort=order, visible=True)}


def start_training(w: Wizard, session: Session | None, model: str, method: str, epochs: float, lr: float,
                   batch_size: float, augment: bool, seed: float, progress=gr.Progress()) -> Iterator[dict]:
    """The Start button: train (in ZeroGPU's worker there) and show each update."""
    for values in train(session, model, method, epochs, lr, batch_size, augment, seed, progress):
        yield named(w, values)


def new_run(session: Session | None) -> None:
    """Forget an earlier Stop. Un-queued, ahead of the queued run: a Stop pressed while the run waits is kept."""
    if session is not None:
        session.stop.clear()


def stop_training(session: Session | None) -> None:
    """Ask the running training to stop after the current batch, keeping the best epoch so far."""
    if session is not None:
        session.stop.set()
        gr.Info("Stopping after the current batch; the best epoch so far is kept.")
