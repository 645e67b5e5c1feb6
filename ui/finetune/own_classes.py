"""'My own classes' in the Fine-tune wizard: name a few classes and give each photos by upload, paste or webcam."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import gradio as gr

from transfer import InputError, Listing, Message
from transfer.data import ENOUGH_PER_CLASS, MAX_CLASS_NAME, MIN_PER_CLASS, check_class_size
from ui.common import received_photos
from ui.tabs import bind

#: Class cards on the page (a bigger set is easier as a zip of class folders); the first START are shown.
SLOTS = 8
START = 2


HINT = f"""Name each class, then give it photos: **drop or pick several files at once**, paste one (Ctrl+V), or
**start the camera**: each click on a class's "Take a photo" adds one. At least {MIN_PER_CLASS} photos per class;
{ENOUGH_PER_CLASS} or more work better."""

#: The webcam, in the browser only: one live picture for all cards, on while the visitor keeps it on; a card's "Take a
#: photo" puts the current frame (at most CAMERA_SIDE px) into that card's gallery as if it were picked from disk, so
#: it reaches the server as an ordinary upload, within every upload limit. Messages are English; the page's
#: language replaces them (ui/locales "page").
CAMERA_SIDE = 640
CAMERA_JS = """
const box = document.createElement("div"), video = document.createElement("video");
const message = document.createElement("p");
box.className = "camera-box";
message.className = "camera-message";
video.autoplay = video.muted = video.playsInline = true;
box.append(video, message);
element.append(box);
const switchTo = (on) => { element.closest("#own-classes").dataset.camera = on ? "on" : "off"; };
const stop = () => {
  if (video.srcObject) video.srcObject.getTracks().forEach((track) => track.stop());
  video.srcObject = null;
  leaving.disconnect();
  switchTo(false);
};
// Off once the cards leave the page (another step or source hides or removes them), not when merely scrolled away.
const leaving = new MutationObserver(() => { if (!element.isConnected || !element.offsetParent) stop(); });
switchTo(false);
window.transferLabCamera = {
  async start() {
    message.textContent = "";
    if (!navigator.mediaDevices) {
      message.textContent = "The camera needs a secure page (https or localhost): add photos by upload instead.";
      return;
    }
    try {
      video.srcObject = await navigator.mediaDevices.getUserMedia({audio: false,
        video: {width: {ideal: %(side)d}, height: {ideal: %(side)d}}});
      leaving.observe(document.body, {childList: true, subtree: true, attributes: true,
                                      attributeFilter: ["style", "class"]});
      switchTo(true);
    } catch (error) {
      message.textContent = "The camera did not start: allow it for this page in the browser, or add photos by upload.";
    }
  },
  stop,
  shoot(slot) {
    if (!video.srcObject || !video.videoWidth) return;
    const scale = Math.min(1, %(side)d / Math.max(video.videoWidth, video.videoHeight));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    video.animate([{opacity: 0.2}, {opacity: 1}], 250);  // a shutter's flash: the photo was taken
    canvas.toBlob((blob) => {
      (waiting[slot] ||= []).push(new File([blob], `webcam-${Date.now()}.jpg`, {type: "image/jpeg"}));
      send(slot);
    }, "image/jpeg", 0.92);
  },
};
// A gallery adds one upload at a time (a second one started before the first arrives replaces it): the photos taken
// meanwhile wait, then go together, once the card shows the photos sent before (or after 10 s, if they were refused).
const waiting = {}, sending = {};
const shown = (gallery) => gallery.querySelectorAll(".thumbnail-item").length;
const send = async (slot) => {
  if (sending[slot] || !waiting[slot]?.length) return;
  sending[slot] = true;
  const gallery = document.getElementById(`own-photos-${slot}`);
  const files = new DataTransfer();
  waiting[slot].splice(0).forEach((file) => files.items.add(file));
  const expected = shown(gallery) + files.files.length;
  const input = gallery.querySelector("input[type=file]");
  input.files = files.files;
  input.dispatchEvent(new Event("change", {bubbles: true}));
  for (const deadline = Date.now() + 10000; shown(gallery) < expected && Date.now() < deadline;) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  sending[slot] = false;
  send(slot);
};
""" % {"side": CAMERA_SIDE}


@dataclass(frozen=True)
class OwnClasses:
    """The class cards: which are in use, and each one's name box, photo count and photo gallery."""

    used: gr.State  # list[bool], one per card
    groups: list[gr.Group]
    names: list[gr.Textbox]
    counts: list[gr.Markdown]
    photos: list[gr.Gallery]
    removes: list[gr.Button]
    shoots: list[gr.Button]
    camera_start: gr.Button
    camera_stop: gr.Button
    add: gr.Button
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


def status(own: OwnClasses, used: list[bool], *values) -> dict:
    """Each card's photo count, and one line on what is still missing before the classes can be checked."""
    galleries = values[SLOTS:]
    return {own.status: line(used, *values)} | {counted: count(photos if isinstance(photos, list) else [])
                                                 for counted, photos in zip(own.counts, galleries)}


def line(used: list[bool], *values) -> Message:
    """What is still missing before the classes can be checked (a message for a Markdown line: the names typed are
    values, shown as text where it is rendered)."""
    try:
        classes = classes_of(used, *values)
    except InputError as error:
        return error.message
    missing = [Message("{count} more for {name}", count=MIN_PER_CLASS - len(photos), name=name or Message("(no name)"))
               for name, photos in classes if len(photos) < MIN_PER_CLASS]
    if len(classes) < 2:
        return Message("Add a second class.")
    if not all(name for name, _ in classes):
        return Message("Give every class a name.")
    if missing:
        return Message("Still missing: {missing} (at least {least} photos per class).", missing=Listing(missing),
                       least=MIN_PER_CLASS)
    if min(len(photos) for _, photos in classes) < ENOUGH_PER_CLASS:
        return Message("Ready to check. {count} or more photos per class make a more reliable model.",
                       count=ENOUGH_PER_CLASS)
    return Message("Ready to check.")


def add_class(own: OwnClasses, used: list[bool]) -> dict:
    """Show the first unused card with a fresh name."""
    if all(used):
        gr.Warning(f"Up to {SLOTS} classes here: for more, put one folder per class in a .zip and upload it.")
        return {own.used: used}
    slot = used.index(False)
    used = [on or i == slot for i, on in enumerate(used)]
    return {own.used: used, own.groups[slot]: gr.Group(visible=True),
            own.names[slot]: gr.Textbox(value=f"Class {sum(used)}")}


def remove_class(own: OwnClasses, slot: int, used: list[bool]) -> dict:
    """Hide a card and forget its name and photos."""
    return {own.used: [on and i != slot for i, on in enumerate(used)], own.groups[slot]: gr.Group(visible=False),
            own.names[slot]: "", own.photos[slot]: None}


def layout() -> OwnClasses:
    """The class cards, an 'Add a class' button and the status line (`wire` adds their events)."""
    used = gr.State([i < START for i in range(SLOTS)])
    groups, names, counts, photos, removes, shoots = [], [], [], [], [], []
    with gr.Column(elem_id="own-classes"):
        gr.Markdown(HINT)
        with gr.Row():
            camera_start = gr.Button("Start the camera", size="sm", scale=0, min_width=160, elem_classes=["camera-off"])
            camera_stop = gr.Button("Stop the camera", size="sm", scale=0, min_width=160, elem_classes=["camera-on"])
        gr.HTML(js_on_load=CAMERA_JS, elem_id="own-camera")
        for slot in range(SLOTS):
            with gr.Group(visible=slot < START, elem_id=f"own-class-{slot}", elem_classes=["own-class"]) as group:
                with gr.Row(equal_height=True, elem_classes=["own-head"]):
                    name = gr.Textbox(["cats", "dogs"][slot] if slot < START else "", label=f"Class {slot + 1} name",
                                      show_label=False, placeholder="Class name", max_length=MAX_CLASS_NAME,
                                      min_width=120, interactive=True, container=False, elem_classes=["own-name"])
                    shoot = gr.Button("Take a photo", size="sm", scale=0, min_width=110, variant="primary",
                                      elem_classes=["camera-on"])
                    remove = gr.Button("Remove", size="sm", scale=0, min_width=80, variant="secondary")
                # No fixed height: a gallery with one hides its upload/paste buttons while empty (Gradio 6.31).
                gallery = gr.Gallery(label="Photos", show_label=False, interactive=True,
                                     sources=["upload", "clipboard"], file_types=["image"], columns=8,
                                     fit_columns=False, object_fit="cover", allow_preview=False,
                                     elem_id=f"own-photos-{slot}", elem_classes=["own-photos"])
                counted = gr.Markdown(count([]), elem_classes=["own-count"])
            for items, item in ((groups, group), (names, name), (counts, counted), (photos, gallery),
                                (removes, remove), (shoots, shoot)):
                items.append(item)
        add = gr.Button("+ Add a class", size="sm")
        status_line = gr.Markdown(elem_id="own-status")
    return OwnClasses(used=used, groups=groups, names=names, counts=counts, photos=photos, removes=removes,
                      shoots=shoots, camera_start=camera_start, camera_stop=camera_stop, add=add, status=status_line)


def wire(own: OwnClasses) -> None:
    """Adding and removing cards, the camera; the counts and the status line follow every change."""
    own.camera_start.click(None, js="() => window.transferLabCamera.start()")
    own.camera_stop.click(None, js="() => window.transferLabCamera.stop()")
    for slot, shoot in enumerate(own.shoots):
        shoot.click(None, js=f"() => window.transferLabCamera.shoot({slot})")
    own.add.click(bind(add_class, own), own.used, [own.used, *own.groups, *own.names], queue=False,
                  api_visibility="private")
    for slot, remove in enumerate(own.removes):
        remove.click(functools.partial(bind(remove_class, own), slot), own.used,
                     [own.used, own.groups[slot], own.names[slot], own.photos[slot]], queue=False,
                     api_visibility="private")
    gr.on([own.used.change, *(name.change for name in own.names), *(gallery.change for gallery in own.photos)],
          bind(status, own), own.inputs, [own.status, *own.counts], queue=False, preprocess=False,
          api_visibility="private", show_progress="hidden")
