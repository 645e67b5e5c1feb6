"""'My own classes' in the Fine-tune wizard: name a few classes and give each photos by upload, paste or webcam."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import gradio as gr

from transfer.data import ENOUGH_PER_CLASS, MIN_PER_CLASS
from ui.common import received_photos

#: Class cards on the page (a bigger set is easier as a zip of class folders); the first START are shown.
SLOTS = 8
START = 2


@dataclass
class OwnClasses:
    """The class cards: which are in use, and each one's name box and photo gallery."""

    used: gr.State  # list[bool], one per card
    groups: list[gr.Group]
    names: list[gr.Textbox]
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
    return [(str(name or "").strip(), received_photos(photos)) for name, photos, on in zip(names, galleries, used)
            if on]


def status(used: list[bool], *values) -> str:
    """One line on what is there and what is still missing before the classes can be checked."""
    classes = classes_of(used, *values)
    counts = " · ".join(f"**{name or '(no name)'}**: {len(photos)} photo{'' if len(photos) == 1 else 's'}"
                        for name, photos in classes)
    missing = [f"{MIN_PER_CLASS - len(photos)} more for {name or '(no name)'}" for name, photos in classes
               if len(photos) < MIN_PER_CLASS]
    if len(classes) < 2:
        todo = "Add a second class."
    elif not all(name for name, _ in classes):
        todo = "Give every class a name."
    elif missing:
        todo = f"Still missing: {', '.join(missing)} (at least {MIN_PER_CLASS} photos per class)."
    elif min(len(photos) for _, photos in classes) < ENOUGH_PER_CLASS:
        todo = f"Ready to check. {ENOUGH_PER_CLASS} or more photos per class make a more reliable model."
    else:
        todo = "Ready to check."
    return f"{counts}. {todo}" if counts else todo


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
    groups, names, photos, removes = [], [], [], []
    with gr.Column(elem_id="own-classes"):
        for slot in range(SLOTS):
            with gr.Group(visible=slot < START, elem_classes=["own-class"]) as group:
                with gr.Row(equal_height=True):
                    name = gr.Textbox(["cats", "dogs"][slot] if slot < START else "", label=f"Class {slot + 1} name",
                                      max_length=40, scale=4, interactive=True, elem_classes=["own-name"])
                    remove = gr.Button("Remove", size="sm", scale=1, min_width=80, variant="secondary")
                gallery = gr.Gallery(label="Photos: drop several at once, paste, or use the webcam", interactive=True,
                                     sources=["upload", "webcam", "clipboard"], file_types=["image"], columns=8,
                                     height=170, fit_columns=False, object_fit="cover", allow_preview=False,
                                     elem_classes=["own-photos"])
            groups.append(group), names.append(name), photos.append(gallery), removes.append(remove)
        add = gr.Button("+ Add a class", size="sm")
        line = gr.Markdown(elem_id="own-status")
    own = OwnClasses(used, groups, names, photos, line)
    add.click(add_class, used, [used, *groups, *names], queue=False, api_visibility="private")
    for slot, remove in enumerate(removes):
        remove.click(functools.partial(remove_class, slot), used, [used, groups[slot], names[slot], photos[slot]],
                     queue=False, api_visibility="private")
    gr.on([used.change, *(name.change for name in names), *(gallery.change for gallery in photos)], status,
          own.inputs, line, queue=False, preprocess=False, api_visibility="private", show_progress="hidden")
    return own
