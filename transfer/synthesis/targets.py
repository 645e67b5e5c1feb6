"""Target classes by index or by name: any comma-separated synonym, case-insensitive, in English or in a language
with a names file (transfer/assets/class_names_<language>.json: German), with close-match hints."""

from __future__ import annotations

import difflib
import functools
import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, Listing, Message


@dataclass(frozen=True)
class Target:
    """One class of a classifier: its index and full label."""

    index: int
    label: str


@dataclass(frozen=True)
class LocalName:
    """A class's names in another language: synonyms (the first is shown) and its kind ('Hund'), if any."""

    names: tuple[str, ...]
    kind: str | None


#: Class names in other languages, one file per language code: transfer/assets/class_names_<code>.json, each
#: stating its source ("source"); keyed by the English label as the model or dataset gives it.
NAME_FILES = Path(__file__).resolve().parent.parent / "assets"
SHORTEST_SEARCH = 3  # letters a query needs before it is looked for inside names ('Katze' in 'Siamkatze')
HINTS = 5  # names an unknown target's error suggests


def synonyms(label: str) -> list[str]:
    """The comma-separated names of a label: 'tabby, tabby cat' -> ['tabby', 'tabby cat']."""
    return [part.strip() for part in label.split(",") if part.strip()]


@functools.cache
def name_languages() -> list[str]:
    """The languages with a class names file."""
    return sorted(path.stem.removeprefix("class_names_") for path in NAME_FILES.glob("class_names_*.json"))


@functools.cache
def local_names(language: str) -> dict[str, LocalName]:
    """English label -> its names in `language` (empty for English or a language without a names file)."""
    path = NAME_FILES / f"class_names_{language}.json"
    if not path.is_file():
        return {}
    groups = json.loads(path.read_text(encoding="utf-8"))["groups"]
    return {label: LocalName(tuple(synonyms(names)), group["kind"])
            for group in groups for label, names in group["names"].items()}


def display_name(label: str, language: str) -> str:
    """A class as a reader of `language` sees it: its name there, with in brackets its kind where the name does not
    say it and the English name where it differs ('Mops (Hund, pug)'); the label itself where there is no entry."""
    local = local_names(language).get(label)
    if local is None:
        return label
    name, english = local.names[0], synonyms(label)[0]
    extras = [local.kind] if local.kind and local.kind.casefold() not in name.casefold() else []
    extras += [english] if english.casefold() != name.casefold() else []
    return f"{name} ({', '.join(extras)})" if extras else name


def search_targets(labels: list[str], query: str, limit: int = HINTS) -> list[Target]:
    """Classes of `labels` a visitor may mean by `query`, in English or another language: those of its kind
    ('Hund'), then those with a name containing it (a whole English word, or part of another language's name)."""
    wanted = " ".join(query.split()).casefold()
    found: dict[int, None] = {}
    for language in name_languages():
        names = local_names(language)
        found |= {i: None for i, label in enumerate(labels) if label in names and
                  (names[label].kind or "").casefold() == wanted}
    found |= {i: None for i, label in enumerate(labels)
              if any(wanted in name.casefold().split() for name in synonyms(label))}
    if len(wanted) >= SHORTEST_SEARCH:
        for language in name_languages():
            names = local_names(language)
            found |= {i: None for i, label in enumerate(labels) if label in names and
                      any(wanted in name.casefold() for name in names[label].names)}
    return [Target(i, labels[i]) for i in list(found)[:limit]]


def _names(label: str) -> list[str]:
    """Every name of a label: its English synonyms, then those in each other language, and how they are shown."""
    return synonyms(label) + [name for language in name_languages() if label in local_names(language)
                              for name in (*local_names(language)[label].names, display_name(label, language))]


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
        if wanted == label.casefold() or wanted in (name.casefold() for name in _names(label)):
            return Target(index, labels[index])
    close = [_hint(target.label, wanted) for target in search_targets(labels, wanted)]
    names: dict[str, str] = {}
    for name in (name for label in labels for name in _names(label)):
        names.setdefault(name.casefold(), name)  # English first
    close += [names[key] for key in difflib.get_close_matches(wanted, list(names), n=HINTS, cutoff=0.6)]
    close = list(dict.fromkeys(close))[:HINTS]
    hint = Message(" Did you mean: {names}?", names=Listing(repr(name) for name in close)) if close else \
        Message(" Use one of the model's class names (e.g. 'tabby cat', 'zebra') or a class index.")
    raise InputError("Unknown target class {target}.{hint}", target=repr(target[:60]), hint=hint)


def _hint(label: str, wanted: str) -> str:
    """The name of `label` to suggest for the query `wanted`: in the query's language (German for 'Katze')."""
    english = synonyms(label)
    if any(wanted in name.casefold().split() for name in english):
        return next(name for name in reversed(english) if wanted in name.casefold().split())
    local = next((local_names(language)[label] for language in name_languages() if label in local_names(language)),
                 None)
    return local.names[0] if local else english[0]
