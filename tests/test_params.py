"""One spec per setting: the command line's options and the app's inputs offer what the library accepts."""

from __future__ import annotations

import argparse
import dataclasses
import inspect

import gradio as gr
import pytest
from PIL import Image

from transfer import train
from transfer.synthesis import adversarial, ideal
from transfer.cli import build_parser
from transfer.errors import InputError
from transfer.params import Param
from ui import adversarial as adversarial_tab
from ui import finetune
from ui import ideal as ideal_tab

#: The settings of each command, as the library specifies them.
SETTINGS = {
    "finetune": [train.EPOCHS, train.LR, train.BATCH_SIZE, train.SEED, train.L2],
    "ideal": [ideal.STEPS, ideal.TV_WEIGHT, ideal.LR, ideal.SIZE, ideal.SEED],
    "adversarial": [adversarial.STEPS, adversarial.TV_WEIGHT, adversarial.EPS, adversarial.LR, adversarial.CONFIDENCE],
}
#: What the library uses when a setting is not given.
LIBRARY_DEFAULTS = {
    "finetune": {field.name: field.default for field in dataclasses.fields(train.TrainConfig)},
    "ideal": {name: p.default for name, p in inspect.signature(ideal.iter_ideal_image).parameters.items()},
    "adversarial": {name: p.default for name, p in inspect.signature(adversarial.iter_adversarial).parameters.items()},
}
NOT_SETTINGS = {"--per-class"}  # the dataset's size (transfer.data checks it), not a setting of training


def options(command: str) -> dict[str, argparse.Action]:
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return {action.option_strings[0]: action for action in commands.choices[command]._actions if action.option_strings}


@pytest.mark.parametrize("command", sorted(SETTINGS))
def test_command_line_options_are_the_library_settings(command):
    found = options(command)
    numeric = {flag for flag, action in found.items() if action.type in (int, float)} - NOT_SETTINGS
    assert numeric == {f"--{param.name.replace('_', '-')}" for param in SETTINGS[command]}
    for param in SETTINGS[command]:
        action = found[f"--{param.name.replace('_', '-')}"]
        assert action.type is (int if param.integer else float)
        assert action.default == LIBRARY_DEFAULTS[command][param.name], param.name
        assert f"({param.shown(param.low)} to {param.shown(param.high)}; default" in action.help


def inputs(build) -> dict[str, gr.components.Component]:
    """A tab's sliders and number boxes by their English labels."""
    with gr.Blocks() as demo:
        build(gr.State())
    return {block.label: block for block in demo.blocks.values() if isinstance(block, (gr.Slider, gr.Number))}


@pytest.mark.parametrize("build, command, extra, not_settings", [
    (lambda session: finetune.layout(session, {}), "finetune", [], {"Images per class (0 = all)"}),
    (ideal_tab.build, "ideal", [], set()),
    (adversarial_tab.build, "adversarial", [adversarial_tab.SURE], set()),
], ids=["finetune", "ideal", "adversarial"])
def test_the_apps_inputs_are_the_library_settings(build, command, extra, not_settings):
    """Every slider and number box of a tab is a library setting with its range, default, label and info; the
    settings a tab does not offer get the library's defaults."""
    found = inputs(build)
    defaults = LIBRARY_DEFAULTS[command] | {  # those the library leaves to the mode, or computes
        "ideal": ideal.MODES[ideal.DEFAULT_MODE].defaults(),
        "adversarial": {"lr": adversarial.default_lr(adversarial.EPS.default),
                        "sure": 100 * LIBRARY_DEFAULTS["adversarial"]["confidence"]}}.get(command, {})
    offered = [param for param in SETTINGS[command] + extra if param.title in found]
    assert set(found) - {param.title for param in offered} == not_settings
    assert {param.name for param in SETTINGS[command]} - {param.name for param in offered} \
        <= {"l2", "size", "confidence"}  # the app's are the library's defaults (confidence: as sure, in percent)
    for param in offered:
        block = found[param.title]
        assert (block.minimum, block.maximum, block.value) == (param.low, param.high, defaults[param.name]), param.title
        assert block.info == (param.help or None)
        if isinstance(block, gr.Slider):
            assert block.step == (1 if param.integer else param.step)
        else:
            assert block.precision == (0 if param.integer else None)
    if command == "adversarial":
        assert (adversarial_tab.SURE.low, adversarial_tab.SURE.high) == (100 * adversarial.CONFIDENCE.low,
                                                              100 * adversarial.CONFIDENCE.high)


def beyond(param: Param) -> tuple[float, float]:
    """The nearest values outside the range on either side."""
    nudge = 1 if param.integer else param.step or param.high / 100
    return param.low - nudge, param.high + nudge


def first_step(run, **settings):
    return next(run(**settings))


RUNS = {
    "finetune": lambda **settings: train.TrainConfig(method="partial", **settings).resolved(),
    "ideal": lambda **settings: first_step(ideal.iter_ideal_image, target="zebra", mode="lesson",
                                           **{"size": 32, "steps": 1} | settings),
    "adversarial": lambda **settings: first_step(adversarial.iter_adversarial, image=Image.new("RGB", (32, 32)),
                                                 target="tabby cat", **{"steps": 1} | settings),
}


@pytest.mark.parametrize("command, param", [(command, param) for command, params in SETTINGS.items()
                                            for param in params], ids=lambda value: getattr(value, "name", value))
def test_the_library_takes_the_whole_range_and_nothing_beyond(command, param):
    for value in (param.low, param.high):
        RUNS[command](**{param.name: value})
    for value in beyond(param):
        with pytest.raises(InputError, match=param.noun or param.name):
            RUNS[command](**{param.name: value})


def test_the_defaults_the_library_computes_are_in_range():
    for mode in ideal.MODES.values():
        for param in SETTINGS["ideal"]:
            if mode.defaults().get(param.name) is not None:
                param.check(mode.defaults()[param.name])
    for eps in (adversarial.EPS.low, adversarial.EPS.high):
        adversarial.LR.check(adversarial.default_lr(eps))
