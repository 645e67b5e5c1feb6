"""What the network sees: Grad-CAM heatmaps and feature-map grids, alone or with the top classes from one pass."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .models.classifier import Classifier
from .errors import InputError, Listing
from .images import ImageInput, load_image
from .models.catalog import DEFAULT_MODEL
from .predict import Prediction, resolve, top_predictions
from .render import colorize, grid, overlay


@dataclass
class GradCam:
    """Where the network looked for one class: a heatmap over the crop it saw, and the overlay."""

    class_index: int
    label: str
    heatmap: np.ndarray  # (h, w) in [0, 1], at the network's final feature resolution
    crop: Image.Image  # the centre crop the network saw
    overlay: Image.Image


@dataclass
class Analysis:
    """The top classes, the Grad-CAM of the top class and a feature-map grid of one image, from one forward pass."""

    predictions: list[Prediction]
    gradcam: GradCam
    feature_maps: Image.Image


@dataclass
class _Pass:
    """One forward pass: the input, the last convolutional features (a leaf that collects gradients), the logits
    and the output of the hooked layer."""

    inputs: torch.Tensor
    features: torch.Tensor
    logits: torch.Tensor
    activations: torch.Tensor | None


def analyse(image: ImageInput, model: str | Classifier = DEFAULT_MODEL, layer: str | None = None,
            channels: int = 16, tile: int = 96) -> Analysis:
    """Top classes, Grad-CAM of the top class and the feature maps of `layer`: one decode, one forward pass."""
    classifier = resolve(model)
    layer = _checked_layer(classifier, layer, channels)
    run = _forward(classifier, load_image(image), layer)
    predictions = top_predictions(classifier, run.logits.detach().softmax(-1))[0]
    return Analysis(predictions, _gradcam(classifier, run), _feature_grid(run.activations, channels, tile))


def gradcam(image: ImageInput, model: str | Classifier = DEFAULT_MODEL, class_index: int | None = None) -> GradCam:
    """Grad-CAM on the last convolutional features, for class_index (default: the top prediction)."""
    classifier = resolve(model)
    return _gradcam(classifier, _forward(classifier, load_image(image), None), class_index)


def feature_layers(model: str | Classifier = DEFAULT_MODEL) -> list[str]:
    """Names of the layers whose feature maps can be shown, shallow to deep (timm's feature_info)."""
    network = resolve(model).network
    return [info["module"] for info in getattr(network, "feature_info", [])]


def feature_maps(image: ImageInput, model: str | Classifier = DEFAULT_MODEL, layer: str | None = None,
                 channels: int = 16, tile: int = 96) -> Image.Image:
    """A grid of the `channels` most active feature maps of `layer` (default: the first, edge-like layer)."""
    classifier = resolve(model)
    layer = _checked_layer(classifier, layer, channels)
    return _feature_grid(_forward(classifier, load_image(image), layer).activations, channels, tile)


def _checked_layer(classifier: Classifier, layer: str | None, channels: int) -> str:
    """`layer` (default: the first feature layer) after checking it and the channel count."""
    layers = feature_layers(classifier)
    if not layers:
        raise InputError("{model} does not list its feature layers.", model=classifier.name)
    layer = layer or layers[0]
    if layer not in layers:
        raise InputError("Unknown layer '{layer}' for {model}; choose one of: {choices}.", layer=layer,
                         model=classifier.name, choices=Listing(layers))
    if not 1 <= channels <= 64:
        raise InputError("channels must be from 1 to 64, got {value}.", value=channels)
    return layer


def _forward(classifier: Classifier, image: Image.Image, layer: str | None) -> _Pass:
    """Run the network once, keeping what Grad-CAM and the feature maps of `layer` need."""
    network, inputs = classifier.network, classifier.to_input(image)
    captured: list[torch.Tensor] = []
    caller = threading.get_ident()

    def capture(module, args, output) -> None:
        if threading.get_ident() == caller:  # the network is shared: ignore other requests' passes
            captured.append(output.detach())

    hook = network.get_submodule(layer).register_forward_hook(capture) if layer else None
    try:
        with torch.enable_grad():
            features = network.forward_features(inputs).detach().requires_grad_(True)
            logits = network.forward_head(features)
    finally:
        if hook is not None:
            hook.remove()
    return _Pass(inputs, features, logits, captured[0] if captured else None)


def _gradcam(classifier: Classifier, run: _Pass, class_index: int | None = None) -> GradCam:
    """Grad-CAM from a forward pass: the class's gradient on the last features weights their channels."""
    if run.features.ndim != 4:
        raise InputError("Grad-CAM needs a convolutional network; {model} has no spatial feature map.",
                         model=classifier.name)
    if class_index is None:
        class_index = int(run.logits.argmax(-1))
    if not 0 <= class_index < classifier.num_classes:
        raise InputError("class_index must be from 0 to {high}, got {value}.", high=classifier.num_classes - 1,
                         value=class_index)
    with torch.enable_grad():
        gradient, = torch.autograd.grad(run.logits[0, class_index], run.features)
    weights = gradient.mean(dim=(2, 3), keepdim=True)
    cam = F.relu((weights * run.features.detach()).sum(dim=1))[0]
    cam = cam / cam.max() if cam.max() > 0 else cam
    heatmap = cam.cpu().numpy()
    crop = classifier.seen(run.inputs)
    return GradCam(class_index, classifier.labels[class_index], heatmap, crop, overlay(crop, heatmap))


def _feature_grid(activations: torch.Tensor, channels: int, tile: int) -> Image.Image:
    """The `channels` most active maps of a (1, C, h, w) activation as a grid of colourised tiles."""
    activations = activations[0].float()  # (C, h, w)
    strongest = activations.mean(dim=(1, 2)).topk(min(channels, activations.shape[0])).indices
    tiles = [
        Image.fromarray(colorize(activations[c].cpu().numpy())).resize((tile, tile), Image.NEAREST)
        for c in strongest.tolist()
    ]
    return grid(tiles, columns=int(np.ceil(np.sqrt(len(tiles)))), gap=3)
