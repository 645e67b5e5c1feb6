"""The feature space, seen (step 5): the run's photos on a 2-D map before and after training, a thumbnail on hover,
and the photo tried in step 5 as a star on both maps."""

from __future__ import annotations

import base64
import colorsys
import io
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

import gradio as gr
import pandas as pd

import transfer
from transfer import Message
from transfer.progress import drain
from transfer.train import FeatureMap, feature_map, map_photos, trained_map
from ui.common import Run, Session, received_file, user_errors
from ui.finetune import views
from ui.hardware import on_gpu
from ui.i18n import CATALOGS, translate
from ui.tabs import bind, named

X, Y, CLASS, IMAGE = "direction 1", "direction 2", "class", "image"  # IMAGE: vega-tooltip shows this field as a picture
PHOTO = "★"  # the tried photo's series: a sign, the same in every language
PHOTO_COLOUR = "#000000"
#: Side of a hover thumbnail, px: a 48 px JPEG is about 1.5 KB, so a map of MAX_MAP_PHOTOS photos sends ~1 MB.
HOVER_THUMBNAIL = 48
#: The tried photo's ring: RING_DOTS dots this share of the map's width and height away from it.
RING, RING_DOTS = 0.012, 8
#: Up to this many classes the maps have a legend; above it colours repeat and the hover names each photo's class.
LEGEND_CLASSES = 12
#: Runs whose maps are kept (each holds two maps and their thumbnails, well under 1 MB).
KEPT_RUNS = 8
HEADING = """### The feature space, seen
Each dot is a photo of your data, placed by what the network sees in it; hover over a dot to see the photo. Try a
photo above and it appears as a ★."""

_maps: OrderedDict[str, tuple[FeatureMap, FeatureMap, list[str]]] = OrderedDict()
_maps_lock = threading.Lock()


@dataclass(frozen=True)
class FeatureMapView:
    """The two maps side by side (one above the other on a phone) and their reading."""

    map_before: gr.ScatterPlot
    map_after: gr.ScatterPlot
    map_reading: gr.Markdown


def layout() -> FeatureMapView:
    """The maps' components, hidden until a run is shown."""
    gr.Markdown(HEADING)
    with gr.Row():
        plot = dict(x=X, y=Y, color=CLASS, tooltip=[CLASS, IMAGE], x_title=X, y_title=Y, color_title=CLASS,
                    height=360, min_width=300, visible=False)
        before = gr.ScatterPlot(title="Before training: pretrained features", elem_id="finetune-map-before", **plot)
        after = gr.ScatterPlot(title="After training: class scores", elem_id="finetune-map-after", **plot)
    reading = gr.Markdown(elem_id="finetune-map-reading")
    return FeatureMapView(map_before=before, map_after=after, map_reading=reading)


def outputs(view: FeatureMapView) -> list:
    """The components an event that shows a run or a photo updates."""
    return [view.map_before, view.map_after, view.map_reading]


def plots(view: FeatureMapView) -> list[gr.ScatterPlot]:
    """The two maps."""
    return [view.map_before, view.map_after]


def hide() -> list[gr.ScatterPlot]:
    """Both maps hidden, until an update shows them again: chained before every event that updates them. Gradio
    6.31's scatter plot draws an update's data one update late (it hands the chart the data it showed before); a plot
    shown from hidden is drawn afresh."""
    return [gr.ScatterPlot(visible=False), gr.ScatterPlot(visible=False)]


def wire_update(view: FeatureMapView, event: gr.events.Dependency, photo: gr.Image, session: gr.State) -> None:
    """After `event` (step 5 opened, a photo tried there), draw the selected run's maps with step 5's photo on
    them."""
    event.then(hide, None, plots(view), queue=False, api_visibility="private").then(
        bind(photo_maps, view), [photo, session], outputs(view), preprocess=False, show_progress="hidden",
        api_visibility="private")


@user_errors
def photo_maps(view: FeatureMapView, image: dict | str | None, session: Session | None) -> dict:
    """The selected run's maps with the photo in step 5 on them (the maps alone when the photo was cleared)."""
    run = session.selected if session is not None else None
    if run is None:
        return {}
    path = received_file(image)
    return named(view, with_photo(run, path))


def run_maps(run: Run) -> tuple[FeatureMap, FeatureMap, list[str]]:
    """The run's two maps and the hover thumbnails of their photos, computed once per run (the base network's
    features are the ones training cached, so this takes about a second)."""
    key = str(run.model_dir)
    with _maps_lock:
        if key in _maps:
            _maps.move_to_end(key)
            return _maps[key]
    samples = map_photos(run.data)
    base = transfer.load_model(run.backbone)
    found = (drain(feature_map(base, samples, run.data.classes)), drain(trained_map(run.result, samples, base)),
             [hover_thumbnail(path) for path, _ in samples])
    with _maps_lock:
        _maps[key] = found
        while len(_maps) > KEPT_RUNS:
            _maps.popitem(last=False)
    return found


def hover_thumbnail(path: str) -> str:
    """A photo as a small JPEG data URL, for the hover of its dot."""
    image = views.thumbnail(path)
    image.thumbnail((HOVER_THUMBNAIL, HOVER_THUMBNAIL))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=75)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


def colours(classes: list[str], faded: bool) -> dict[str, str]:
    """A distinct colour per class (hues spread by the golden angle), paler when `faded` so that the photo stands
    out, under its name in every language the plot may show it in; black for the photo."""
    found = {PHOTO: PHOTO_COLOUR}
    for index, name in enumerate(classes):
        lightness = (0.72 if faded else 0.45) + 0.1 * (index % 2)
        red, green, blue = colorsys.hls_to_rgb((index * 0.618034) % 1, lightness, 0.75)
        colour = f"#{round(red * 255):02x}{round(green * 255):02x}{round(blue * 255):02x}"
        found.update({translate(name, language): colour for language in CATALOGS} | {name: colour})
    return found


def plot(points: FeatureMap, thumbnails: list[str], photo: tuple[float, float] | None) -> gr.ScatterPlot:
    """One map as a scatter plot: a dot per photo coloured by class, the tried photo last (drawn on top) as a small
    ring of black dots around its place, since a plot's dots all have one size."""
    rows = [(round(x, 2), round(y, 2), points.classes[label], thumbnail)
            for (x, y), (_, label), thumbnail in zip(points.points.tolist(), points.samples, thumbnails)]
    if photo is not None:
        span = (points.points.max(0).values - points.points.min(0).values).tolist()
        rows += [(round(photo[0] + span[0] * RING * math.cos(angle), 2),
                  round(photo[1] + span[1] * RING * math.sin(angle), 2), PHOTO, "")
                 for angle in [2 * math.pi * step / RING_DOTS for step in range(RING_DOTS)]]
        rows.append((round(photo[0], 2), round(photo[1], 2), PHOTO, ""))
    legend = None if len(points.classes) <= LEGEND_CLASSES else [PHOTO] if photo is not None else []
    return gr.ScatterPlot(pd.DataFrame(rows, columns=[X, Y, CLASS, IMAGE]), visible=True,
                          color_map=colours(points.classes, faded=photo is not None), colors_in_legend=legend)


def reading(before: FeatureMap, after: FeatureMap, landed: tuple[int, int] | None) -> Message:
    """The two maps in words: how many photos lie nearest their own class's centre on each, and which class the
    photo is nearest."""
    text = Message(
        "**Before training** (left): the pretrained network's features, never trained on your classes. Still, "
        "{before} of the photos lie nearer their own class's centre than any other's (by chance: {chance}): photos "
        "of a class already sit together, so a new last layer, a straight cut through this space, can tell them "
        "apart. **After training** (right): the trained network's class scores of the same photos; {after} lie "
        "nearest their own class's centre. The two directions drawn keep {before_kept} and {after_kept} of the "
        "spread: with many classes, most differences lie in directions a flat map cannot show.",
        before=f"{before.separation():.0%}", after=f"{after.separation():.0%}", chance=f"{1 / len(before.classes):.0%}",
        before_kept=f"{before.explained:.0%}", after_kept=f"{after.explained:.0%}")
    if landed is None:
        return text
    return Message("{maps}\n\n**★ Your photo** (the black ring) is, counting every direction and not just the two "
                   "drawn, nearest the average photo of *{before}* before training and of *{after}* after.",
                   maps=text, before=before.classes[landed[0]], after=after.classes[landed[1]])


def show(run: Run, photo: str | None = None) -> dict[str, object]:
    """Both maps of a run, with `photo` (a file path) placed on them, as {field name: update}."""
    before, after, thumbnails = run_maps(run)
    if photo is None:
        return {"map_before": plot(before, thumbnails, None), "map_after": plot(after, thumbnails, None),
                "map_reading": reading(before, after, None)}
    vectors = before.vector(photo), after.vector(photo)
    spots = [tuple(space.project(vector.view(1, -1))[0].tolist()) for space, vector in zip((before, after), vectors)]
    return {"map_before": plot(before, thumbnails, spots[0]), "map_after": plot(after, thumbnails, spots[1]),
            "map_reading": reading(before, after, (before.nearest_class(vectors[0]), after.nearest_class(vectors[1])))}


@on_gpu("quick")
def with_photo(run: Run, path: str | None) -> dict[str, object]:
    """A run's maps with a photo on them, `path` a file received (received_file) or one of the run's own photos."""
    return show(run, path)
