"""Steps 2 and 3 of the Fine-tune wizard: train with live curves, stop, keep the run."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import gradio as gr

import transfer
from transfer.progress import TrainingProgress, drain
from transfer.train import CurvePoint, EpochMetrics, Finished, FineTuneResult, TrainConfig, data_size_curve
from ui import sessions
from ui.common import Session, release_memory, session_model, user_errors
from ui.finetune import views
from ui.finetune.layout import Wizard
from ui.finetune.runs import show_run
from ui.hardware import LIMITS, on_gpu
from ui.tabs import named


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
    axis = "L2 strength, strong to weak" if method == "head" else "epoch"  # a head's steps are strengths, not epochs
    yield {"reading": "", "to_evaluate": gr.Button(interactive=False), "loss_plot": gr.LinePlot(x_title=axis),
           "accuracy_plot": gr.LinePlot(x_title=axis)}
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
                    yield {"status": status, "loss_plot": loss, "accuracy_plot": accuracy}
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


def finish(session: Session, result: FineTuneResult | None, model: str, curve: list[CurvePoint]) -> dict[str, object]:
    """Keep the run (saved and zipped), stay on step 3 with the final curves and their reading."""
    if result is None:
        return {"status": "Stopped before the first epoch finished: nothing to keep. Press Start to train again."}
    run = session.add_run(result, model, curve)  # returned below: on ZeroGPU this runs in a worker process
    sessions.claim(session)
    loss, accuracy = views.curves(result.history)
    stopped = " (stopped early: the best epoch so far was kept)" if result.stopped else ""
    return {"status": f"Run {run.number} done in {result.seconds:.0f} s{stopped}: test accuracy "
                      f"**{result.evaluation.accuracy:.1%}** (details in step 4).",
            "loss_plot": loss, "accuracy_plot": accuracy,
            "reading": views.reading(result.history),
            "to_evaluate": gr.Button(interactive=True), "session": session, **show_run(session, run.number)}


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
