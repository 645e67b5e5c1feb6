"""What the network sees: Grad-CAM heatmaps and feature-map grids."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .classifier import Classifier
from .errors import InputError
from .images import ImageInput, load_image
from .models import DEFAULT_MODEL
from .predict import resolve
from .render import colorize, grid, overlay, tensor_to_image


@dataclass
class GradCam:
    """Where the network looked for one class: a heatmap over the crop it saw, and the overlay."""

    class_index: int
    label: str
    heatmap: np.ndarray  # (h, w) in [0, 1], at the network's final feature resolution
    crop: Image.Image  # the centre crop the network saw
    overlay: Image.Image


def network_view(classifier: Classifier, image: Image.Image) -> Image.Image:
    """The resized, centre-cropped image exactly as the network sees it (before normalisation)."""
    inputs = classifier.to_input(image)[0]
    mean = inputs.new_tensor(classifier.preprocessing.mean).view(3, 1, 1)
    std = inputs.new_tensor(classifier.preprocessing.std).view(3, 1, 1)
    return tensor_to_image(inputs * std + mean)


def gradcam(image: ImageInput, model: str | Classifier = DEFAULT_MODEL, class_index: int | None = None) -> GradCam:
    """Grad-CAM on the last convolutional features, for class_index (default: the top prediction)."""
    classifier = resolve(model)
    image = load_image(image)
    network = classifier.network
    inputs = classifier.to_input(image)
    with torch.enable_grad():
        features = network.forward_features(inputs).detach().requires_grad_(True)
        if features.ndim != 4:
            raise InputError(f"Grad-CAM needs a convolutional network; {classifier.name} has no spatial feature map.")
        logits = network.forward_head(features)
        if class_index is None:
            class_index = int(logits.argmax(-1))
        if not 0 <= class_index < classifier.num_classes:
            raise InputError(f"class_index must be from 0 to {classifier.num_classes - 1}, got {class_index}.")
        logits[0, class_index].backward()
    weights = features.grad.mean(dim=(2, 3), keepdim=True)
    cam = F.relu((weights * features.detach()).sum(dim=1))[0]
    cam = cam / cam.max() if cam.max() > 0 else cam
    heatmap = cam.cpu().numpy()
    crop = network_view(classifier, image)
    return GradCam(class_index, classifier.labels[class_index], heatmap, crop, overlay(crop, heatmap))


def feature_layers(model: str | Classifier = DEFAULT_MODEL) -> list[str]:
    """Names of the layers whose feature maps can be shown, shallow to deep (timm's feature_info)."""
    network = resolve(model).network
    return [info["module"] for info in getattr(network, "feature_info", [])]


def feature_maps(image: ImageInput, model: str | Classifier = DEFAULT_MODEL, layer: str | None = None,
                 channels: int = 16, tile: int = 96) -> Image.Image:
    """A grid of the `channels` most active feature maps of `layer` (default: the first, edge-like layer)."""
    classifier = resolve(model)
    layers = feature_layers(classifier)
    if not layers:
        raise InputError(f"{classifier.name} does not list its feature layers.")
    layer = layer or layers[0]
    if layer not in layers:
        raise InputError(f"Unknown layer '{layer}' for {classifier.name}; choose one of: {', '.join(layers)}.")
    if not 1 <= channels <= 64:
        raise InputError(f"channels must be from 1 to 64, got {channels}.")
    captured: list[torch.Tensor] = []
    hook = classifier.network.get_submodule(layer).register_forward_hook(lambda m, i, out: captured.append(out))
    try:
        with torch.inference_mode():
            classifier.network(classifier.to_input(load_image(image)))
    finally:
        hook.remove()
    activations = captured[0][0].float()  # (C, h, w)
    strongest = activations.mean(dim=(1, 2)).topk(min(channels, activations.shape[0])).indices
    tiles = [
        Image.fromarray(colorize(activations[c].cpu().numpy())).resize((tile, tile), Image.NEAREST)
        for c in strongest.tolist()
    ]
    return grid(tiles, columns=int(np.ceil(np.sqrt(len(tiles)))), gap=3)
