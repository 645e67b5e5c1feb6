"""Target classes by index or by name: any comma-separated synonym, case-insensitive, with close-match hints."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from ..errors import InputError, Listing, Message


@dataclass(frozen=True)
class Target:
    """One class of a classifier: its index and full label."""

    index: int
    label: str


def synonyms(label: str) -> list[str]:
    """The comma-separated names of a label: 'tabby, tabby cat' -> ['tabby', 'tabby cat']."""
    return [part.strip() for part in label.split(",") if part.strip()]


def resolve_target(labels: list[str], target: int | str) -> Target:
    """The class given by index (int or digit string) or by any synonym of its label; else InputError with hints."""
    if isinstance(target, bool) or target is None:
        raise InputError("Give a target class by name (e.g. 'tabby cat') or index 0-{high}, got {value}.",
                         high=len(labels) - 1, value=repr(target))
    if isinstance(target, float) and target.is_integer():
        target = int(target)
    if isinstance(target, str) and target.strip().isdigit():
        target = int(target.strip())
    if isinstance(target, int):
        if not 0 <= target < len(labels):
            raise InputError("Target class index must be from 0 to {high}, got {value}.", high=len(labels) - 1,
                             value=target)
        return Target(target, labels[target])
    if not isinstance(target, str):
        raise InputError("Target must be a class name or index, got {kind}.", kind=type(target).__name__)
    wanted = " ".join(target.split()).casefold()
    if not wanted:
        raise InputError("No target class given: type a class name such as 'tabby cat' or 'zebra'.")
    for index, label in enumerate(labels):
        if wanted == label.casefold() or wanted in (name.casefold() for name in synonyms(label)):
            return Target(index, labels[index])
    names = {name.casefold(): name for label in labels for name in synonyms(label)}
    close = [name for key, name in names.items() if wanted in key.split()]
    close += [names[key] for key in difflib.get_close_matches(wanted, list(names), n=5, cutoff=0.6)]
    close = list(dict.fromkeys(close))[:5]
    hint = Message(" Did you mean: {names}?", names=Listing(repr(name) for name in close)) if close else \
        Message(" Use one of the model's class names (e.g. 'tabby cat', 'zebra') or a class index.")
    raise InputError("Unknown target class {target}.{hint}", target=repr(target[:60]), hint=hint)
