"""Step 1 of the Fine-tune wizard: open the chosen data (own classes, Oxford-IIIT Pet, a zip) and check it."""

from __future__ import annotations

import shutil
from pathlib import Path

import gradio as gr

import transfer
from transfer.data import (MAX_DATASET_BYTES, PETS_DOWNLOAD_MB, DatasetSplits, DatasetTooLarge, dataset_from_files,
                           find_pets_root, open_dataset)
from ui import sessions
from ui.clients import client_address
from ui.common import Session, received_file, user_errors
from ui.finetune import own_classes, views
from ui.finetune.layout import DOWNLOAD, DOWNLOAD_FOLDER, OWN, PETS, ZIP, Wizard
from ui.hardware import LIMITS


def local_datasets(roots: list[Path]) -> dict[str, Path]:
    """Oxford-IIIT Pet copies inside the data roots (a root or a folder directly in it), by folder name; the page
    shows only these names, never a server path."""
    found = {}
    for root in roots:
        candidates = [Path(root)] + (sorted(p for p in Path(root).iterdir() if p.is_dir()) if Path(root).is_dir()
                                     else [])
        for candidate in candidates:
            pets = find_pets_root(candidate)
            if pets is not None and pets not in found.values():
                found[pets.name] = pets
    return found


def show_source(w: Wizard, source: str) -> dict:
    """Only the chosen source's inputs are visible; the previous source's check is cleared and Next waits for a new
    one."""
    step = w.data
    return {step.own_box: gr.Column(visible=source == OWN),
            step.pets_box: gr.Column(visible=source in (PETS, DOWNLOAD)),
            step.zip_box: gr.Column(visible=source == ZIP), step.download_box: gr.Column(visible=source == DOWNLOAD),
            step.dataset: gr.Dropdown(visible=source == PETS and len(step.dataset.choices) > 1),
            step.report: "", step.counts: gr.Dataframe(visible=False), step.samples: gr.Gallery(visible=False),
            step.to_model: gr.Button(interactive=False)}


@user_errors
def load_data(w: Wizard, datasets: dict[str, Path], source: str, dataset: str | None, task: str, per_class: float,
              archive: dict | str | None, session: Session | None, *own, request: gr.Request | None = None) -> dict:
    """Open the chosen data (own classes, a server copy of Oxford-IIIT Pet by name, a zip or the download), check
    it, and report what was found; the session's folder holds extracted or copied files, within the disk caps of
    the session, its client's address and the server (ui.sessions)."""
    try:
        cap = int(per_class) or None
    except (TypeError, ValueError, OverflowError):
        raise transfer.InputError("Images per class must be a whole number (0 for all).") from None
    session = session or Session()
    address = client_address(request)
    existed = session.folder.exists()
    try:
        data = _open_data(source, dataset, datasets, task, cap, archive, session, own, address)
    except BaseException:
        if not existed:  # folders are created only for data that loads
            shutil.rmtree(session.folder, ignore_errors=True)
        raise
    for stale in (session.folder / "data").glob("*"):  # the previous data's files
        if not Path(data.root).is_relative_to(stale):
            shutil.rmtree(stale, ignore_errors=True)
    session.data = data
    sessions.claim(session, address)
    first = {}
    for path, label in data.train:
        first.setdefault(label, path)
    samples = [(views.thumbnail(p), data.classes[y]) for y, p in sorted(first.items())]
    step = w.data
    return {step.report: views.data_report(data), step.counts: gr.Dataframe(views.counts_table(data), visible=True),
            step.samples: gr.Gallery(samples, visible=True), step.to_model: gr.Button(interactive=True),
            w.session: session}


def _open_data(source: str, dataset: str | None, datasets: dict[str, Path], task: str, cap: int | None,
               archive: dict | str | None, session: Session, own: tuple, address: str) -> DatasetSplits:
    """The data the Data step asks for, within LIMITS.data_seconds; uploads are extracted or copied into the
    session's folder if they fit in the room the disk caps leave (checked before anything is written)."""
    seconds = LIMITS.data_seconds
    if source in (OWN, ZIP):
        classes = own_classes.classes_of(*own) if source == OWN else None
        if source == ZIP and not archive:
            raise transfer.InputError("Upload a .zip first: one folder per class, each with that class's images.")
        upload = received_file(archive) if source == ZIP else None
        space, full = sessions.room(session, address)
        if space <= 0:
            raise transfer.InputError(full.template, **full.values)
        limit = min(space, MAX_DATASET_BYTES)
        try:
            if source == OWN:
                return dataset_from_files(classes, per_class=cap, workdir=session.folder / "data", max_bytes=limit,
                                          seconds=seconds)
            return open_dataset(upload, per_class=cap, workdir=session.folder / "data", max_bytes=limit,
                                seconds=seconds)
        except DatasetTooLarge:
            if limit < MAX_DATASET_BYTES:  # too large for the room left, not for the dataset limit
                raise transfer.InputError(full.template, **full.values) from None
            raise
    elif source == DOWNLOAD:  # always into the app's own cache folder, never a path typed in the browser
        gr.Info(f"Downloading Oxford-IIIT Pet (about {PETS_DOWNLOAD_MB} MB): this takes several minutes.")
        return open_dataset(DOWNLOAD_FOLDER, task, cap, download=True)
    if dataset in datasets:
        return open_dataset(datasets[dataset], task, cap, seconds=seconds)
    raise transfer.InputError("Choose where the images are: your own classes, or upload a zip of class folders.")
