"""Images made by optimisation: ideal images of a class (ideal.py, with natural.py's photo statistics) and
adversarial examples (adversarial.py), sharing optimisation.py and the class names of targets.py; cache.py computes
identical requests for them once.

`ideal` and `adversarial` are public modules too: their settings (Params) share names such as STEPS and LR."""

from . import adversarial, cache, ideal
from .adversarial import AdversarialExample, adversarial_example, iter_adversarial
from .cache import ResultCache
from .ideal import IdealImage, ideal_image, iter_ideal_image, photos_like
from .targets import Target, display_name, local_names, resolve_target, synonyms

__all__ = [
    "adversarial", "adversarial_example", "AdversarialExample", "cache", "display_name", "ideal", "ideal_image",
    "IdealImage", "iter_adversarial", "iter_ideal_image", "local_names", "photos_like", "resolve_target", "ResultCache",
    "synonyms", "Target",
]
