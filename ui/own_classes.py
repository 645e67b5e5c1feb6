"""'My own classes' in the Fine-tune wizard: name a few classes and give each photos by upload, paste or webcam."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import gradio as gr

from transfer import InputError
from transfer.data import ENOUGH_PER_CLASS, MAX_CLASS_NAME, MIN_PER_CLASS, check_class_size
from ui.common import received_photos
from ui.evaluation import plain

#: Class cards on the page (a bigger set is easier as a zip of class folders); the first START are shown.
SLOTS = 8
START = 2


HINT = f"""Name each class, then give it photos: **drop or pick several files at once**, paste one (Ctrl+V), or
take **webcam snapshots** (the camera icon under each box). At least {MIN_PER_CLASS} photos per class;
{ENOUGH_PER_CLASS} or more work better."""


@dataclass
class OwnClasses:
    """The class cards: which are in use, and each one's name box, photo count and photo gallery."""

    used: gr.State  # list[bool], one per card
    groups: list[gr.Group]
    names: list[gr.Textbox]
    counts: list[gr.Markdown]
    photos: list[gr.Gallery]
    status: gr.Markdown

    @property
    def inputs(self) -> list:
        """What an event needs to read the classes: `used`, then every name, then every gallery."""
        return [self.used, *self.names, *self.photos]


def classes_of(used: list[bool], *values) -> list[tuple[str, list[str]]]:
    """(name, photo paths) of the cards in use, from the values of OwnClasses.inputs (galleries raw); the names
    are checked by the library (transfer.data.dataset_from_files)."""
    names, galleries = values[:SLOTS], values[SLOTS:]
    classes = []
    for name, photos, on in zip(names, galleries, used):
        if on:
            name = str(name or "").strip()
            check_class_size(name, len(photos) if isinstance(photos, list) else 0)  # before each path is resolved
            classes.append((name, received_photos(photos)))
    return classes


def count(photos: list) -> str:
    """A card's photo count, with what is missing."""
    plural = "" if len(photos) == 1 else "s"
    if len(photos) < MIN_PER_CLASS:
        return f"**{len(photos)}** photo{plural} (add {MIN_PER_CLASS - len(photos)} more)"
    return f"**{len(photos)}** photo{plural}"


def status(used: list[bool], *values) -> list[str]:
    """Each card's photo count, and one line on what is still missing before the classes can be checked."""
    galleries = values[SLOTS:]
    return [line(used, *values), *(count(photos if isinstance(photos, list) else []) for photos in galleries)]


def line(used: list[bool], *values) -> str:
    """What is still missing before the classes can be checked (a Markdown line: the names typed show as text)."""
    try:
        classes = classes_of(used, *values)
    except InputError as error:
        return plain(str(error))
    missing = [f"{MIN_PER_CLASS - len(photos)} more for {plain(name) or '(no name)'}" for name, photos in classes
               if len(photos) < MIN_PER_CLASS]
    if len(classes) < 2:
        return "Add a second class."
    if not all(name for name, _ in classes):
        return "Give every class a name."
    if missing:
        return f"Still missing: {', '.join(missing)} (at least {MIN_PER_CLASS} photos per class)."
    if min(len(photos) for _, photos in classes) < ENOUGH_PER_CLASS:
        return f"Ready to check. {ENOUGH_PER_CLASS} or more photos per class make a more reliable model."
    return "Ready to check."


def add_class(used: list[bool]) -> list:
    """Show the first unused card with a fresh name (an update per card's group and name box)."""
    if all(used):
        gr.Warning(f"Up to {SLOTS} classes here: for more, put one folder per class in a .zip and upload it.")
        return [used] + [gr.skip()] * (2 * SLOTS)
    slot = used.index(False)
    used = [on or i == slot for i, on in enumerate(used)]
    groups = [gr.Group(visible=True) if i == slot else gr.skip() for i in range(SLOTS)]
    names = [gr.Textbox(value=f"Class {sum(used)}") if i == slot else gr.skip() for i in range(SLOTS)]
    return [used, *groups, *names]


def remove_class(slot: int, used: list[bool]) -> tuple:
    """Hide a card and forget its name and photos."""
    return [on and i != slot for i, on in enumerate(used)], gr.Group(visible=False), "", None


def build() -> OwnClasses:
    """The class cards, an 'Add a class' button and the status line, with their events."""
    used = gr.State([i < START for i in range(SLOTS)])
    groups, names, counts, photos, removes = [], [], [], [], []
    with gr.Column(elem_id="own-classes"):
        gr.Markdown(HINT)
        for slot in range(SLOTS):
            with gr.Group(visible=slot < START, elem_classes=["own-class"]) as group:
                with gr.Row(equal_height=True, elem_classes=["own-head"]):
                    name = gr.Textbox(["cats", "dogs"][slot] if slot < START else "", label=f"Class {slot + 1} name",
                                      show_label=False, placeholder="Class name", max_length=MAX_CLASS_NAME,
                                      min_width=120, interactive=True, container=False, elem_classes=["own-name"])
                    remove = gr.Button("Remove", size="sm", scale=0, min_width=80, variant="secondary")
                # No fixed height: a gallery with one hides its upload/webcam/paste buttons while empty (Gradio 6.31).
                gallery = gr.Gallery(label="Photos", show_label=False, interactive=True,
                                     sources=["upload", "webcam", "clipboard"], file_types=["image"], columns=8,
                                     fit_columns=False, object_fit="cover", allow_preview=False,
                                     elem_classes=["own-photos"])
                counted = gr.Markdown(count([]), elem_classes=["own-count"])
            for items, item in ((groups, group), (names, name), (counts, counted), (photos, gallery),
                                (removes, remove)):
                items.append(item)
        add = gr.Button("+ Add a class", size="sm")
        status_line = gr.Markdown(elem_id="own-status")
    own = OwnClasses(used, groups, names, counts, photos, status_line)
    add.click(add_class, used, [used, *groups, *names], queue=False, api_visibility="private")
    for slot, remove in enumerate(removes):
        remove.click(functools.partial(remove_class, slot), used, [used, groups[slot], names[slot], photos[slot]],
                     queue=False, api_visibility="private")
    gr.on([used.change, *(name.change for name in names), *(gallery.change for gallery in photos)], status,
          own.inputs, [status_line, *counts], queue=False, preprocess=False, api_visibility="private",
          show_progress="hidden")
    return own
