"""The translation engine: catalogs loaded from ui/locales/<language>.json, and texts looked up in them.

A library message (transfer.Message, and the TransferError carrying one) is translated by its template, then filled
with its values: nested messages and listings translated in turn, data (names, paths, numbers) escaped so that it
shows as text (in HTML or Markdown), numbers in the visitor's locale. A text the UI composed itself (handler results,
gr.Info messages, progress) is found in the catalog as it is, or by a template with {named} holes whose values are
filled in; multi-line texts paragraph by paragraph, then line by line. A text that is a class's name (an ImageNet or
Oxford-IIIT Pet label, or its first synonym) shows the class's name in the language where its names file has one
(transfer/assets/class_names_<language>.json).
"""

from __future__ import annotations

import functools
import html
import inspect
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from transfer import Listing, Message, TransferError
from transfer.synthesis import display_name, local_names, synonyms

SOURCE = "en"
LOCALES = Path(__file__).resolve().parent.parent / "locales"  # one <language>.json per language: texts and parts
HOLE = re.compile(r"\{(\w+)\}")
LETTERS = re.compile(r"[A-Za-z]{2,}")
NBSP = "\u00a0"
NUMBER = re.compile(r"([-+]?\d+)\.(\d+)(%?)|([-+]?\d+)(%)")
THOUSANDS = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+")  # 1,234 -> 1.234: German groups thousands with a point
#: A Markdown heading or list mark (and a warning sign) before a text: translated around.
MARK = re.compile(r"(?:#{1,6} |[-*] )?(?:⚠️ )?")
#: How a text without a translation of its own splits into parts that may have one (kept in the result).
SEPARATORS = [re.compile(r"(\n\n)"), re.compile(r"(\n)"), re.compile(r"( · )"), re.compile(r"(?<=[.!?])( )(?=\S)")]
LISTING = re.compile(r", | and ")
NAME_COUNT = re.compile(r"[^()]+ \(\d+\)")  # 'cats (4)' in a listing: data
#: Characters that would make a visitor's text (a folder or file name from a zip) HTML or Markdown in a Markdown box.
MARKUP = re.compile(r"[\\`*_\[\]<>&|~#]")
ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    """A JSON object's entries; a key given twice is an error (with several people adding texts, say so)."""
    keys = [key for key, _ in pairs]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise ValueError(f"texts given twice in a catalog: {repeated}")
    return dict(pairs)


def load_catalog(path: Path) -> dict[str, dict[str, str]]:
    """A language's file: {"texts": {English: translation}, "parts": {English: translation}}."""
    return json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_unique_keys)


#: Language code (as the browser's Settings offer it) -> {"texts": ..., "parts": ...}; "parts" only fill holes.
CATALOGS: dict[str, dict[str, dict[str, str]]] = {path.stem: load_catalog(path)
                                                  for path in sorted(LOCALES.glob("*.json"))}


@dataclass(frozen=True)
class Catalog:
    """One language's texts and templates keyed by normalised English; `parts` only fill holes of other texts;
    `entries` is all of them, for library messages, which are looked up by their template."""

    exact: dict[str, str]
    templates: list[tuple[re.Pattern, str]]
    parts: dict[str, str]
    part_templates: list[tuple[re.Pattern, str]]
    entries: dict[str, str]


@functools.cache
def catalog(language: str) -> Catalog:
    def table(entries: dict[str, str]) -> dict[str, str]:
        return {_normal(english).strip(): text.strip() for english, text in entries.items()}

    def split(entries: dict[str, str]) -> tuple[dict, list]:
        # A template with no word of its own ('{path}: {reason}') would match nearly any text: only library messages,
        # looked up by their template in `entries`, use it. The others are tried longest first: a hole matches any
        # text, so '**{count}** photo{s}' also matches '**2** photos (add 1 more)', which has a template of its own.
        worded = [english for english in entries if HOLE.search(english) and LETTERS.search(HOLE.sub("", english))]
        templates = sorted(worded, key=lambda english: -len(HOLE.sub("", english)))
        return ({english: text for english, text in entries.items() if not HOLE.search(english)},
                [(_pattern(english), entries[english]) for english in templates])
    texts, parts = table(CATALOGS[language]["texts"]), table(CATALOGS[language].get("parts", {}))
    return Catalog(*split(texts), *split(parts), {**parts, **texts})


def _normal(text: str) -> str:
    """The form texts are looked up in: Gradio stores Markdown with inspect.cleandoc, so compare it that way."""
    return inspect.cleandoc(text) if "\n" in text else text


def _pattern(template: str) -> re.Pattern:
    pieces = HOLE.split(template)  # literal, name, literal, name, ...
    regex = "".join(re.escape(piece) if i % 2 == 0 else f"(?P={piece})" if piece in pieces[1:i:2]
                    else f"(?P<{piece}>[^\n]*?)" for i, piece in enumerate(pieces))
    return re.compile(regex)  # a hole is part of one line: multi-line texts are matched line by line too


def _localize_number(value: str, language: str) -> str:
    """Decimal comma and a space before % in German: '80.0%' -> '80,0 %'; thousands grouped with a point."""
    if language == "de" and THOUSANDS.fullmatch(value):
        return value.replace(",", ".")
    if language != "de" or not NUMBER.fullmatch(value):
        return value
    return NUMBER.sub(lambda m: f"{m[1]},{m[2]}{NBSP + '%' if m[3] else ''}" if m[1] else f"{m[4]}{NBSP}%", value)


# --- Library messages: template first, then values ------------------------------------------------------------------

def template(english: str, language: str) -> str | None:
    """A library message's template in `language` (surrounding spaces kept), or None when the catalog lacks it."""
    if language == SOURCE:
        return english
    found = catalog(language).entries.get(_normal(english).strip())
    return None if found is None else _around(english, found)


def html_text(text: str) -> str:
    """Data for HTML (a gr.Error's pop-up): < > & as entities, so that it shows as text."""
    return html.escape(text, quote=False)


def markdown_text(text: str) -> str:
    """Data for a Markdown box, shown as the text itself: no tag, link or emphasis."""
    return MARKUP.sub(lambda match: ENTITIES.get(match[0], "\\" + match[0]), text)


def message_text(message: object, language: str, escape: Callable[[str], str] = html_text) -> str:
    """A library message (a TransferError, Message or Listing) in `language`: its template translated (English
    where the catalog lacks it), then filled with its values, translated in turn; data is escaped for where it is
    shown (`escape`: HTML by default; markdown_text for a Markdown box), numbers in the language's form."""
    if isinstance(message, TransferError):
        message = message.message
    if isinstance(message, Message):
        text = template(message.template, language) or message.template
        if not message.values:
            return text
        return text.format(**{name: message_text(value, language, escape) for name, value in message.values.items()})
    if isinstance(message, Listing):
        items = [message_text(item, language, escape) for item in message.items]
        if message.conjunction and len(items) > 1:
            conjunction = template(message.conjunction, language) or message.conjunction
            return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"
        return ", ".join(items)
    return escape(_localize_number(str(message), language))


# --- Texts the UI composed: the catalog's text or a template matched ----------------------------------------------

def lookup(text: str, language: str) -> str | None:
    """`text` in `language`, or None when some part of it has no translation (texts without words need none)."""
    return _translated(text, language, strict=True)


def translate(text: str, language: str) -> str:
    """`text` in `language` where the catalog has it, parts without a translation left in English."""
    if language == SOURCE or not isinstance(text, str):
        return text
    return _translated(text, language, strict=False)


def lookup_part(text: str, language: str) -> str | None:
    """A piece that only occurs inside other texts ('and 3 more', "'cats' has 2 photos"), in `language`."""
    core = text.strip()
    table = catalog(language)
    found = table.parts.get(core)
    if found is None:
        found = _filled(core, table.part_templates, language)
    return None if found is None else _around(text, found)


def _around(text: str, core: str) -> str:
    """`core` with the spaces and line breaks around `text`."""
    return text[:len(text) - len(text.lstrip())] + core + text[len(text.rstrip()):]


def _translated(text: str, language: str, strict: bool) -> str | None:
    """The catalog's text or template for the whole; else a Markdown mark plus the rest; else the paragraphs,
    lines, sentences or list items one by one. Strict: None when a part has no translation; else it stays."""
    if language == SOURCE or not LETTERS.search(text):
        return _localize_number(text, language)
    core = _normal(text).strip()
    table = catalog(language)
    found = table.exact.get(core)
    if found is None:
        found = _filled(core, table.templates, language)
    if found is None:
        found = class_name(core, language)
    mark = MARK.match(core)
    if found is None and 0 < mark.end() < len(core) and "\n" not in core:  # one line: a heading, an item
        rest = _translated(core[mark.end():], language, strict)
        found = None if rest is None else mark.group() + rest
    separators = [separator for separator in SEPARATORS if separator.search(core)] if found is None else []
    for separator in separators:  # the first split whose every part has a translation
        found = _pieces(separator.split(core), language, strict=True)
        if found is not None:
            break
    if found is None:
        return None if strict else _pieces(separators[0].split(core), language, False) if separators else core
    return _around(text, found) if text.strip() == core else found


def class_name(text: str, language: str, short: bool = False) -> str | None:
    """A class's label (or its first synonym) as shown in `language` ('Mops (Hund, pug)'; `short`: 'Mops'), or None
    when the class has no name there."""
    label = _class_labels(language).get(text)
    if label is None:
        return None
    return local_names(language)[label].names[0] if short else display_name(label, language)


@functools.cache
def _class_labels(language: str) -> dict[str, str]:
    """Label or first synonym -> label, for the classes with a name in `language`."""
    return {name: label for label in local_names(language) for name in (synonyms(label)[0], label)}


def _pieces(pieces: list[str], language: str, strict: bool) -> str | None:
    """Split text (text, separator, text, ...) with every text translated."""
    translated = [piece if i % 2 else _translated(piece, language, strict) for i, piece in enumerate(pieces)]
    return None if None in translated else "".join(translated)


def _filled(text: str, templates: list[tuple[re.Pattern, str]], language: str) -> str | None:
    for pattern, translated in templates:
        match = pattern.fullmatch(text)
        if match:
            return translated.format(**{name: _value(value, language) for name, value in match.groupdict().items()})
    return None


def _value(value: str, language: str) -> str:
    """A template's hole: a nested text, a piece or a listing of pieces is translated, a name or path stays."""
    for translate_as in (lookup, _listing, lookup_part):
        translated = translate_as(value, language)
        if translated is not None:
            return translated
    return value


def _listing(value: str, language: str) -> str | None:
    """'cats (3), dogs (1) and 2 more' with its pieces and its 'and' translated, when every piece is a name with a
    count or has a translation ('and' inside brackets belongs to a piece)."""
    cuts = [match for match in LISTING.finditer(value)
            if value.count("(", 0, match.start()) == value.count(")", 0, match.start())]
    if not cuts:
        return None
    bounds = [0, *(bound for match in cuts for bound in match.span()), len(value)]
    pieces = [value[start:end] for start, end in zip(bounds[::2], bounds[1::2])]
    translated = [piece if NAME_COUNT.fullmatch(piece) else lookup(piece, language) or lookup_part(piece, language)
                  for piece in pieces]
    if None in translated:
        return None
    conjunction = lookup_part("and", language) or "and"
    separators = [match.group().replace("and", conjunction) for match in cuts]
    return "".join(itertools.chain(*zip(translated, separators + [""])))
