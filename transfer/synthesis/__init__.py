"""Images made by optimisation: ideal images of a class (ideal.py, with natural.py's photo statistics) and
adversarial examples (adversarial.py), sharing optimisation.py and the class names of targets.py.

`ideal` and `adversarial` are public modules too: their settings (Params) share names such as STEPS and LR."""

from . import adversarial, ideal
from .adversarial import AdversarialExample, adversarial_example, iter_adversarial
from .ideal import IdealImage, ideal_image, iter_ideal_image, photos_like
from .targets import Target, resolve_target

__all__ = [
    "AdversarialExample", "IdealImage", "Target", "adversarial", "adversarial_example", "ideal", "ideal_image",
    "iter_adversarial", "iter_ideal_image", "photos_like", "resolve_target",
]
