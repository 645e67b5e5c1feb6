"""English and German for every text a visitor sees, in one place; the tab modules keep plain English.

Static texts (tab and step names, Markdown, labels, info, buttons, choices, plot and example titles): `localize()`
turns each of them into a `gr.I18n` key, the English text itself, once the Blocks are built, and `translations()`
gives the browser their German; the page picks its language from the browser's, or from the one chosen under
Settings -> Language at the foot of the page.
Dynamic texts (handler results, gr.Error / gr.Info messages including the library's errors, progress
descriptions) are translated on the server at the UI edge, into the language the page shows: a script in the page
keeps it in a cookie (the request's Accept-Language when there is none). A text is found in GERMAN as it is, or by a
template with {named} holes whose values (numbers, names, nested messages) are filled in; multi-line texts
paragraph by paragraph, then line by line. The library's messages stay English for CLI and API users.

Adding a language: dicts like GERMAN and GERMAN_PARTS, registered in CATALOGS and PARTS under its code;
tests/test_i18n.py lists what the new language lacks.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import itertools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import gradio as gr
import pandas as pd
from gradio.blocks import Block
from gradio.context import LocalContext
from gradio.i18n import I18nData

import transfer

SOURCE = "en"
COOKIE = "transfer_lab_language"
#: Keeps the page's language (<html lang>, set by Gradio from the browser or from Settings -> Language) in COOKIE.
HEAD = f"""<script>
(() => {{
  const remember = () => {{
    document.cookie = "{COOKIE}=" + (document.documentElement.lang || "{SOURCE}") + "; path=/; SameSite=Lax";
  }};
  remember();
  new MutationObserver(remember).observe(document.documentElement, {{attributes: true, attributeFilter: ["lang"]}});
}})();
</script>"""
#: Properties that hold visitor-visible text, wherever a component or layout has them.
TEXT_PROPS = ("label", "info", "placeholder", "title", "x_title", "y_title", "color_title", "caption")
#: Components whose `value` is visitor text (elsewhere a value is data: a path, a model name, a class).
TEXT_VALUES = (gr.Markdown, gr.Button, gr.HTML)
KEY_PREFIX = "__i18n__"  # how gr.I18n keys travel in the config (gradio.i18n.I18nData)
HOLE = re.compile(r"\{(\w+)\}")
LETTERS = re.compile(r"[A-Za-z]{2,}")
NBSP = "\u00a0"
NUMBER = re.compile(r"([-+]?\d+)\.(\d+)(%?)|([-+]?\d+)(%)")
#: A Markdown heading or list mark (and a warning sign) before a text: translated around.
MARK = re.compile(r"(?:#{1,6} |[-*] )?(?:⚠️ )?")
#: How a text without a translation of its own splits into parts that may have one (kept in the result).
SEPARATORS = [re.compile(r"(\n\n)"), re.compile(r"(\n)"), re.compile(r"( · )"), re.compile(r"(?<=[.!?])( )(?=\S)")]
LISTING = re.compile(r", | and ")
NAME_COUNT = re.compile(r"[^()]+ \(\d+\)")  # 'cats (4)' in a listing: data


@dataclass(frozen=True)
class Catalog:
    """One language's texts and templates keyed by normalised English; `parts` only fill holes of other texts."""

    exact: dict[str, str]
    templates: list[tuple[re.Pattern, str]]
    parts: dict[str, str]
    part_templates: list[tuple[re.Pattern, str]]


@functools.cache
def catalog(language: str) -> Catalog:
    def split(entries: dict[str, str]) -> tuple[dict, list]:
        table = {_normal(english).strip(): text.strip() for english, text in entries.items()}
        return ({english: text for english, text in table.items() if not HOLE.search(english)},
                [(_pattern(english), text) for english, text in table.items() if HOLE.search(english)])
    return Catalog(*split(CATALOGS[language]), *split(PARTS.get(language, {})))


def _normal(text: str) -> str:
    """The form texts are looked up in: Gradio stores Markdown with inspect.cleandoc, so compare it that way."""
    return inspect.cleandoc(text) if "\n" in text else text


def _pattern(template: str) -> re.Pattern:
    pieces = HOLE.split(template)  # literal, name, literal, name, ...
    regex = "".join(re.escape(piece) if i % 2 == 0 else f"(?P={piece})" if piece in pieces[1:i:2]
                    else f"(?P<{piece}>[^\n]*?)" for i, piece in enumerate(pieces))
    return re.compile(regex)  # a hole is part of one line: multi-line texts are matched line by line too


def _localize_number(value: str, language: str) -> str:
    """Decimal comma and a space before % in German: '80.0%' -> '80,0 %'."""
    if language != "de" or not NUMBER.fullmatch(value):
        return value
    return NUMBER.sub(lambda m: f"{m[1]},{m[2]}{NBSP + '%' if m[3] else ''}" if m[1] else f"{m[4]}{NBSP}%", value)


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
    return None if found is None else text[:len(text) - len(text.lstrip())] + found + text[len(text.rstrip()):]


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
    return text[:len(text) - len(text.lstrip())] + found + text[len(text.rstrip()):] if text.strip() == core else found


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
    """A template's hole: a nested message, a piece or a listing of pieces is translated, a name or path stays."""
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


# --- The language of a request ------------------------------------------------------------------------------------

def request_language(request: gr.Request | None = None) -> str:
    """The language the visitor's page shows: the cookie the page keeps, else Accept-Language, else English."""
    request = request or LocalContext.request.get(None)
    if request is None:
        return SOURCE
    cookies = getattr(request, "cookies", None) or {}
    wanted = cookies.get(COOKIE) or (getattr(request, "headers", None) or {}).get("accept-language", "")
    code = wanted.split(",")[0].split(";")[0].strip().split("-")[0].lower()
    return code if code in CATALOGS else SOURCE


# --- Static texts: gr.I18n keys in the built Blocks ------------------------------------------------------------

@dataclass
class StaticText:
    """One visitor-visible text of a built app: where it is (for messages) and how to replace it."""

    block: Block
    prop: str
    text: str
    replace: Callable[[str], None]

    @property
    def where(self) -> str:
        return f"{type(self.block).__name__} #{self.block.elem_id or self.block._id} .{self.prop}"


def _setter(block: Block, prop: str) -> Callable[[object], None]:
    def replace(value) -> None:
        setattr(block, prop, value)
        args = block.constructor_args
        if prop in args:  # Gradio rebuilds a block from these on updates
            args[prop] = value
    return replace


def static_texts(demo: gr.Blocks) -> Iterator[StaticText]:
    """Every text of the built app that a visitor can read, except data (model, class and layer names, paths)."""
    for block in demo.blocks.values():
        params = inspect.signature(type(block).__init__).parameters
        props = [prop for prop in TEXT_PROPS if prop in params]
        if isinstance(block, TEXT_VALUES):
            props.append("value")
        for prop in props:
            text = getattr(block, prop, None)
            if isinstance(text, str) and LETTERS.search(text) and not _is_key(text):
                yield StaticText(block, prop, text, _setter(block, prop))
        if isinstance(block, gr.Dataset) and block.headers:  # not sample_labels: Gradio shows them untranslated
            yield from _list_texts(block, "headers", block.headers)
        if isinstance(getattr(block, "choices", None), list) and "choices" in params:
            yield from _choice_texts(block)


def _list_texts(block: Block, prop: str, texts: list) -> Iterator[StaticText]:
    for index, text in enumerate(texts):
        if isinstance(text, str) and LETTERS.search(text) and not _is_key(text):
            def replace(value, index=index):
                texts[index] = value
            yield StaticText(block, f"{prop}[{index}]", text, replace)


def _choice_texts(block: Block) -> Iterator[StaticText]:
    """Choice labels: all of (label, value) pairs; of plain choices those with words that are not an ImageNet class
    (a plain choice such as 'blocks.1' or 'tabby, tabby cat' is data, shown as it is)."""
    choices = block.choices
    for index, (label, value) in enumerate(choices):
        if not isinstance(label, str) or _is_key(label) or not LETTERS.search(label):
            continue
        if label == value and (" " not in label or label in _imagenet_labels()):
            continue
        def replace(new, index=index, value=value):
            choices[index] = (new, value)
        yield StaticText(block, f"choices[{index}]", label, replace)


@functools.cache
def _imagenet_labels() -> frozenset[str]:
    return frozenset(transfer.imagenet_labels())


def _is_key(text: str) -> bool:
    return text.startswith(KEY_PREFIX)


def _key(text: str) -> str:
    return str(I18nData(text))


def localize(demo: gr.Blocks) -> gr.Blocks:
    """Make every static text of the built app a gr.I18n key and every event handler answer in the page's language.

    Call once the Blocks are built and before launch; launch with `i18n=translations(demo)`.
    """
    for text in list(static_texts(demo)):
        text.replace(_key(text.text))
    for block_fn in demo.fns.values():
        if block_fn.fn is not None:
            block_fn.fn = _answering_in_language(block_fn.fn, block_fn.outputs)
    api_info = demo.get_api_info

    @functools.wraps(api_info)
    def english_api_info(*args, **kwargs):  # the API page and gradio_client show labels: English, not keys
        return _english(api_info(*args, **kwargs))
    demo.get_api_info = english_api_info
    return demo


def _english(value):
    """`value` (nested dicts and lists) with every gr.I18n key replaced by its English text."""
    if isinstance(value, str) and _is_key(value):
        return _key_text(value)
    if isinstance(value, dict):
        return {key: _english(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_english(item) for item in value]
    return value


def _key_text(key: str) -> str:
    return json.loads(key[len(KEY_PREFIX):])["key"]


def translations(demo: gr.Blocks) -> gr.I18n:
    """The browser's catalog for the app's static texts (English needs none: the keys are the English texts)."""
    keys = {text.text for text in static_keys(demo)}
    return gr.I18n(**{language: {key: translate(key, language) for key in keys} for language in CATALOGS})


def static_keys(demo: gr.Blocks) -> Iterator[StaticText]:
    """The static texts `localize` made keys of, with `text` the English key."""
    for block in demo.blocks.values():
        for prop, value in _props(block):
            if isinstance(value, str) and _is_key(value):
                yield StaticText(block, prop, _key_text(value), lambda _: None)


def _props(block: Block) -> Iterator[tuple[str, object]]:
    for prop in (*TEXT_PROPS, "value"):
        yield prop, getattr(block, prop, None)
    for name in ("headers", "choices"):
        for index, item in enumerate(getattr(block, name, None) or []):
            yield f"{name}[{index}]", item[0] if isinstance(item, (tuple, list)) else item


def untranslated(demo: gr.Blocks, language: str) -> list[str]:
    """'where: text' of each static text of a localized app that `language` lacks (what to add to its catalog)."""
    missing = {text.text: text.where for text in static_keys(demo) if lookup(text.text, language) is None}
    return [f"{where}: {text!r}" for text, where in missing.items()]


# --- Dynamic texts: translated at the UI edge -------------------------------------------------------------------

class _TranslatedProgress:
    """A gr.Progress whose descriptions appear in the visitor's language."""

    def __init__(self, progress: gr.Progress, language: str):
        self._progress, self._language = progress, language

    def __call__(self, progress, desc: str | None = None, *args, **kwargs):
        return self._progress(progress, translate(desc, self._language), *args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._progress, name)


def _answering_in_language(fn: Callable, outputs: list) -> Callable:
    """`fn` with its results, errors and progress in the language of the request that calls it."""
    def prepare(args, kwargs) -> tuple[str, list, dict]:
        language = request_language()
        if language != SOURCE:
            args = [_TranslatedProgress(a, language) if isinstance(a, gr.Progress) else a for a in args]
            kwargs = {k: _TranslatedProgress(v, language) if isinstance(v, gr.Progress) else v
                      for k, v in kwargs.items()}
        return language, args, kwargs

    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def generator(*args, **kwargs):
            language, args, kwargs = prepare(args, kwargs)
            with _errors_in(language):
                for result in fn(*args, **kwargs):
                    yield translate_result(result, outputs, language)
        return generator
    if inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn):
        raise TypeError(f"{fn!r}: async handlers are not translated yet; add them to ui/i18n.py")

    @functools.wraps(fn)
    def function(*args, **kwargs):
        language, args, kwargs = prepare(args, kwargs)
        with _errors_in(language):
            return translate_result(fn(*args, **kwargs), outputs, language)
    return function


@contextlib.contextmanager
def _errors_in(language: str):
    """Translate the message of a gr.Error raised inside (Gradio titles a toast by its kind, not by its title)."""
    try:
        yield
    except gr.Error as error:
        error.message = translate(error.message, language)
        raise


def translate_result(result, outputs: list, language: str):
    """A handler's result with its visitor texts in `language`: Markdown, component updates, tables, plot series."""
    if language == SOURCE:
        return result
    if isinstance(result, dict) and result and all(isinstance(key, Block) for key in result):
        return {block: _translate_value(value, block, language) for block, value in result.items()}
    if len(outputs) == 1:
        return _translate_value(result, outputs[0], language)
    if isinstance(result, (tuple, list)):
        return type(result)(_translate_value(value, block, language) for value, block in zip(result, outputs))
    return result


def _translate_value(value, block: Block, language: str):
    if isinstance(value, Block):  # a component returned as an update: only the props it was given
        update = {**value.constructor_args, "__type__": "update"}
        translated = _translate_update(update, block, language)
        return translated if any(translated[key] is not update[key] for key in update) else value
    if isinstance(value, dict) and value.get("__type__") == "update":
        return _translate_update(value, block, language)
    if isinstance(value, str) and isinstance(block, TEXT_VALUES):
        return translate(value, language)
    if isinstance(value, pd.DataFrame):
        return _translate_table(value, block, language)
    if isinstance(value, list) and isinstance(block, gr.Gallery):  # captions
        return [(item[0], translate(item[1], language)) if isinstance(item, tuple) and len(item) == 2 else item
                for item in value]
    return value


def _translate_update(update: dict, block: Block, language: str) -> dict:
    update = dict(update)
    for prop in TEXT_PROPS:
        if isinstance(update.get(prop), str):
            update[prop] = translate(update[prop], language)
    if update.get("choices"):
        pairs = [tuple(choice) if isinstance(choice, (tuple, list)) else (choice, choice)
                 for choice in update["choices"]]
        labels = [translate(label, language) if isinstance(label, str) else label for label, _ in pairs]
        if labels != [label for label, _ in pairs]:
            update["choices"] = [(label, value) for label, (_, value) in zip(labels, pairs)]
    if "value" in update:
        update["value"] = _translate_value(update["value"], block, language)
    return update


def _translate_table(table: pd.DataFrame, block: Block, language: str):
    """A table's column names and texts (names and numbers stay); for a plot, which reads its columns by name, the
    series names and legend title."""
    rename = lambda name: translate(name, language) if isinstance(name, str) else name  # noqa: E731
    series = getattr(block, "color", None)
    if not isinstance(block, gr.components.NativePlot):
        return table.rename(columns=rename).map(rename)
    if not isinstance(series, str) or series not in table.columns:
        return table
    table = table.assign(**{series: table[series].map(rename)})
    return {"__type__": "update", "value": table, "color_title": rename(block.color_title or series)}


def translate_messages(demo: gr.Blocks) -> None:
    """gr.Info / gr.Warning / gr.Success messages of `demo`'s handlers in the visitor's language.

    Gradio sends them through the app's queue, from the handler's thread, so the request is still known there.
    Call after `demo.queue(...)`, which makes a new queue.
    """
    queue = demo._queue
    send = queue.log_message

    def log_message(event_id: str, log: str, title: str, level, duration=10, visible=True):
        return send(event_id=event_id, log=translate(log, request_language()), title=title, level=level,
                    duration=duration, visible=visible)
    queue.log_message = log_message


# --- The catalog -------------------------------------------------------------------------------------------

GERMAN: dict[str, str] = {
    # The page and its tabs
    "# Transfer Lab\nExplore what a network pretrained on ImageNet has learned, then reuse it. Everything runs on "
    "{where}.":
        "# Transfer Lab\nEntdecken Sie, was ein auf ImageNet vortrainiertes Netz gelernt hat, und verwenden Sie es "
        "weiter. Alles läuft auf {where}.",
    "this computer's CPU": "der CPU dieses Computers",
    "a GPU that Hugging Face's ZeroGPU lends to each request": "einer GPU, die Hugging Face ZeroGPU jeder Anfrage leiht",
    "Transfer Lab": "Transfer Lab",
    "You have too many requests waiting: wait for them to finish, then try again.":
        "Sie haben zu viele wartende Anfragen: Warten Sie, bis sie fertig sind, und versuchen Sie es dann erneut.",
    "You already have a long job (training, loading data, an ideal image or an adversarial image) waiting or "
    "running, and one at a time is the most: its progress shows its place in the queue. Wait for it to finish, or "
    "stop it, then try again.":
        "Sie haben schon einen langen Auftrag (Training, Daten laden, ein ideales Bild oder ein Adversarial-Bild) in "
        "der Warteschlange oder in Arbeit, und mehr als einer gleichzeitig geht nicht: Sein Fortschritt zeigt seinen "
        "Platz in der Warteschlange. Warten Sie, bis er fertig ist, oder stoppen Sie ihn, und versuchen Sie es dann "
        "erneut.",
    "This request is too large: at most {megabytes} MB. Send smaller files, or fewer at once.":
        "Diese Anfrage ist zu groß: höchstens {megabytes} MB. Senden Sie kleinere Dateien oder weniger auf einmal.",
    "Too many files in one upload: at most {count}. Upload them in smaller groups.":
        "Zu viele Dateien in einem Upload: höchstens {count}. Laden Sie sie in kleineren Gruppen hoch.",
    "An upload must say its size (Content-Length); the page always does: use the page or a common client.":
        "Ein Upload muss seine Größe angeben (Content-Length); die Seite tut das immer: Verwenden Sie die Seite oder "
        "einen gängigen Client.",
    "You have uploaded {megabytes} MB in the last {minutes} minutes, the most one visitor may: wait a few minutes "
    "(earlier uploads are then deleted), or upload smaller photos or one .zip of class folders.":
        "Sie haben in den letzten {minutes} Minuten {megabytes} MB hochgeladen, so viel wie ein Besucher darf: Warten "
        "Sie ein paar Minuten (frühere Uploads werden dann gelöscht), oder laden Sie kleinere Fotos oder eine .zip "
        "mit Klassenordnern hoch.",
    "The server's space for uploads is full: please try again in a few minutes.":
        "Der Platz des Servers für Uploads ist voll: Bitte versuchen Sie es in ein paar Minuten erneut.",
    "Classify": "Klassifizieren",
    "Fine-tune": "Feinabstimmung",
    "Ideal image": "Ideales Bild",
    "Adversarial": "Gegnerisches Beispiel",
    # Classify
    "**What is happening?** A *convolutional neural network* trained on ImageNet (1.2 million photos of 1000 kinds "
    "of\nthings) looks at your photo and says how likely each of its 1000 classes is. The **heatmap** (Grad-CAM) "
    "shows *where*\nin the picture the evidence for its top answer is: red and yellow areas pushed the network "
    "towards that class.\nThe **feature maps** are what one inner layer of the network computes: early layers react "
    "to edges and colours, deeper\nlayers to textures and parts like eyes or wheels. Transfer learning reuses exactly "
    "these learned features for a new task.\nImageNet has no class for many things: shown a Bengal cat, the network "
    "answers with the closest class it knows,\n*Egyptian cat*. Adding classes like that is what the **Fine-tune** "
    "tab does.":
        "**Was passiert hier?** Ein *faltendes neuronales Netz* (CNN), auf ImageNet trainiert (1,2 Millionen Fotos "
        "von 1000 Arten von Dingen), betrachtet Ihr Foto und sagt, wie wahrscheinlich jede seiner 1000 Klassen ist. "
        "Die **Heatmap** (Grad-CAM) zeigt, *wo* im Bild die Hinweise auf seine beste Antwort liegen: rote und gelbe "
        "Bereiche haben das Netz zu dieser Klasse gedrängt.\nDie **Merkmalskarten** zeigen, was eine innere Schicht "
        "des Netzes berechnet: frühe Schichten reagieren auf Kanten und Farben, tiefere auf Texturen und Teile wie "
        "Augen oder Räder. Transferlernen verwendet genau diese gelernten Merkmale für eine neue Aufgabe wieder.\n"
        "Für vieles hat ImageNet keine Klasse: Einer Bengalkatze gibt das Netz die nächstliegende Klasse, die es "
        "kennt, *Egyptian cat* (Ägyptische Katze). Solche Klassen hinzuzufügen ist die Aufgabe des Tabs "
        "**Feinabstimmung**.",
    "Photo": "Foto",
    "Pretrained network": "Vortrainiertes Netz",
    "Offline models work anywhere; others download from the Hugging Face Hub.":
        "Offline-Modelle funktionieren überall, die anderen werden vom Hugging Face Hub geladen.",
    "Layer for feature maps": "Schicht für die Merkmalskarten",
    "Early layers react to edges and colours, deep layers to parts.":
        "Frühe Schichten reagieren auf Kanten und Farben, tiefe auf Teile.",
    "early: edges and colours": "früh: Kanten und Farben",
    "early-middle: simple textures": "früh bis mittel: einfache Texturen",
    "middle: textures and patterns": "mittel: Texturen und Muster",
    "late: parts such as eyes or wheels": "spät: Teile wie Augen oder Räder",
    "last: whole parts of objects": "zuletzt: ganze Teile von Objekten",
    "early: edges and colours ({layer})": "früh: Kanten und Farben ({layer})",
    "early-middle: simple textures ({layer})": "früh bis mittel: einfache Texturen ({layer})",
    "middle: textures and patterns ({layer})": "mittel: Texturen und Muster ({layer})",
    "late: parts such as eyes or wheels ({layer})": "spät: Teile wie Augen oder Räder ({layer})",
    "last: whole parts of objects ({layer})": "zuletzt: ganze Teile von Objekten ({layer})",
    "Both pictures show the square the network sees: the centre of the photo, cropped and resized to the network's "
    "input size. What lies outside plays no part in its answer.":
        "Beide Bilder zeigen das Quadrat, das das Netz sieht: die Mitte des Fotos, zugeschnitten und auf die "
        "Eingangsgröße des Netzes gebracht. Was außerhalb liegt, spielt für seine Antwort keine Rolle.",
    "What the network sees": "Was das Netz sieht",
    "Where it looks (Grad-CAM: red = most evidence, blue = none)":
        "Wohin es schaut (Grad-CAM: rot = die meisten Hinweise, blau = keine)",
    "Feature maps (16 strongest channels)": "Merkmalskarten (die 16 stärksten Kanäle)",
    "Examples: photos, and ideal images the Ideal image tab made (click one)":
        "Beispiele: Fotos und ideale Bilder aus dem Tab „Ideales Bild“ (zum Ausprobieren anklicken)",
    "{model} ({params}M params, {size} px)": "{model} ({params} Mio. Parameter, {size} px)",
    "{model} ({params}M params, Hub)": "{model} ({params} Mio. Parameter, Hub)",
    "{model} - needs internet": "{model} – braucht Internet",
    # Fine-tune: the wizard
    "**Transfer learning** reuses a network pretrained on ImageNet for *your* classes. Follow the steps: pick the\n"
    "data, pick how much of the network to retrain, train (usually seconds), check the score on test images it never "
    "saw,\nthen use or download your model. The defaults work without changing anything.":
        "**Transferlernen** verwendet ein auf ImageNet vortrainiertes Netz für *Ihre* Klassen wieder. Folgen Sie den "
        "Schritten: Daten wählen, festlegen, wie viel vom Netz neu trainiert wird, trainieren (meist Sekunden), die "
        "Genauigkeit auf Testbildern prüfen, die das Netz nie gesehen hat, dann Ihr Modell verwenden oder "
        "herunterladen. Die Voreinstellungen funktionieren, ohne dass Sie etwas ändern.",
    "1. Data": "1. Daten",
    "Where are the images?": "Wo sind die Bilder?",
    "My own classes: add photos or use the webcam": "Eigene Klassen: Fotos hinzufügen oder die Webcam nutzen",
    "Oxford-IIIT Pet: cat and dog breeds, ready on this server":
        "Oxford-IIIT Pet: Katzen- und Hunderassen, bereit auf diesem Server",
    "A .zip of class folders (for bigger sets)": "Eine .zip-Datei mit Klassenordnern (für größere Datensätze)",
    "Download Oxford-IIIT Pet (about {megabytes} MB, needs internet)":
        "Oxford-IIIT Pet herunterladen (etwa {megabytes} MB, braucht Internet)",
    "Class {number} name": "Name der Klasse {number}",
    "Remove": "Entfernen",
    "Name each class, then give it photos: **drop or pick several files at once**, paste one (Ctrl+V), or\ntake "
    "**webcam snapshots** (the camera icon under each box). At least {least} photos per class;\n{enough} or more "
    "work better.":
        "Benennen Sie jede Klasse und geben Sie ihr Fotos: **mehrere Dateien auf einmal ablegen oder auswählen**, "
        "eines einfügen (Strg+V) oder **Webcam-Schnappschüsse** aufnehmen (das Kamerasymbol unter jedem Feld). "
        "Mindestens {least} Fotos pro Klasse; {enough} oder mehr funktionieren besser.",
    "Class name": "Klassenname",
    "Photos": "Fotos",
    "**{count}** photo{s}": "**{count}** Foto{s}",
    "**{count}** photo{s} (add {more} more)": "**{count}** Foto{s} (noch {more} hinzufügen)",
    "+ Add a class": "+ Klasse hinzufügen",
    "Add a second class.": "Fügen Sie eine zweite Klasse hinzu.",
    "Give every class a name.": "Geben Sie jeder Klasse einen Namen.",
    "Still missing: {missing} (at least {least} photos per class).":
        "Es fehlen noch: {missing} (mindestens {least} Fotos pro Klasse).",
    "Ready to check. {count} or more photos per class make a more reliable model.":
        "Bereit zur Prüfung. {count} oder mehr Fotos pro Klasse ergeben ein zuverlässigeres Modell.",
    "Ready to check.": "Bereit zur Prüfung.",
    "Up to {count} classes here: for more, put one folder per class in a .zip and upload it.":
        "Hier sind bis zu {count} Klassen möglich: Für mehr legen Sie einen Ordner pro Klasse in eine .zip-Datei "
        "und laden sie hoch.",
    "Dataset": "Datensatz",
    "Task": "Aufgabe",
    "The full Oxford-IIIT Pet: 7,349 photos of 37 breeds, about {megabytes} MB, downloaded once into the app's cache "
    "(several minutes).":
        "Das vollständige Oxford-IIIT Pet: 7.349 Fotos von 37 Rassen, etwa {megabytes} MB, einmal in den Cache der "
        "App heruntergeladen (einige Minuten).",
    "Zip of class folders": "Zip-Datei mit Klassenordnern",
    "One folder per class, named after the class, each with its photos: `cats/1.jpg`, `cats/2.jpg`, ..., "
    "`dogs/1.jpg`, ...":
        "Ein Ordner pro Klasse, benannt nach der Klasse, jeweils mit ihren Fotos: `katzen/1.jpg`, `katzen/2.jpg`, "
        "..., `hunde/1.jpg`, ...",
    "Check the data": "Daten prüfen",
    "Images per class and split": "Bilder pro Klasse und Teil",
    "train": "Training",
    "validation": "Validierung",
    "test": "Test",
    "**{classes} classes**: {train} images to train on, {val} to pick the best epoch (validation) and {test} kept "
    "apart for the final test.":
        "**{classes} Klassen**: {train} Bilder zum Trainieren, {val} zur Wahl der besten Epoche (Validierung) und "
        "{test} zurückgehalten für den abschließenden Test.",
    "Left out {count} file(s) that are not a readable image: {files}{more}":
        "{count} Datei(en) weggelassen, die kein lesbares Bild sind: {files}{more}",
    "Left out {count} exact duplicate(s), so no photo is both trained on and tested: {files}{more}":
        "{count} exakte(s) Duplikat(e) weggelassen, damit kein Foto zugleich trainiert und getestet wird: "
        "{files}{more}",
    "No problems found.": "Keine Probleme gefunden.",
    "Choose where the images are: your own classes, or upload a zip of class folders.":
        "Wählen Sie, wo die Bilder sind: Ihre eigenen Klassen, oder laden Sie eine Zip-Datei mit Klassenordnern hoch.",
    "Downloading Oxford-IIIT Pet (about {megabytes} MB): this takes several minutes.":
        "Oxford-IIIT Pet wird heruntergeladen (etwa {megabytes} MB): Das dauert einige Minuten.",
    "Check the data in step 1 (Data) first.": "Prüfen Sie zuerst in Schritt 1 (Daten) die Daten.",
    "37 breeds": "37 Rassen",
    "Cat or dog": "Katze oder Hund",
    "Images per class (0 = all)": "Bilder pro Klasse (0 = alle)",
    "Fewer images train faster; more images score higher.":
        "Weniger Bilder trainieren schneller, mehr Bilder erreichen eine höhere Genauigkeit.",
    "One training image per class": "Ein Trainingsbild pro Klasse",
    "Next: model and method": "Weiter: Modell und Methode",
    "2. Model & method": "2. Modell & Methode",
    "The network whose ImageNet knowledge is reused.": "Das Netz, dessen ImageNet-Wissen wiederverwendet wird.",
    "Method": "Methode",
    "Feature extraction: frozen network, train only a new last layer on cached features (fast)":
        "Merkmalsextraktion: eingefrorenes Netz, nur eine neue letzte Schicht auf zwischengespeicherten Merkmalen "
        "trainieren (schnell)",
    "Fine-tune the last blocks plus a new last layer, with augmentation (slower)":
        "Feinabstimmung der letzten Blöcke und einer neuen letzten Schicht, mit Datenaugmentierung (langsamer)",
    "Fine-tune the whole network, with augmentation (slowest)":
        "Feinabstimmung des ganzen Netzes, mit Datenaugmentierung (am langsamsten)",
    "* **Feature extraction** runs the frozen network once per image, remembers its 1280 numbers per image "
    "(\"features\"), and trains only a new last layer on them: seconds on a laptop, and the best choice for small "
    "datasets.\n* **Fine-tuning the last blocks** also adjusts the last stages of the network, more slowly than the "
    "new layer, on randomly cropped and flipped images: minutes, can gain a little with more data.\n"
    "* **Full fine-tuning** adjusts every weight: slowest, needs the most data to pay off.":
        "* **Merkmalsextraktion** lässt das eingefrorene Netz einmal pro Bild laufen, merkt sich seine 1280 Zahlen "
        "pro Bild („Merkmale“) und trainiert darauf nur eine neue letzte Schicht: Sekunden auf einem Laptop und die "
        "beste Wahl für kleine Datensätze.\n* **Feinabstimmung der letzten Blöcke** passt auch die letzten Stufen des "
        "Netzes an, langsamer als die neue Schicht, auf zufällig zugeschnittenen und gespiegelten Bildern: Minuten, "
        "mit mehr Daten etwas genauer.\n* **Vollständige Feinabstimmung** passt jedes Gewicht an: am langsamsten, "
        "lohnt sich erst mit den meisten Daten.",
    "Epochs": "Epochen",
    "How many times training goes over all training images.": "Wie oft das Training alle Trainingsbilder durchläuft.",
    "Learning rate": "Lernrate",
    "Step size: too high is unstable, too low learns slowly.":
        "Schrittweite: zu hoch wird instabil, zu niedrig lernt langsam.",
    "Batch size": "Batchgröße",
    "Images per training step.": "Bilder pro Trainingsschritt.",
    "Augmentation": "Datenaugmentierung",
    "Mirror images (and random crops when fine-tuning) so the model sees more variety.":
        "Bilder spiegeln (und bei der Feinabstimmung zufällig zuschneiden), damit das Modell mehr Vielfalt sieht.",
    "Seed": "Startwert (Seed)",
    "Same seed, same result.": "Gleicher Startwert, gleiches Ergebnis.",
    "Next: train": "Weiter: trainieren",
    "3. Train": "3. Trainieren",
    "Start training": "Training starten",
    "Stop": "Anhalten",
    "Press **Start training**.": "Klicken Sie auf **Training starten**.",
    "Loss (lower is better)": "Verlust (niedriger ist besser)",
    "Accuracy": "Genauigkeit",
    "epoch": "Epoche",
    "loss": "Verlust",
    "accuracy": "Genauigkeit",
    "curve": "Kurve",
    "train loss": "Training",
    "val loss": "Validierung",
    "train accuracy": "Training",
    "val accuracy": "Validierung",
    "Run {number} done in {seconds} s{stopped}: test accuracy **{accuracy}** (details in step 4).":
        "Lauf {number} fertig in {seconds} s{stopped}: Testgenauigkeit **{accuracy}** (Details in Schritt 4).",
    "**Reading the curves:** {reading}": "**So lesen sich die Kurven:** {reading}",
    "Next: evaluate": "Weiter: auswerten",
    "Your runs in this session (newest last)": "Ihre Läufe in dieser Sitzung (neuester zuletzt)",
    "Show run": "Lauf anzeigen",
    "Run {number}": "Lauf {number}",
    "run": "Lauf",
    "classes": "Klassen",
    "method": "Methode",
    "network": "Netz",
    "settings": "Einstellungen",
    "test accuracy": "Testgenauigkeit",
    "seconds": "Sekunden",
    "feature extraction": "Merkmalsextraktion",
    "fine-tuning the last blocks": "Feinabstimmung der letzten Blöcke",
    "full fine-tuning": "vollständige Feinabstimmung",
    "Fine-tuning the last blocks": "Feinabstimmung der letzten Blöcke",
    "Full fine-tuning": "Vollständige Feinabstimmung",
    "Fine-tune the last blocks plus a new last layer": "Feinabstimmung der letzten Blöcke und einer neuen letzten "
                                                       "Schicht",
    "{epochs} epochs, lr {lr}, batch {batch}, no augmentation":
        "{epochs} Epochen, lr {lr}, Batch {batch}, ohne Datenaugmentierung",
    "{epochs} epochs, lr {lr}, batch {batch}": "{epochs} Epochen, lr {lr}, Batch {batch}",
    "## Run {number}: test accuracy {accuracy}\n{mistakes} mistakes on {images} test images the model never saw during "
    "training ({method} of {network}, {how}, {seconds} s){stopped}.":
        "## Lauf {number}: Testgenauigkeit {accuracy}\n{mistakes} Fehler bei {images} Testbildern, die das Modell "
        "beim Training nie gesehen hat ({method} von {network}, {how}, {seconds} s){stopped}.",
    "best epoch {best} of {epochs}": "beste Epoche {best} von {epochs}",
    "L2 strength {l2} chosen by cross-validation": "L2-Stärke {l2}, per Kreuzvalidierung gewählt",
    "Training done; now measuring how many photos per class it needs ...":
        "Training fertig; jetzt wird gemessen, wie viele Fotos pro Klasse es braucht ...",
    "Fitting with fewer photos": "Anpassen mit weniger Fotos",
    "How many photos do I need?": "Wie viele Fotos brauche ich?",
    "photos per class": "Fotos pro Klasse",
    "mean": "Mittelwert",
    "worst draw": "schlechteste Ziehung",
    "best draw": "beste Ziehung",
    "**How many photos do I need?** The new last layer fitted again on fewer training photos per class: {first} of "
    "the test images right with {few} per class, {last} with all {all}; {trend}.":
        "**Wie viele Fotos brauche ich?** Die neue letzte Schicht, erneut angepasst mit weniger Trainingsfotos pro "
        "Klasse: {first} der Testbilder richtig mit {few} pro Klasse, {last} mit allen {all}; {trend}.",
    "it still rises at the end: more photos would very likely help":
        "sie steigt am Ende noch: mehr Fotos würden sehr wahrscheinlich helfen",
    "it has levelled off: more photos of the same kind would help little":
        "sie ist abgeflacht: mehr Fotos derselben Art würden wenig helfen",
    "To compare, go back to step 2 and train with *{method}*: the table above keeps every run.":
        "Zum Vergleich gehen Sie zurück zu Schritt 2 und trainieren mit *{method}*: Die Tabelle oben behält jeden "
        "Lauf.",
    "Train once more with *feature extraction* (step 2) on the same data and network to see whether {method} paid "
    "off.":
        "Trainieren Sie noch einmal mit *Merkmalsextraktion* (Schritt 2) auf denselben Daten und demselben Netz, um "
        "zu sehen, ob sich {method} gelohnt hat.",
    "**{method} did not beat feature extraction on this data**: run {run} scored {ours} in {seconds} s, run {head} "
    "(feature extraction) {theirs} in {head_seconds} s. With {images} training images, the frozen ImageNet features "
    "generalise better than weights retrained on so few examples.":
        "**{method} war auf diesen Daten nicht besser als die Merkmalsextraktion**: Lauf {run} erreichte {ours} in "
        "{seconds} s, Lauf {head} (Merkmalsextraktion) {theirs} in {head_seconds} s. Bei {images} Trainingsbildern "
        "verallgemeinern die eingefrorenen ImageNet-Merkmale besser als Gewichte, die auf so wenigen Beispielen neu "
        "trainiert wurden.",
    "{method} beat feature extraction by {points} points (run {run}: {ours} in {seconds} s; run {head}: {theirs} in "
    "{head_seconds} s). With {images} test images, a difference of one or two images is within chance.":
        "{method} war um {points} Prozentpunkte besser als die Merkmalsextraktion (Lauf {run}: {ours} in {seconds} s; "
        "Lauf {head}: {theirs} in {head_seconds} s). Bei {images} Testbildern liegt ein Unterschied von ein oder "
        "zwei Bildern im Rahmen des Zufalls.",
    "**No mistakes**: every test image was classified correctly.":
        "**Keine Fehler**: Jedes Testbild wurde richtig klassifiziert.",
    "4. Evaluate": "4. Auswerten",
    "Train a model first.": "Trainieren Sie zuerst ein Modell.",
    "Confusion matrix (rows: true class, columns: predicted)":
        "Konfusionsmatrix (Zeilen: wahre Klasse, Spalten: vorhergesagte)",
    "Per-class test accuracy (worst first)": "Testgenauigkeit pro Klasse (schlechteste zuerst)",
    "class": "Klasse",
    "test images": "Testbilder",
    "correct": "richtig",
    "Mistakes: true → predicted (confidence)": "Fehler: wahr → vorhergesagt (Konfidenz)",
    "{true} → {predicted} ({confidence})": "{true} → {predicted} ({confidence})",
    "Next: use it": "Weiter: verwenden",
    "5. Use it": "5. Verwenden",
    "Try your model: upload, paste or snap a photo and its answer appears at once.":
        "Probieren Sie Ihr Modell aus: Laden Sie ein Foto hoch, fügen Sie es ein oder nehmen Sie eines auf, und die "
        "Antwort erscheint sofort.",
    "Test photos it never trained on: click one": "Testfotos, mit denen es nie trainiert hat: eines anklicken",
    "Download run {number} (.zip)": "Lauf {number} herunterladen (.zip)",
    "**Download** a zip with one folder in timm's format: `model.safetensors` (the weights),\n`config.json` (the "
    "class names and how photos are resized), a model card `README.md` and `transfer_lab.json`\n(the test scores). "
    "Unzip it, then in Python:\n\n```python\nimport timm, transfer\nfolder = \"{folder}\"   # the unzipped folder\n"
    "transfer.predict(\"photo.jpg\", folder)   # top classes with their probabilities\n"
    "model = timm.create_model(\"local-dir:\" + folder, pretrained=True)   # or with timm alone\n```\n\n"
    "**Make ONNX file** exports the same model for ONNX Runtime, checked on the run's test photos.\n\n"
    "In this app the model is already in the **Classify**, **Ideal image** and **Adversarial** tabs' model lists "
    "(for\nyou only, until you close the page).":
        "**Herunterladen** liefert eine Zip-Datei mit einem Ordner im Format von timm: `model.safetensors` (die "
        "Gewichte), `config.json` (die Klassennamen und wie Fotos skaliert werden), eine Modellkarte `README.md` und "
        "`transfer_lab.json` (die Testergebnisse). Entpacken Sie sie, dann in Python:\n\n```python\n"
        "import timm, transfer\nfolder = \"{folder}\"   # der entpackte Ordner\n"
        "transfer.predict(\"foto.jpg\", folder)   # die wahrscheinlichsten Klassen mit ihren Wahrscheinlichkeiten\n"
        "model = timm.create_model(\"local-dir:\" + folder, pretrained=True)   # oder allein mit timm\n```\n\n"
        "**ONNX-Datei erstellen** exportiert dasselbe Modell für ONNX Runtime, geprüft an den Testfotos des Laufs."
        "\n\nIn dieser App steht das Modell schon in den Modelllisten der Tabs **Klassifizieren**, **Ideales Bild** "
        "und **Gegnerisches Beispiel** (nur für Sie, bis Sie die Seite schließen).",
    "Make ONNX file": "ONNX-Datei erstellen",
    "Download ONNX": "ONNX herunterladen",
    "Download run {number} (.onnx, {size} MB)": "Lauf {number} herunterladen (.onnx, {size} MB)",
    "Exporting to ONNX and checking the file with ONNX Runtime: this takes 10-30 seconds.":
        "Export nach ONNX und Prüfung der Datei mit ONNX Runtime: Das dauert 10-30 Sekunden.",
    "ONNX Runtime agrees with PyTorch on {share} of {count} test photos (largest logit difference {diff}).":
        "ONNX Runtime stimmt bei {share} von {count} Testfotos mit PyTorch überein (größte Logit-Abweichung "
        "{diff}).",
    "Your model says": "Ihr Modell sagt",
    "Classify with my model": "Mit meinem Modell klassifizieren",
    "Download model (.zip)": "Modell herunterladen (.zip)",
    # Fine-tune: messages
    "Ignored empty folder(s): {folders}": "Leere Ordner ignoriert: {folders}",
    "Loading the pretrained network": "Das vortrainierte Netz wird geladen",
    "Extracting features (once per image)": "Merkmalsextraktion (einmal pro Bild)",
    "Training": "Training",
    "Scoring images": "Bilder werden bewertet",
    "Training the new last layer": "Die neue letzte Schicht wird trainiert",
    "Epoch {epoch}/{epochs}: validation accuracy {accuracy}": "Epoche {epoch}/{epochs}: Validierungsgenauigkeit {accuracy}",
    "L2 strength {l2} ({step}/{steps}): validation accuracy {accuracy}":
        "L2-Stärke {l2} ({step}/{steps}): Validierungsgenauigkeit {accuracy}",
    "L2 strength, strong to weak": "L2-Stärke, stark bis schwach",
    "Stopped before the first epoch finished: nothing to keep. Press Start to train again.":
        "Vor dem Ende der ersten Epoche angehalten: nichts zu behalten. Klicken Sie erneut auf „Training starten“.",
    " (stopped early: the best epoch so far was kept)": " (vorzeitig angehalten: die bisher beste Epoche bleibt)",
    "Fine-tuned {run}": "Feinabgestimmt – {run}",
    "Run {number}: {classes} classes, {accuracy} ({method})": "Lauf {number}: {classes} Klassen, {accuracy} ({method})",
    "No epoch finished, so there are no curves to read.": "Keine Epoche wurde beendet, es gibt also keine Kurven zu "
                                                           "lesen.",
    "No validation images, so nothing shows over-fitting: the model of epoch {epoch}, the last, was kept; training "
    "accuracy reached {accuracy}.":
        "Keine Validierungsbilder, also zeigt nichts eine Überanpassung: Das Modell der Epoche {epoch}, der letzten, "
        "wurde behalten; die Trainingsgenauigkeit erreichte {accuracy}.",
    "Validation loss rose after epoch {epoch} and validation accuracy fell from {top} to {last}: more epochs would "
    "over-fit; {kept}.":
        "Der Validierungsverlust stieg nach Epoche {epoch}, und die Validierungsgenauigkeit fiel von {top} auf "
        "{last}: Mehr Epochen würden überanpassen; {kept}.",
    "Validation loss rose after epoch {epoch} while validation accuracy held at about {accuracy}: the model grew more "
    "sure of itself, not more often right; more epochs would start to over-fit; {kept}.":
        "Der Validierungsverlust stieg nach Epoche {epoch}, während die Validierungsgenauigkeit bei etwa {accuracy} "
        "blieb: Das Modell wurde sich sicherer, aber nicht öfter richtig; mehr Epochen würden anfangen "
        "überanzupassen; {kept}.",
    "Validation accuracy was still rising at the last epoch ({accuracy}): more epochs might help; {kept}.":
        "Die Validierungsgenauigkeit stieg in der letzten Epoche noch ({accuracy}): Mehr Epochen könnten helfen; "
        "{kept}.",
    "Every validation image was right from epoch {epoch} on: more epochs cannot show a gain here (more photos would "
    "make the test harder and the score more telling); {kept}.":
        "Ab Epoche {epoch} war jedes Validierungsbild richtig: Mehr Epochen können hier keinen Gewinn zeigen (mehr "
        "Fotos würden den Test schwerer und das Ergebnis aussagekräftiger machen); {kept}.",
    "The last layer was fitted at {count} L2 strengths, strongest first, each scored by cross-validation on the "
    "training photos: step {step} (L2 {l2}, {accuracy} of held-out photos right) had the lowest held-out loss and was "
    "kept{rest}":
        "Die letzte Schicht wurde mit {count} L2-Stärken angepasst, die stärkste zuerst, jede per Kreuzvalidierung auf "
        "den Trainingsfotos bewertet: Schritt {step} (L2 {l2}, {accuracy} der zurückgehaltenen Fotos richtig) hatte den "
        "kleinsten Verlust auf zurückgehaltenen Fotos und wurde behalten{rest}",
    "; weaker penalties fit the training photos more closely ({train}) without being right more often.":
        "; schwächere Strafen passen sich den Trainingsfotos enger an ({train}), ohne öfter richtig zu liegen.",
    "; weaker penalties fit the training photos more closely ({train}).":
        "; schwächere Strafen passen sich den Trainingsfotos enger an ({train}).",
    "Validation accuracy levelled off at about {accuracy}: more epochs would not help much; {kept}.":
        "Die Validierungsgenauigkeit pendelte sich bei etwa {accuracy} ein: Mehr Epochen würden kaum helfen; {kept}.",
    "Stopping after the current batch; the best epoch so far is kept.":
        "Das Training hält nach dem laufenden Batch an; die bisher beste Epoche bleibt erhalten.",
    "Train a model in step 3 first.": "Trainieren Sie zuerst in Schritt 3 ein Modell.",
    "A gallery's value must be a list of uploaded photos.":
        "Der Wert einer Galerie muss eine Liste hochgeladener Fotos sein.",
    "Images per class must be a whole number (0 for all).": "Bilder pro Klasse muss eine ganze Zahl sein (0 für alle).",
    "Upload a .zip first: one folder per class, each with that class's images.":
        "Laden Sie zuerst eine .zip-Datei hoch: ein Ordner pro Klasse, jeder mit den Bildern dieser Klasse.",
    "Epochs, batch size and seed must be whole numbers, the learning rate a number.":
        "Epochen, Batchgröße und Startwert müssen ganze Zahlen sein, die Lernrate eine Zahl.",
    "Unknown model: choose one from the list (a fine-tuned model is usable only in the browser session that trained "
    "it).":
        "Unbekanntes Modell: Wählen Sie eines aus der Liste (ein feinabgestimmtes Modell gibt es nur in der "
        "Browsersitzung, die es trainiert hat).",
    "This app offers only the models in its list: choose one of them (a fine-tuned model is usable only in the "
    "browser session that trained it).":
        "Diese App bietet nur die Modelle ihrer Liste an: Wählen Sie eines davon (ein feinabgestimmtes Modell gibt es "
        "nur in der Browsersitzung, die es trainiert hat).",
    # Ideal image
    "**What does the network think a Siamese cat looks like?** We start from random noise and change the *picture* "
    "(not the\nnetwork) step by step, always in the direction that makes the network more sure it sees your target "
    "class.\n- **Mode**: *natural* may only move detail around: how much fine and coarse detail the picture has stays "
    "that of real\n  photos, and the network sees random parts of it, so what grows looks like a photo. *Robust* "
    "builds the picture from\n  smooth waves shown shifted, scaled and rotated. *Lesson* changes the pixels directly: "
    "the network is soon sure, but\n  the picture mostly stays noise that fools only this one network.\n- **Steps**: "
    "how many changes it makes; watch the live preview grow.\n- **Total variation (TV)** measures how much "
    "neighbouring pixels differ: a noisy picture has a high TV, a smooth one a\n  low TV. Raising the *TV weight* "
    "punishes noise, so the picture becomes smoother (plainest in lesson mode; in natural\n  mode it turns the finest "
    "detail down).\n- **Where the picture matters** colours the parts whose changes moved the network most (red), over "
    "all steps. The **real\n  photos** are those at hand that the network finds most like the target: compare them with "
    "its dream. A **second\n  network**, never used for the optimisation, tells you whether the result is the class "
    "to other eyes too.":
        "**Wie stellt sich das Netz eine Siamkatze vor?** Wir beginnen mit zufälligem Rauschen und ändern Schritt "
        "für Schritt das *Bild* (nicht das Netz), immer in die Richtung, in der das Netz sicherer wird, Ihre "
        "Zielklasse zu sehen.\n- **Modus**: *Natürlich* darf Details nur verschieben: Wie viel feines und grobes "
        "Detail das Bild hat, bleibt wie bei echten Fotos, und das Netz sieht zufällige Ausschnitte davon, sodass das "
        "Entstehende wie ein Foto aussieht. *Robust* baut das Bild aus glatten Wellen auf, verschoben, skaliert und "
        "gedreht gezeigt. *Lektion* ändert die Pixel direkt: Das Netz ist bald sicher, aber das Bild bleibt meist "
        "Rauschen, das nur dieses eine Netz täuscht.\n- **Schritte**: wie viele Änderungen es macht; sehen Sie der "
        "Live-Vorschau beim Wachsen zu.\n- Die **Totalvariation (TV)** misst, wie stark sich benachbarte Pixel "
        "unterscheiden: Ein verrauschtes Bild hat eine hohe TV, ein glattes eine niedrige. Ein höheres *TV-Gewicht* "
        "bestraft Rauschen, das Bild wird glatter (am deutlichsten im Lektionsmodus; im natürlichen Modus dämpft es "
        "die feinsten Details).\n- **Wo das Bild zählt** färbt die Stellen, deren Änderungen das Netz über alle "
        "Schritte am stärksten bewegt haben (rot). Die **echten Fotos** sind die vorhandenen, die das Netz dem Ziel am "
        "ähnlichsten findet: Vergleichen Sie sie mit seinem Traum. Ein **zweites Netz**, nie für die Optimierung "
        "verwendet, zeigt, ob das Ergebnis auch für andere Augen die Klasse ist.",
    "Target class": "Zielklasse",
    "Type to search the network's classes (1000 for ImageNet networks).":
        "Tippen Sie, um die Klassen des Netzes zu durchsuchen (1000 bei ImageNet-Netzen).",
    "Natural (looks like a photo)": "Natürlich (sieht aus wie ein Foto)",
    "Robust (smooth waves)": "Robust (glatte Wellen)",
    "*Progress, then the result in words, show here.*": "*Hier erscheinen der Fortschritt und dann das Ergebnis in "
                                                        "Worten.*",
    "Where the picture matters": "Wo das Bild zählt",
    "Real photos the network finds most like the target": "Echte Fotos, die das Netz dem Ziel am ähnlichsten findet",
    "network {probability} sure · step {step}/{steps}": "Netz zu {probability} sicher · Schritt {step}/{steps}",
    "Done in {seconds} s: the network is {probability} sure it is **{name}**; {second}":
        "Fertig in {seconds} s: Das Netz ist zu {probability} sicher, dass es **{name}** ist; {second}",
    "the second network ranks {name} **#{rank}** of its classes ({score}).":
        "das zweite Netz setzt {name} auf **Platz {rank}** seiner Klassen ({score}).",
    "{name} is not in the second network's top 5.": "{name} ist nicht in den Top 5 des zweiten Netzes.",
    "the second network knows only ImageNet's classes: it sees **{name}**.":
        "das zweite Netz kennt nur die Klassen von ImageNet: Es sieht **{name}**.",
    "Ideal images: what the network dreamt up from noise in the Ideal image tab (click one)":
        "Ideale Bilder: was sich das Netz im Tab Ideales Bild aus Rauschen erträumt hat (eines anklicken)",
    "The natural-image spectrum {path} is missing: reinstall Transfer Lab or run `python -m scripts.make_spectrum`.":
        "Das Spektrum natürlicher Bilder {path} fehlt: Installieren Sie Transfer Lab neu oder führen Sie "
        "`python -m scripts.make_spectrum` aus.",
    "Mode": "Modus",
    "Lesson (plain pixels)": "Lektion (reine Pixel)",
    "Steps": "Schritte",
    "TV weight (smoothness)": "TV-Gewicht (Glätte)",
    "Advanced": "Erweitert",
    "Seed (another seed, another starting noise)": "Startwert (anderer Startwert, anderes Anfangsrauschen)",
    "Network": "Netz",
    "A catalog or timm model name, or the model you fine-tuned in this session.":
        "Ein Modell aus dem Katalog, ein timm-Modellname oder das Modell, das Sie in dieser Sitzung feinabgestimmt "
        "haben.",
    "Create ideal image": "Ideales Bild erzeugen",
    "Live preview": "Live-Vorschau",
    "Top-5 of the network that made it": "Top 5 des Netzes, das es erzeugt hat",
    "Top-5 of a second, independent network": "Top 5 eines zweiten, unabhängigen Netzes",
    "Download PNG": "PNG herunterladen",
    "target probability {probability}": "Wahrscheinlichkeit der Zielklasse {probability}",
    # Adversarial
    "**Fooling a network.** The same optimisation, started from a real photo, changes every pixel by at most *eps* "
    "(in\n1/255 of the brightness range: invisible to you) until the network sees the target class. The downloaded "
    "PNG is\nexactly the 8-bit image that was checked: classify it in the Classify tab and you get the same answer.\n"
    "*TV weight* makes the change smoother (fewer speckles), *steps* is how long it may try.":
        "**Ein Netz täuschen.** Dieselbe Optimierung, ausgehend von einem echten Foto, ändert jedes Pixel um "
        "höchstens *eps* (in 1/255 des Helligkeitsbereichs: für Sie unsichtbar), bis das Netz die Zielklasse sieht: "
        "ein gegnerisches Beispiel (Adversarial Example). Das heruntergeladene PNG ist genau das geprüfte 8-Bit-Bild: "
        "Klassifizieren Sie es im Tab „Klassifizieren“, und Sie erhalten dieselbe Antwort.\nDas *TV-Gewicht* macht "
        "die Änderung glatter (weniger Sprenkel), die *Schritte* legen fest, wie lange es versucht werden darf.",
    "Make the network see": "Das Netz soll sehen",
    "(untargeted) anything but the photo's class": "(ungezielt) alles außer der Klasse des Fotos",
    "Steps (at most)": "Schritte (höchstens)",
    "Keep going until the network is at least this sure (%)":
        "Weitermachen, bis das Netz mindestens so sicher ist (%)",
    "0: stop as soon as it is fooled. The lesson's cat reaches 87%.":
        "0: aufhören, sobald es getäuscht ist. Die Katze der Lektion erreicht 87 %.",
    "The picture of the change is amplified ×{factor} so that you can see it.":
        "Das Bild der Änderung ist {factor}-fach verstärkt, damit man sie sieht.",
    "*L-inf*: the most any one colour value of any pixel changed (out of 255). *L2*: the size of the whole change "
    "taken together (square root of the sum of squared changes, colours from 0 to 1). *PSNR*: how close the new "
    "photo is to the original; above about 40 dB people see no difference.":
        "*L-inf*: wie stark sich ein einzelner Farbwert eines Pixels höchstens geändert hat (von 255). *L2*: die "
        "Größe der ganzen Änderung zusammengenommen (Wurzel aus der Summe der quadrierten Änderungen, Farben von 0 "
        "bis 1). *PSNR*: wie nah das neue Foto am Original ist; ab etwa 40 dB sieht man keinen Unterschied.",
    "eps: largest change per pixel (in 1/255)": "eps: größte Änderung pro Pixel (in 1/255)",
    "TV weight (smoothness of the change)": "TV-Gewicht (Glätte der Änderung)",
    "Step size per step (in 1/255)": "Schrittweite pro Schritt (in 1/255)",
    "Create adversarial example": "Gegnerisches Beispiel erzeugen",
    "Original | adversarial (drag the handle)": "Original | gegnerisch (Regler ziehen)",
    "The change, amplified": "Die Änderung, verstärkt",
    "Before": "Vorher",
    "After (the saved PNG, classified again)": "Nachher (das gespeicherte PNG, neu klassifiziert)",
    "Download PNG (exactly the verified image)": "PNG herunterladen (genau das geprüfte Bild)",
    "Example photos (click one)": "Beispielfotos (zum Ausprobieren anklicken)",
    "Fooled": "Getäuscht",
    "Not fooled yet (try more steps or a larger eps)": "Noch nicht getäuscht (mehr Schritte oder ein größeres eps "
                                                       "versuchen)",
    "any other class": "jede andere Klasse",
    "no change": "keine Änderung",
    "{original} → **{adversarial}** ({score}), aiming at {goal}, after {steps} steps ({seconds} s), checked on the "
    "saved PNG.":
        "{original} → **{adversarial}** ({score}), Ziel: {goal}, nach {steps} Schritten ({seconds} s), geprüft am "
        "gespeicherten PNG.",
    "| largest change (L-inf) | total change (L2) | PSNR |": "| größte Änderung (L-inf) | gesamte Änderung (L2) | PSNR |",
    "| {linf}/255 | {l2} | {psnr} |": "| {linf}/255 | {l2} | {psnr} |",
    "{decibels} dB": "{decibels} dB",
    # Names of settings in the library's messages
    "steps": "Schritte",
    "tv_weight": "TV-Gewicht",
    "eps": "eps",
    "learning rate": "Lernrate",
    "image size": "Bildgröße",
    "seed": "Startwert",
    "epochs": "Epochen",
    "batch_size": "Batchgröße",
    # The library's messages (transfer/), in the order of its modules
    "{name} must be a whole number from {low} to {high}, got {value}.":
        "Der Wert „{name}“ muss eine ganze Zahl von {low} bis {high} sein, nicht {value}.",
    "{name} must be a number from {low} up to {high}, got {value}.":
        "Der Wert „{name}“ muss eine Zahl von {low} bis höchstens {high} sein, nicht {value}.",
    "preprocessing must be a mapping of input_size, crop_pct, interpolation, mean and std.":
        "Die Vorverarbeitung muss input_size, crop_pct, interpolation, mean und std angeben.",
    "preprocessing lacks {keys}.": "In der Vorverarbeitung fehlt {keys}.",
    "preprocessing input_size must be a whole number from {low} to {high}, got {value}.":
        "input_size der Vorverarbeitung muss eine ganze Zahl von {low} bis {high} sein, nicht {value}.",
    "preprocessing crop_pct must be a number from {low} to {high}, got {value}.":
        "crop_pct der Vorverarbeitung muss eine Zahl von {low} bis {high} sein, nicht {value}.",
    "preprocessing interpolation must be one of {choices}, got {value}.":
        "interpolation der Vorverarbeitung muss eines von {choices} sein, nicht {value}.",
    "preprocessing {key} must be 3 numbers (one per RGB channel{above}), got {value}.":
        "{key} der Vorverarbeitung muss aus 3 Zahlen bestehen (eine pro RGB-Kanal{above}), nicht {value}.",
    ", each above 0": ", jede über 0",
    "Unknown task '{task}': use one of {choices}.": "Unbekannte Aufgabe '{task}': Verwenden Sie eine von {choices}.",
    "Images per class must be a whole number of at least 2 (or empty for all), got {value}.":
        "Bilder pro Klasse muss eine ganze Zahl von mindestens 2 sein (oder leer für alle), nicht {value}.",
    "{name} must be a fraction from 0 to 0.9, got {value}.":
        "Der Wert „{name}“ muss ein Anteil von 0 bis 0,9 sein, nicht {value}.",
    "No dataset given: give the Oxford-IIIT Pet folder, a folder of class folders, or a .zip.":
        "Kein Datensatz angegeben: Geben Sie den Oxford-IIIT-Pet-Ordner, einen Ordner mit Klassenordnern oder eine "
        ".zip-Datei an.",
    "{name} is not a zip file: give a .zip of class folders, or a folder.":
        "{name} ist keine Zip-Datei: Geben Sie eine .zip-Datei mit Klassenordnern oder einen Ordner an.",
    "Dataset not found at '{path}'. Give an existing folder or .zip (or ask for the Oxford-IIIT Pet download, about "
    "{megabytes} MB).":
        "Kein Datensatz unter '{path}'. Geben Sie einen vorhandenen Ordner oder eine .zip-Datei an (oder wählen Sie "
        "den Download von Oxford-IIIT Pet, etwa {megabytes} MB).",
    "No dataset folder given.": "Kein Datensatzordner angegeben.",
    "'{path}' is not a usable path ({reason}).": "'{path}' ist kein nutzbarer Pfad ({reason}).",
    "Datasets on this server can only be opened inside: {places}. Upload a zip instead, or start the app with "
    "--data-root FOLDER.":
        "Datensätze auf diesem Server lassen sich nur hier öffnen: {places}. Laden Sie stattdessen eine Zip-Datei "
        "hoch oder starten Sie die App mit --data-root ORDNER.",
    "'{path}' looks like Oxford-IIIT Pet but cannot be read ({reason}).":
        "'{path}' sieht aus wie Oxford-IIIT Pet, lässt sich aber nicht lesen ({reason}).",
    "Image {name} listed in the annotations is missing: the dataset is incomplete.":
        "Das Bild {name} aus den Annotationen fehlt: Der Datensatz ist unvollständig.",
    "No class folders in '{folder}': put each class's images in a sub-folder named after the class, e.g. cats/1.jpg, "
    "dogs/2.jpg ({reason}).":
        "Keine Klassenordner in '{folder}': Legen Sie die Bilder jeder Klasse in einen Unterordner mit dem Namen der "
        "Klasse, z. B. katzen/1.jpg, hunde/2.jpg ({reason}).",
    "Found {count} class folder(s) with images in '{folder}': a classifier needs at least 2 classes, each a "
    "sub-folder of JPEG/PNG/WebP images.":
        "{count} Klassenordner mit Bildern in '{folder}' gefunden: Ein Klassifikator braucht mindestens 2 Klassen, "
        "jede ein Unterordner mit JPEG-, PNG- oder WebP-Bildern.",
    "Found {count} classes; the limit is {limit}.": "{count} Klassen gefunden; die Grenze ist {limit}.",
    "You asked for {count} images per class, but {have}: all of them are used.":
        "Sie haben {count} Bilder pro Klasse gewählt, aber {have}: Alle werden verwendet.",
    "{classes} is much smaller than the other classes (typically {typical} images): the model will rarely answer "
    "it; add photos to balance the classes.":
        "{classes} ist deutlich kleiner als die anderen Klassen (typisch {typical} Bilder): Das Modell wird sie "
        "selten als Antwort geben; fügen Sie Fotos hinzu, um die Klassen auszugleichen.",
    "{classes} are much smaller than the other classes (typically {typical} images): the model will rarely answer "
    "them; add photos to balance the classes.":
        "{classes} sind deutlich kleiner als die anderen Klassen (typisch {typical} Bilder): Das Modell wird sie "
        "selten als Antwort geben; fügen Sie Fotos hinzu, um die Klassen auszugleichen.",
    "{classes}: fewer than {count} images per class train a less reliable model.":
        "{classes}: Weniger als {count} Bilder pro Klasse ergeben ein weniger zuverlässiges Modell.",
    "Only {count} test image{s} in some classes: each test image moves the test accuracy by a big step, so the score "
    "is rough.":
        "Nur {count} Testbild(er) in manchen Klassen: Jedes Testbild verschiebt die Testgenauigkeit um einen großen "
        "Schritt, das Ergebnis ist also grob.",
    "Two classes are named '{name}': give each class its own name.":
        "Zwei Klassen heißen '{name}': Geben Sie jeder Klasse einen eigenen Namen.",
    "A classifier needs at least 2 classes; there is {count}: add another class with its photos.":
        "Ein Klassifikator braucht mindestens 2 Klassen; es gibt {count}: Fügen Sie eine weitere Klasse mit ihren "
        "Fotos hinzu.",
    "A classifier needs at least 2 classes; there are {count}: add another class with its photos.":
        "Ein Klassifikator braucht mindestens 2 Klassen; es gibt {count}: Fügen Sie eine weitere Klasse mit ihren "
        "Fotos hinzu.",
    "{count} classes; the limit is {limit}.": "{count} Klassen; die Grenze ist {limit}.",
    "Each class needs at least {least} photos ({enough} or more works much better): {short}.":
        "Jede Klasse braucht mindestens {least} Fotos ({enough} oder mehr funktionieren viel besser): {short}.",
    "Photo '{file}' of class '{name}' was not found: add it again.":
        "Das Foto '{file}' der Klasse '{name}' wurde nicht gefunden: Fügen Sie es erneut hinzu.",
    "Photo '{file}' of class '{name}' is larger than {limit} MB: use a smaller image.":
        "Das Foto '{file}' der Klasse '{name}' ist größer als {limit} MB: Verwenden Sie ein kleineres Bild.",
    "Every class needs a name: type one into its name box.":
        "Jede Klasse braucht einen Namen: Tippen Sie ihn in ihr Namensfeld.",
    "The class name '{name}...' is longer than {limit} characters: use a shorter one.":
        "Der Klassenname '{name}...' ist länger als {limit} Zeichen: Verwenden Sie einen kürzeren.",
    "The class name '{name}' may use only letters, digits, spaces and - _ ' . ( ) &, and must start with a letter or "
    "digit.":
        "Der Klassenname '{name}' darf nur Buchstaben, Ziffern, Leerzeichen und - _ ' . ( ) & enthalten und muss mit "
        "einem Buchstaben oder einer Ziffer beginnen.",
    "Class(es) {classes} have fewer than {least} images{because}: add at least {least2} per class ({enough} or more "
    "works much better).":
        "Klasse(n) {classes} haben weniger als {least} Bilder{because}: Fügen Sie mindestens {least2} pro Klasse "
        "hinzu ({enough} oder mehr funktionieren viel besser).",
    "The dataset has {count} images; the limit is {limit}. Set a cap on images per class for a quicker run.":
        "Der Datensatz hat {count} Bilder; die Grenze ist {limit}. Begrenzen Sie die Bilder pro Klasse für einen "
        "schnelleren Lauf.",
    "{name} is not a readable image: remove it or replace it with a JPEG/PNG/WebP photo.":
        "{name} ist kein lesbares Bild: Entfernen Sie es oder ersetzen Sie es durch ein JPEG-, PNG- oder WebP-Foto.",
    "{archive}: entry '{entry}' points outside the archive folder.":
        "{archive}: Der Eintrag '{entry}' zeigt aus dem Archivordner hinaus.",
    "{name} is not a readable zip file ({reason}).": "{name} ist keine lesbare Zip-Datei ({reason}).",
    "{name} has {count} entries; the limit is {limit}.": "{name} hat {count} Einträge; die Grenze ist {limit}.",
    "{archive}: entry '{entry}' has an absolute path; zip the class folders only.":
        "{archive}: Der Eintrag '{entry}' hat einen absoluten Pfad; packen Sie nur die Klassenordner.",
    "{archive}: entry '{entry}' tries to leave the archive folder ('..').":
        "{archive}: Der Eintrag '{entry}' versucht, den Archivordner zu verlassen ('..').",
    "{archive}: entry '{entry}' is a symbolic link; links are not accepted.":
        "{archive}: Der Eintrag '{entry}' ist ein symbolischer Link; Links werden nicht angenommen.",
    "{name} would unpack to more than {limit} MB, the limit here: use fewer or smaller images (JPEG, not BMP), or "
    "give a folder instead.":
        "{name} würde entpackt mehr als {limit} MB belegen, die Grenze hier: Verwenden Sie weniger oder kleinere "
        "Bilder (JPEG, nicht BMP) oder geben Sie stattdessen einen Ordner an.",
    "The photos add up to more than {limit} MB, the limit here: use fewer or smaller photos.":
        "Die Fotos belegen zusammen mehr als {limit} MB, die Grenze hier: Verwenden Sie weniger oder kleinere Fotos.",
    "Class '{name}' has {count} photos; the limit is {limit} per class: for more, upload a .zip of class folders.":
        "Die Klasse '{name}' hat {count} Fotos; die Grenze ist {limit} pro Klasse: Für mehr laden Sie eine .zip-Datei "
        "mit Klassenordnern hoch.",
    "{count} photo(s) were given more than once and count once.":
        "{count} Foto(s) wurden mehrfach angegeben und zählen nur einmal.",
    "The images have more than {limit} megapixels to check, the limit here: use fewer or smaller images (JPEG "
    "photos count 1/64 of their pixels).":
        "Die Bilder haben mehr als {limit} Megapixel zu prüfen, die Grenze hier: Verwenden Sie weniger oder kleinere "
        "Bilder (JPEG-Fotos zählen mit 1/64 ihrer Pixel).",
    "Checking the data took longer than {seconds} s, the limit here: use fewer or smaller images.":
        "Die Prüfung der Daten dauerte länger als {seconds} s, die Grenze hier: Verwenden Sie weniger oder kleinere "
        "Bilder.",
    "Image is {width}x{height} pixels of mode {mode}: decoded it would take {size} MB; the limit is {limit} MB. Save "
    "it as an 8-bit RGB JPEG or PNG, or resize it, and try again.":
        "Das Bild hat {width}x{height} Pixel im Modus {mode}: Dekodiert würde es {size} MB belegen; die Grenze ist "
        "{limit} MB. Speichern Sie es als 8-Bit-RGB-JPEG oder -PNG oder verkleinern Sie es und versuchen Sie es "
        "erneut.",
    "The server has no room for new data right now (other visitors' files fill its disk): try again in a while, use "
    "a smaller dataset, or use Oxford-IIIT Pet, which needs no room.":
        "Der Server hat gerade keinen Platz für neue Daten (die Dateien anderer Besucher füllen seinen Speicher): "
        "Versuchen Sie es später erneut, verwenden Sie einen kleineren Datensatz oder Oxford-IIIT Pet, das keinen "
        "Platz braucht.",
    "Your sessions on this server already use {used} MB, the limit for one address is {limit} MB: close other tabs "
    "of this app (their files are deleted an hour after their last use), or use a smaller dataset.":
        "Ihre Sitzungen auf diesem Server belegen schon {used} MB, die Grenze für eine Adresse ist {limit} MB: "
        "Schließen Sie andere Tabs dieser App (ihre Dateien werden eine Stunde nach der letzten Nutzung gelöscht) "
        "oder verwenden Sie einen kleineren Datensatz.",
    "This session's data and models already use {used} MB, the limit is {limit} MB: reload the page to start a new "
    "session, or use a smaller dataset.":
        "Die Daten und Modelle dieser Sitzung belegen schon {used} MB, die Grenze ist {limit} MB: Laden Sie die Seite "
        "neu, um eine neue Sitzung zu beginnen, oder verwenden Sie einen kleineren Datensatz.",
    "{archive}: entry '{entry}' is compressed {ratio} times (the limit is {limit}): refused as a possible zip bomb.":
        "{archive}: Der Eintrag '{entry}' ist {ratio}-fach komprimiert (die Grenze ist {limit}): abgelehnt als "
        "mögliche Zip-Bombe.",
    "{name} unpacks to over {limit} times its own size: refused as a possible zip bomb.":
        "{name} wird entpackt mehr als {limit}-mal so groß: abgelehnt als mögliche Zip-Bombe.",
    "{archive}: {where} cannot be extracted ({reason}): use short file names, and no file and folder of the same "
    "name.":
        "{archive}: {where} lässt sich nicht entpacken ({reason}): Verwenden Sie kurze Dateinamen und keine Datei "
        "und keinen Ordner gleichen Namens.",
    "No readable images left in '{root}' ({count} unreadable): the dataset is damaged.":
        "In '{root}' sind keine lesbaren Bilder übrig ({count} unlesbar): Der Datensatz ist beschädigt.",
    "This file was not uploaded to this app: upload it again (API: send it with gradio_client's handle_file, which "
    "uploads it first).":
        "Diese Datei wurde nicht in diese App hochgeladen: Laden Sie sie erneut hoch (API: senden Sie sie mit "
        "handle_file von gradio_client, das sie zuerst hochlädt).",
    "Stopped after {steps} steps at the {limit} s time limit.":
        "Nach {steps} Schritten an der Zeitgrenze von {limit} s angehalten.",
    "{name} contains no images (JPEG, PNG, WebP, ...): zip a folder with one sub-folder of images per class.":
        "{name} enthält keine Bilder (JPEG, PNG, WebP, ...): Packen Sie einen Ordner mit einem Unterordner voller "
        "Bilder pro Klasse.",
    "{archive}: entry '{entry}' is larger than its header says: refused.":
        "{archive}: Der Eintrag '{entry}' ist größer als sein Header angibt: abgelehnt.",
    "Cannot reach {host} to download Oxford-IIIT Pet (about {megabytes} MB): connect to the internet, or give a local "
    "copy / a zip of your own class folders.":
        "{host} ist nicht erreichbar, um Oxford-IIIT Pet herunterzuladen (etwa {megabytes} MB): Verbinden Sie sich "
        "mit dem Internet oder geben Sie eine lokale Kopie bzw. eine Zip-Datei mit eigenen Klassenordnern an.",
    "Downloading Oxford-IIIT Pet failed ({reason}). Check the connection and free disk space (about {megabytes} MB "
    "needed), then try again.":
        "Der Download von Oxford-IIIT Pet ist fehlgeschlagen ({reason}). Prüfen Sie die Verbindung und den freien "
        "Speicherplatz (etwa {megabytes} MB nötig) und versuchen Sie es erneut.",
    "Expected logits of shape ({samples}, {classes}), got {shape}.":
        "Logits der Form ({samples}, {classes}) erwartet, erhalten: {shape}.",
    "The dataset's classes differ from the model's: evaluate a model trained on this dataset.":
        "Die Klassen des Datensatzes weichen von denen des Modells ab: Werten Sie ein Modell aus, das auf diesem "
        "Datensatz trainiert wurde.",
    "Grad-CAM needs a convolutional network; {model} has no spatial feature map.":
        "Grad-CAM braucht ein faltendes Netz; {model} hat keine räumliche Merkmalskarte.",
    "class_index must be from 0 to {high}, got {value}.": "class_index muss von 0 bis {high} reichen, nicht {value}.",
    "{model} does not list its feature layers.": "{model} nennt seine Merkmalsschichten nicht.",
    "Unknown layer '{layer}' for {model}; choose one of: {choices}.":
        "Unbekannte Schicht '{layer}' für {model}; wählen Sie eine von: {choices}.",
    "channels must be from 1 to 64, got {value}.": "channels muss von 1 bis 64 reichen, nicht {value}.",
    "No fine-tuned model folder at '{folder}'. Use a catalog model name or a folder written by `python -m transfer "
    "finetune --out DIR`.":
        "Kein Ordner mit feinabgestimmtem Modell unter '{folder}'. Verwenden Sie einen Modellnamen aus dem Katalog "
        "oder einen Ordner von `python -m transfer finetune --out DIR`.",
    "'{folder}' has no {file}: the export is incomplete.": "'{folder}' enthält keine {file}: Der Export ist unvollständig.",
    "The weights in '{folder}' do not fit a {architecture} with {classes} classes: {reason}":
        "Die Gewichte in '{folder}' passen nicht zu einem {architecture} mit {classes} Klassen: {reason}",
    "'{folder}' has no {file}: it is not a Transfer Lab model folder.":
        "'{folder}' enthält keine {file}: Das ist kein Modellordner von Transfer Lab.",
    "{path} is not valid JSON ({reason}).": "{path} ist kein gültiges JSON ({reason}).",
    "{path}: unknown architecture {architecture}.": "{path}: unbekannte Architektur {architecture}.",
    "'{folder}' is not a Transfer Lab model folder: it has no {file} beside its {config}.":
        "'{folder}' ist kein Modellordner von Transfer Lab: Neben seiner {config} fehlt {file}.",
    "'{folder}' uses format {format} version {version}; this version of Transfer Lab reads {expected} versions 1 "
    "and {supported}.":
        "'{folder}' nutzt Format {format} in Version {version}; diese Version von Transfer Lab liest {expected} in "
        "den Versionen 1 und {supported}.",
    "'{folder}' uses format version {version}; this version of Transfer Lab reads versions 1 and {supported}.":
        "'{folder}' nutzt Formatversion {version}; diese Version von Transfer Lab liest die Versionen 1 und "
        "{supported}.",
    "{path}: 'num_classes' or 'model_args' do not fit {classes} RGB classes.":
        "{path}: 'num_classes' oder 'model_args' passen nicht zu {classes} RGB-Klassen.",
    "{path} is not a JSON object: it is not a Transfer Lab model folder.":
        "{path} ist kein JSON-Objekt: Das ist kein Modellordner von Transfer Lab.",
    "{path}: '{key}' must be a list of 2 to {limit} class names.":
        "{path}: '{key}' muss eine Liste von 2 bis {limit} Klassennamen sein.",
    "{path}: crop_mode {mode} is not supported (only 'center').":
        "{path}: crop_mode {mode} wird nicht unterstützt (nur 'center').",
    "{path}: timm cannot build the model it describes ({reason}).":
        "{path}: timm kann das beschriebene Modell nicht bauen ({reason}).",
    "The repository must look like USER/NAME (letters, digits, '-', '_', '.'), got {value}.":
        "Das Repository muss wie NUTZER/NAME aussehen (Buchstaben, Ziffern, '-', '_', '.'), nicht {value}.",
    "Cannot upload to the Hugging Face Hub: {reason}. Connect to the internet and try again; nothing was uploaded.":
        "Hochladen auf den Hugging Face Hub nicht möglich: {reason}. Verbinden Sie sich mit dem Internet und "
        "versuchen Sie es erneut; es wurde nichts hochgeladen.",
    "No Hugging Face token: run `hf auth login` or set HF_TOKEN to a token with write access, then try again. "
    "Nothing was uploaded.":
        "Kein Hugging-Face-Token: Führen Sie `hf auth login` aus oder setzen Sie HF_TOKEN auf ein Token mit "
        "Schreibrecht, dann versuchen Sie es erneut. Es wurde nichts hochgeladen.",
    "Upload to {repo} failed: {reason}": "Hochladen nach {repo} fehlgeschlagen: {reason}",
    "The ONNX file name must end in .onnx, got '{name}'.":
        "Der Name der ONNX-Datei muss auf .onnx enden, nicht '{name}'.",
    "Folder {folder} does not exist: create it or choose another path for the ONNX file.":
        "Der Ordner {folder} existiert nicht: Legen Sie ihn an oder wählen Sie einen anderen Pfad für die "
        "ONNX-Datei.",
    "The ONNX export does not match PyTorch (largest logit difference {diff}, top-1 agreement {agreement}): the "
    "file was not kept.":
        "Der ONNX-Export stimmt nicht mit PyTorch überein (größte Logit-Abweichung {diff}, Top-1-Übereinstimmung "
        "{agreement}): Die Datei wurde nicht behalten.",
    "Give 2 to {limit} images to check the ONNX file on (--images), got {count}.":
        "Geben Sie 2 bis {limit} Bilder an, an denen die ONNX-Datei geprüft wird (--images), nicht {count}.",
    "mode must be one of {choices}, got {value}.": "mode muss eines von {choices} sein, nicht {value}.",
    "No image given: upload a photo (JPEG, PNG, WebP, ...) first.":
        "Kein Bild angegeben: Laden Sie zuerst ein Foto hoch (JPEG, PNG, WebP, ...).",
    "Image file not found: {path}": "Bilddatei nicht gefunden: {path}",
    "{name} is empty (0 bytes): upload a real image file.": "{name} ist leer (0 Byte): Laden Sie eine echte Bilddatei hoch.",
    "{name} is larger than {limit} MB: use a smaller image.":
        "{name} ist größer als {limit} MB: Verwenden Sie ein kleineres Bild.",
    "{name} is too large to process safely: it claims far more than {limit} megapixels. Resize it and try again.":
        "{name} ist zu groß für eine sichere Verarbeitung: Es gibt weit mehr als {limit} Megapixel an. Verkleinern "
        "Sie es und versuchen Sie es erneut.",
    "{name} is not an image this app can read: use JPEG, PNG, WebP, GIF, BMP or TIFF.":
        "{name} ist kein Bild, das diese App lesen kann: Verwenden Sie JPEG, PNG, WebP, GIF, BMP oder TIFF.",
    "{name} is damaged or truncated and cannot be read ({reason}).":
        "{name} ist beschädigt oder abgeschnitten und lässt sich nicht lesen ({reason}).",
    "Image is {width}x{height} = {megapixels} megapixels; the limit is {limit} megapixels. Resize it and try again.":
        "Das Bild hat {width}x{height} = {megapixels} Megapixel; die Grenze ist {limit} Megapixel. Verkleinern Sie "
        "es und versuchen Sie es erneut.",
    "Image has no pixels.": "Das Bild hat keine Pixel.",
    "Expected an HxW or HxWx3/4 image array, got shape {shape}.":
        "Ein Bild-Array der Form HxW oder HxWx3/4 erwartet, erhalten: {shape}.",
    "Image array contains NaN or infinite values.": "Das Bild-Array enthält NaN oder unendliche Werte.",
    "No model name given.": "Kein Modellname angegeben.",
    "{model} has {count} tensors but {architecture} expects {expected}: the installed weights package does not "
    "match this architecture.":
        "{model} hat {count} Tensoren, aber {architecture} erwartet {expected}: Das installierte Gewichtspaket passt "
        "nicht zu dieser Architektur.",
    "Weight {name} {shape} does not fit {target} {expected}.": "Das Gewicht {name} {shape} passt nicht zu {target} "
                                                               "{expected}.",
    "Unknown model '{model}'. Use a timm model name such as 'resnet50.a1_in1k' (see "
    "timm.list_models(pretrained=True)) or an offline model: {models}.":
        "Unbekanntes Modell '{model}'. Verwenden Sie einen timm-Modellnamen wie 'resnet50.a1_in1k' (siehe "
        "timm.list_models(pretrained=True)) oder ein Offline-Modell: {models}.",
    "'{model}' needs its weights from the Hugging Face Hub, which cannot be reached from here: use an offline model "
    "({models}).":
        "'{model}' braucht seine Gewichte vom Hugging Face Hub, der von hier aus nicht erreichbar ist: Verwenden Sie "
        "ein Offline-Modell ({models}).",
    "Could not load pretrained weights for '{model}': {reason}":
        "Die vortrainierten Gewichte für '{model}' ließen sich nicht laden: {reason}",
    "'{model}' has no weights on the Hugging Face Hub, the only source this program downloads from: use another timm "
    "model or an offline model ({models}).":
        "'{model}' hat keine Gewichte auf dem Hugging Face Hub, der einzigen Quelle, von der dieses Programm lädt: "
        "Verwenden Sie ein anderes timm-Modell oder ein Offline-Modell ({models}).",
    "'{model}' has {count} million parameters, more than the {limit} million allowed here: choose a smaller model.":
        "'{model}' hat {count} Millionen Parameter, mehr als die hier erlaubten {limit} Millionen: Wählen Sie ein "
        "kleineres Modell.",
    "The weights of '{model}' are {size} MB, more than the {limit} MB allowed here: choose a smaller model.":
        "Die Gewichte von '{model}' sind {size} MB groß, mehr als die hier erlaubten {limit} MB: Wählen Sie ein "
        "kleineres Modell.",
    "Could not read the size of '{model}' on the Hugging Face Hub: {reason}":
        "Die Größe von '{model}' ließ sich auf dem Hugging Face Hub nicht lesen: {reason}",
    "'{model}' is not an ImageNet-1k classifier ({classes} classes).":
        "'{model}' ist kein ImageNet-1k-Klassifikator ({classes} Klassen).",
    "top_k must be a whole number from 1 to {high}, got {value}.":
        "top_k muss eine ganze Zahl von 1 bis {high} sein, nicht {value}.",
    "Give a target class by name (e.g. 'tabby cat') or index 0-{high}, got {value}.":
        "Geben Sie eine Zielklasse per Name (z. B. 'tabby cat') oder Index 0-{high} an, nicht {value}.",
    "Target class index must be from 0 to {high}, got {value}.":
        "Der Index der Zielklasse muss von 0 bis {high} reichen, nicht {value}.",
    "Target must be a class name or index, got {kind}.":
        "Das Ziel muss ein Klassenname oder ein Index sein, nicht {kind}.",
    "No target class given: type a class name such as 'tabby cat' or 'zebra'.":
        "Keine Zielklasse angegeben: Tippen Sie einen Klassennamen wie 'tabby cat' oder 'zebra'.",
    "Unknown target class {target}.{hint}": "Unbekannte Zielklasse {target}.{hint}",
    " Did you mean: {names}?": " Meinten Sie: {names}?",
    " Use one of the model's class names (e.g. 'tabby cat', 'zebra') or a class index.":
        " Verwenden Sie einen Klassennamen des Modells (z. B. 'tabby cat', 'zebra') oder einen Klassenindex.",
    "Unknown method '{method}': use one of {choices}.":
        "Unbekannte Methode '{method}': Verwenden Sie eine von {choices}.",
    "Start from a pretrained catalog model, not from an already fine-tuned folder.":
        "Beginnen Sie mit einem vortrainierten Modell aus dem Katalog, nicht mit einem bereits feinabgestimmten "
        "Ordner.",
    "The dataset needs at least 2 classes with training and test images.":
        "Der Datensatz braucht mindestens 2 Klassen mit Trainings- und Testbildern.",
}
#: Language code (as the browser's Settings offer it) -> English text or template -> text in that language.
CATALOGS: dict[str, dict[str, str]] = {"de": GERMAN}
#: Pieces that occur only inside other texts (a hole's value), never alone: listings, plurals, sentence parts.
GERMAN_PARTS: dict[str, str] = {
    "and": "und",
    "and {count} more": "und {count} weitere",
    "{count} more": "{count} weitere",
    "the classes have only {smallest} to {largest}": "die Klassen haben nur {smallest} bis {largest}",
    "the classes have only {smallest}": "die Klassen haben nur {smallest}",
    "{classes} has fewer": "{classes} hat weniger",
    "{classes} have fewer": "{classes} haben weniger",
    "no": "keine",
    "'{name}' has {count} photo{s}": "'{name}' hat {count} Foto{s}",
    "{count} more for {name}": "{count} weitere für {name}",
    "(no name)": "(ohne Namen)",
    "the model of epoch {epoch} ({accuracy} on validation images) was kept":
        "das Modell der Epoche {epoch} ({accuracy} auf den Validierungsbildern) wurde behalten",
    "after leaving out {what}": "nach dem Weglassen von {what}",
    "{count} file(s) that are not a readable image ({files}{more})":
        "{count} Datei(en), die kein lesbares Bild sind ({files}{more})",
    "{count} exact duplicate(s)": "{count} exakte(s) Duplikat(e)",
    "{name} (same as {other})": "{name} (wie {other})",
    "none configured": "keine eingerichtet",
    "the uploaded data": "die hochgeladenen Daten",
    "HF_HUB_OFFLINE is set": "HF_HUB_OFFLINE ist gesetzt",
    "huggingface.co cannot be reached from this machine": "huggingface.co ist von diesem Rechner aus nicht erreichbar",
}
#: Language code (as Gradio's Settings offer it) -> its pieces.
PARTS: dict[str, dict[str, str]] = {"de": GERMAN_PARTS}
