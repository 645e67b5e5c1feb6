"""Steps 3 and 4 of the Fine-tune wizard read honestly: the runs table, the comparison of runs, the head's progress."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

import transfer
from transfer.train import EpochMetrics, TrainConfig, accuracies_differ
from transfer.train.evaluate import evaluate_logits
from ui import i18n
from ui.finetune import training, views

TEST_IMAGES = 111  # pets-mini's test split


def fake_run(number: int, method: str, accuracy: float, data, seconds: float = 5.0):
    """A run as the views read it: settings, scores on TEST_IMAGES test images, data and network."""
    right = round(accuracy * TEST_IMAGES)
    evaluation = SimpleNamespace(accuracy=right / TEST_IMAGES, confusion=[[right, 0], [TEST_IMAGES - right, 0]],
                                 mistakes=[None] * (TEST_IMAGES - right))
    result = SimpleNamespace(config=TrainConfig(method=method), evaluation=evaluation, seconds=seconds)
    return SimpleNamespace(number=number, result=result, backbone="efficientnet_lite0", data=data, megabytes=18.8,
                           milliseconds=6.4)


def session_of(*runs):
    return SimpleNamespace(runs=list(runs))


def test_the_runs_table_shows_the_compared_numbers_right_after_the_run_number():
    data = SimpleNamespace(classes=["cat", "dog"], train=[None] * 60)
    table = views.runs_table(session_of(fake_run(1, "head", 0.856, data), fake_run(2, "partial", 0.82, data, 41)))
    assert list(table.columns[:3]) == ["run", "test accuracy", "seconds"]
    assert table.columns[-1] == "settings"  # the long text last: a narrow table cuts it, not the numbers
    assert table.iloc[1, :3].tolist() == [2, "82.0%", "41"]
    assert table.iloc[1][["network", "MB", "ms per photo"]].tolist() == ["efficientnet_lite0", "19", "6"]


@pytest.mark.parametrize("first, second, differ", [
    (0.856, 0.856, False),  # the case: the same score
    (95 / 111, 96 / 111, False),  # one test image apart
    (95 / 111, 99 / 111, False),  # four images: within one standard error (about 4.6 points)
    (80 / 111, 100 / 111, True),  # twenty images
])
def test_two_test_accuracies_differ_only_beyond_chance(first, second, differ):
    assert accuracies_differ(first, second, TEST_IMAGES) is differ
    assert accuracies_differ(second, first, TEST_IMAGES) is differ


def test_two_test_accuracies_need_a_test_image():
    with pytest.raises(transfer.InputError, match="at least one test image"):
        accuracies_differ(0.5, 0.5, 0)


@pytest.mark.parametrize("partial, words, not_words", [
    (0.856, "scored about the same", "generalise better"),  # the issue: 85.6% both, "generalise better"
    (0.60, "did not beat feature extraction", "about the same"),
    (0.99, "beat feature extraction by", "about the same"),
])
def test_step_4_compares_runs_as_the_numbers_say(partial, words, not_words):
    data = SimpleNamespace(classes=["cat", "dog"], train=[None] * 60)
    head, deeper = fake_run(1, "head", 0.856, data), fake_run(2, "partial", partial, data, 41)
    session = session_of(head, deeper)
    for shown in (head, deeper):  # the head's page compares with the deeper run too
        text = views.comparison(session, shown)
        assert words in text and not_words not in text


def epochs(losses: list[float], l2: float | None = None) -> list[EpochMetrics]:
    return [EpochMetrics(epoch=i, epochs=len(losses) - 1, train_loss=loss, train_accuracy=1.0, val_loss=loss,
                         val_accuracy=1.0, seconds=1.0, best=i == 0, l2=l2) for i, loss in enumerate(losses)]


def test_the_heads_l2_path_is_not_drawn_as_curves():
    """The head's steps are L2 strengths, not epochs: no plot, the status line and the reading say them in words."""
    plots = training.curve_plots("head", epochs([1e-9, 2e-9, 1e-9], l2=1.0))
    assert not plots["loss_plot"].visible and not plots["accuracy_plot"].visible


def test_loss_differences_below_the_resolution_draw_flat():
    """Two classes learnt perfectly: losses of about 1e-9 would zigzag across the whole plot if the axis fitted them."""
    plots = training.curve_plots("partial", epochs([1e-9, 3e-9, 2e-9]))
    assert plots["loss_plot"].visible and plots["loss_plot"].y_lim == [0, training.MIN_LOSS_RANGE]
    real = training.curve_plots("partial", epochs([0.8, 1.05, 0.4]))["loss_plot"]
    assert real.y_lim[0] == 0 and real.y_lim[1] >= 1.05
    assert len(real.value["data"]) == 6  # the data is kept: train and validation loss of 3 epochs


def test_epoch_curves_show_whole_epochs_only():
    """Mid-run, a number axis from 0 to 1 epoch was labelled 0, 0.1, 0.2 ...: the epochs are labels, in order."""
    history = epochs([0.9, 0.7, 0.6, 0.5, 0.45, 0.4, 0.38, 0.36, 0.35, 0.34, 0.33, 0.32])  # 12: "10" after "9"
    for plot in training.curve_plots("full", history).values():
        assert plot.value["datatypes"]["epoch"] != "quantitative"
        assert plot.sort == [str(epoch) for epoch in range(12)]


@pytest.mark.parametrize("config, german", [
    (TrainConfig(), "L2 kreuzvalidiert · mit Spiegelbildern"),
    (TrainConfig(l2=0.001, augment=False), "L2-Stärke 0,001 · ohne Spiegelbilder"),
    (TrainConfig(method="partial"),
     "letzte 2 Stufen · Epochen: 6 · Lernrate 0,0001 · Batch 16 · augmentiert · letzte Schicht: L2 kreuzvalidiert"),
    (TrainConfig(method="full", augment=False, l2=0.01),
     "alle Stufen · Epochen: 6 · Lernrate 0,0001 · Batch 16 · nicht augmentiert · letzte Schicht: L2-Stärke 0,01"),
])
def test_the_runs_tables_settings_read_in_german(config, german):
    """Issue 21: the settings column stayed English ('last 2 stages, 6 Epochen, ..., augmented; head: ...')."""
    assert i18n.translate(config.settings(), "de") == german


def test_most_confused_pairs_read_the_matrix_most_frequent_first():
    classes = ["beagle", "basset", "pug"]
    # 3 beagles: 1 right, 2 taken for bassets; 2 bassets: 1 taken for a beagle; 2 pugs: 1 taken for a beagle.
    logits = torch.eye(3)[[0, 1, 1, 0, 1, 0, 2]]
    samples = [(f"{i}.jpg", label) for i, label in enumerate([0, 0, 0, 1, 1, 2, 2])]
    evaluation = evaluate_logits(logits, samples, classes)
    assert evaluation.most_confused() == [("beagle", "basset", 2), ("basset", "beagle", 1), ("pug", "beagle", 1)]
    assert evaluation.most_confused(1) == [("beagle", "basset", 2)]
    table = views.confused_pairs(evaluation)
    assert table.values.tolist() == [list(pair) for pair in evaluation.most_confused(views.MAX_CONFUSED)]
    assert sum(map(sum, evaluation.confusion)) - sum(row[i] for i, row in enumerate(evaluation.confusion)) == 4
