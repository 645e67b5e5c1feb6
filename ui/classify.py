"""Classify tab: top-5 classes, Grad-CAM overlay and feature maps of a pretrained network."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gradio as gr

import transfer
from transfer.synthesis import resolve_target
from ui import i18n
from ui.common import (example_photos, follow_model, ideal_examples, label_scores, model_choices, received_file,
                       session_model, user_errors)
from ui.hardware import on_gpu
from ui.tabs import bind

EXPLANATION = """
**What is happening?** A *convolutional neural network* trained on ImageNet (1.2 million photos of 1000 kinds of
things) looks at your photo and says how likely each of its 1000 classes is. The **heatmap** (Grad-CAM) shows *where*
in the picture the evidence for its top answer is: red and yellow areas pushed the network towards that class.
The **feature maps** are what one inner layer of the network computes: early layers react to edges and colours, deeper
layers to textures and parts like eyes or wheels. Transfer learning reuses exactly these learned features for a new task.
ImageNet has no class for many things: shown a Bengal cat, the network answers with the closest class it knows,
*Egyptian cat*. Adding classes like that is what the **Fine-tune** tab does.
"""
#: Plain words for a feature layer by its depth, shallow to deep.
DEPTHS = ("early: edges and colours", "early-middle: simple textures", "middle: textures and patterns",
          "late: parts such as eyes or wheels", "last: whole parts of objects")


@on_gpu("quick")
@user_errors
def classify(image: dict | str | None, model: str, session=None) -> dict[str, float]:
    """Top-5 ImageNet classes (or fine-tuned classes) of an image, as {label: probability}."""
    image = received_file(image)
    classifier = transfer.load_model(session_model(model, session))
    return label_scores(transfer.predict(image, classifier))


@on_gpu("quick")
@user_errors
def analysis(image: dict | str | None, model: str, layer: str | None, session=None):
    """Top-5 as {label: probability}, Grad-CAM overlay and feature-map grid of `layer`, from one forward pass."""
    image = received_file(image)
    classifier = transfer.load_model(session_model(model, session))
    result = transfer.analyse(image, classifier, layer or None)
    return label_scores(result.predictions), result.gradcam.overlay, result.feature_maps


@on_gpu("quick")
@user_errors
def feature_maps(image: dict | str | None, model: str, layer: str | None, session=None):
    """The feature-map grid of `layer` for a photo."""
    classifier = transfer.load_model(session_model(model, session))
    return transfer.feature_maps(received_file(image), classifier, layer or None)


def layer_choices(layers: list[str]) -> list[tuple[str, str]]:
    """(label, layer) pairs that name each layer by its depth: ('early: edges and colours (blocks.0)', 'blocks.0')."""
    last = max(len(layers) - 1, 1)
    return [(f"{DEPTHS[round(index / last * (len(DEPTHS) - 1))]} ({name})", name) for index, name in enumerate(layers)]


def ideal_caption(path: str, language: str = i18n.SOURCE) -> str:
    """The class of an ideal image example in `language`: 'Siamese cat' (German 'Siamkatze') for
    examples/ideal_siamese_cat.png."""
    name = Path(path).stem.removeprefix("ideal_").replace("_", " ")
    try:
        label = resolve_target(transfer.imagenet_labels(), name).label
    except transfer.InputError:  # a file named after no class: its name as it is
        return name.capitalize()
    return i18n.class_name(label, language, short=True) or name.capitalize()


def ideal_captions(request: gr.Request) -> gr.Dataset:
    """The ideal image examples' captions in the visitor's language, on page load: Gradio shows a Dataset's sample
    labels as they are, untranslated."""
    language = i18n.request_language(request)
    return gr.Dataset(sample_labels=[ideal_caption(path, language) for path in ideal_examples()])


@dataclass(frozen=True)
class Components:
    """The Classify tab's components."""

    image: gr.Image
    model: gr.Dropdown
    layer: gr.Dropdown
    button: gr.Button
    label: gr.Label
    heatmap: gr.Image
    features: gr.Image
    examples: list[gr.Examples]  # the example photos, then the ideal images

    @property
    def ideal(self) -> gr.Examples:
        """The ideal image examples, captioned with their class."""
        return self.examples[-1]


def top_classes(c: Components, image: dict | str | None, model: str, session=None) -> dict:
    """The top-5 classes (the API's /classify)."""
    return {c.label: classify(image, model, session)}


def analyse(c: Components, image: dict | str | None, model: str, layer: str | None, session=None) -> dict:
    """Top-5, Grad-CAM overlay and feature maps of `layer`, from one forward pass."""
    label, heatmap, features = analysis(image, model, layer, session)
    return {c.label: label, c.heatmap: heatmap, c.features: features}


def explain(c: Components, image: dict | str | None, model: str, layer: str | None, session=None) -> dict:
    """Grad-CAM overlay for the top class and a grid of the strongest feature maps of `layer` (the API's /explain)."""
    _, heatmap, features = analysis(image, model, layer, session)
    return {c.heatmap: heatmap, c.features: features}


def maps_for(c: Components, image: dict | str | None, model: str, layer: str | None, session=None) -> dict:
    """The feature maps of the newly chosen layer for the photo on show (nothing to do before a photo is given)."""
    return {c.features: gr.skip() if image is None else feature_maps(image, model, layer, session)}


def layers_for(c: Components, model: str, session=None) -> dict:
    """The feature-layer dropdown for the chosen model (kept as it is, with a warning, when the model cannot load)."""
    def layer_menu() -> gr.Dropdown:
        layers = transfer.feature_layers(session_model(model, session))
        return gr.Dropdown(choices=layer_choices(layers), value=layers[0] if layers else None)
    return {c.layer: follow_model(layer_menu)}


def layout() -> Components:
    """The Classify tab's components (`wire` adds the events)."""
    gr.Markdown(EXPLANATION)
    with gr.Row():
        with gr.Column(scale=2):
            image = gr.Image(type="filepath", image_mode=None, sources=["upload", "webcam", "clipboard"],
                             label="Photo", height=320)
            model = gr.Dropdown(model_choices(), value=transfer.DEFAULT_MODEL, label="Pretrained network",
                                allow_custom_value=True,
                                info="Offline models work anywhere; others download from the Hugging Face Hub.")
            default_layers = transfer.feature_layers(transfer.DEFAULT_MODEL)
            layer = gr.Dropdown(layer_choices(default_layers), value=default_layers[0], label="Layer for feature maps",
                                info="Early layers react to edges and colours, deep layers to parts.")
            button = gr.Button("Classify", variant="primary")
        with gr.Column(scale=3):
            label = gr.Label(num_top_classes=5, label="What the network sees")
            with gr.Row():
                heatmap = gr.Image(label="Where it looks (Grad-CAM: red = most evidence, blue = none)", format="png",
                                   elem_id="classify-heatmap", elem_classes=["label-above"])
                features = gr.Image(label="Feature maps (16 strongest channels)", format="png",
                                    elem_id="classify-features", elem_classes=["label-above"])
            gr.Markdown("Both pictures show the square the network sees: the centre of the photo, cropped and resized "
                        "to the network's input size. What lies outside plays no part in its answer.")
    ideal = ideal_examples()
    sets = [(example_photos(), None, "Example photos (click one)"),
            (ideal, [ideal_caption(path) for path in ideal],
             "Ideal images: what the network dreamt up from noise in the Ideal image tab (click one)")]
    examples = [gr.Examples([[photo] for photo in photos], inputs=[image], example_labels=captions, label=title)
                for photos, captions, title in sets]
    return Components(image=image, model=model, layer=layer, button=button, label=label, heatmap=heatmap,
                      features=features, examples=examples)


def wire(c: Components, session: gr.State) -> None:
    """The Classify tab's events; `session` holds this browser's fine-tuned model."""
    for examples in c.examples:
        # Not run_on_click: its event would let Gradio's own preprocessing open the file before received_file checks it.
        examples.load_input_event.then(bind(analyse, c), [c.image, c.model, c.layer],
                                       [c.label, c.heatmap, c.features], preprocess=False,
                                       api_visibility="undocumented")
    c.model.change(bind(layers_for, c), [c.model, session], [c.layer], api_visibility="private")
    c.layer.input(bind(maps_for, c), [c.image, c.model, c.layer, session], [c.features], preprocess=False,
                  api_visibility="private")
    c.button.click(bind(analyse, c), [c.image, c.model, c.layer, session], [c.label, c.heatmap, c.features],
                   api_visibility="private", preprocess=False, show_progress_on=c.label)  # an error: one badge
    # The API keeps one endpoint per question: no trigger on the page, callable by API clients only.
    gr.on([], bind(top_classes, c), [c.image, c.model, session], [c.label], api_name="classify", preprocess=False)
    gr.on([], bind(explain, c), [c.image, c.model, c.layer, session], [c.heatmap, c.features], api_name="explain",
          preprocess=False)


def build(session: gr.State) -> Components:
    """Build the Classify tab; `session` holds this browser's fine-tuned model."""
    c = layout()
    wire(c, session)
    return c
