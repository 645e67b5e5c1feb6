"""The engine in a Gradio app: static texts become gr.I18n keys, handlers answer in the visitor's language.

Static texts (tab and step names, Markdown, labels, info, buttons, choices, plot and example titles): `localize()`
turns each of them into a `gr.I18n` key, the English text itself, once the Blocks are built, and `translations()`
gives the browser their translations; the page picks its language from the browser's, or from the one chosen under
Settings -> Language at the foot of the page.
Dynamic texts (handler results, gr.Error / gr.Info messages including the library's errors, progress
descriptions) are translated on the server at the UI edge, into the language the page shows (a library message a
handler returns, transfer.Message, by its template, then filled): a script in the page keeps it in a cookie (the
request's Accept-Language when there is none). Gradio's private API is used only through ui/server.py.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import gradio as gr
import pandas as pd
from PIL import Image
from gradio.blocks import Block
from gradio.i18n import I18nData

import transfer
from transfer import render
from ui import server
from ui.i18n.engine import (CATALOGS, LETTERS, SOURCE, class_name, html_text, lookup, markdown_text,
                             message_text, translate)

COOKIE = "transfer_lab_language"
#: Gradio's own texts: those its frontend looks up by key (e.g. "common.webcam") and lacks for a language go to the
#: browser with the app's (ui/locales/<language>.json "gradio"); those it writes without a key (an upload button's
#: tooltip, a toast's title, the wizard's "Step 3/5:" at phone width, "This application is currently busy") are
#: replaced in the page ("page": a text, or a template with {named} holes), as they appear.
FRONTEND_KEYS = {language: texts.get("gradio", {}) for language, texts in CATALOGS.items()} | {
    SOURCE: {"common.complete": "Complete", "common.webcam": "Webcam", "common.video": "Video",  # Gradio 6.31's
             "image.no_webcam_support": "This browser has no webcam support."}}  # English lacks these
PAGE_TEXTS = {language: texts.get("page", {}) for language, texts in CATALOGS.items()}
#: A link's ?lang=de (ui/lesson.py) as the page's language: Gradio takes it from the browser's, so the browser's is
#: set from the link before Gradio starts (ui/server.py FirstScript puts this first in the page).
LINKED_LANGUAGE = """<script>(() => {
  const linked = new URLSearchParams(window.location.search).get("lang");
  if (linked) {
    Object.defineProperty(navigator, "language", {get: () => linked});
    Object.defineProperty(navigator, "languages", {get: () => [linked]});
  }
})();</script>"""
#: Keeps the page's language (<html lang>, set by Gradio from the browser or from Settings -> Language) in COOKIE,
#: and puts Gradio's texts without a key (PAGE_TEXTS) in that language wherever they appear.
HEAD = r"""<script>
(() => {
  const remember = () => {
    document.cookie = "%(cookie)s=" + (document.documentElement.lang || "%(source)s") + "; path=/; SameSite=Lax";
    // a language chosen under Settings goes into the page's link (ui/lesson.py)
    window.transferLabLink?.("lang", document.documentElement.lang);
  };
  remember();
  new MutationObserver(remember).observe(document.documentElement, {attributes: true, attributeFilter: ["lang"]});
  const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pages = Object.fromEntries(Object.entries(%(pages)s).map(([language, texts]) => [language,
    Object.entries(texts).map(([english, text]) => {
      const names = [];
      const pattern = english.split(/\{(\w+)\}/).map((piece, i) => i %% 2 ? (names.push(piece), "(.+?)")
                                                                         : escape(piece)).join("");
      return [new RegExp("^" + pattern + "$"), names, text];
    })]));
  const inLanguage = (english) => {
    const texts = pages[document.documentElement.lang] || [];
    for (const [pattern, names, text] of texts) {
      const match = english.trim().match(pattern);
      if (match) return english.replace(english.trim(), names.reduce((t, n, i) => t.replace("{" + n + "}",
                                                                                             match[i + 1]), text));
    }
    return null;
  };
  const ATTRIBUTES = ["aria-label", "title", "placeholder"];
  const fix = (node) => {
    if (node.nodeType === Node.TEXT_NODE) {
      const text = node.nodeValue && inLanguage(node.nodeValue);
      if (text !== null && text !== node.nodeValue) node.nodeValue = text;
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    for (const element of [node, ...node.querySelectorAll("*")]) {
      for (const name of ATTRIBUTES) {
        const value = element.getAttribute(name);
        const text = value && inLanguage(value);
        if (text !== null && text !== value) element.setAttribute(name, text);
      }
      for (const child of element.childNodes) if (child.nodeType === Node.TEXT_NODE) fix(child);
    }
  };
  const start = () => {
    fix(document.body);
    new MutationObserver((changes) => {
      if (!pages[document.documentElement.lang]) return;
      for (const change of changes) {
        if (change.type === "childList") change.addedNodes.forEach(fix);
        else fix(change.target);
      }
    }).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true,
                               attributeFilter: ATTRIBUTES});
  };
  document.body ? start() : document.addEventListener("DOMContentLoaded", start);
})();
</script>""" % {"cookie": COOKIE, "source": SOURCE,
               "pages": json.dumps(PAGE_TEXTS, ensure_ascii=False).replace("<", "\\u003c")}  # no </script> in it
#: Properties that hold visitor-visible text, wherever a component or layout has them.
TEXT_PROPS = ("label", "info", "placeholder", "title", "x_title", "y_title", "color_title", "caption")
#: A native plot's axis and legend titles: its frontend shows a gr.I18n key there as it is (raw), so they stay text
#: in the page's config and are translated whenever the plot's data is sent (_translate_table).
PLOT_TITLES = ("x_title", "y_title", "color_title")
#: Components whose `value` is visitor text (elsewhere a value is data: a path, a model name, a class).
TEXT_VALUES = (gr.Markdown, gr.Button, gr.HTML)
KEY_PREFIX = "__i18n__"  # how gr.I18n keys travel in the config (gradio.i18n.I18nData)


class TranslatedError(gr.Error):
    """A gr.Error whose message is in the visitor's language already (not translated again on its way out)."""


def error_for(error: transfer.TransferError) -> gr.Error:
    """A library error as the gr.Error its visitor reads: in their language, names and paths shown as text."""
    return TranslatedError(message_text(error, request_language()), print_exception=False)


def warn(message: transfer.Message | transfer.TransferError) -> None:
    """A library message as a gr.Warning pop-up in the visitor's language, names and values shown as text (Gradio
    renders a pop-up's message as HTML)."""
    gr.Warning(message_text(message, request_language()))


# --- The language of a request ------------------------------------------------------------------------------------

def request_language(request: gr.Request | None = None) -> str:
    """The language the visitor's page shows: the cookie the page keeps, else Accept-Language, else English."""
    request = request or server.current_request()
    if request is None:
        return SOURCE
    cookies = getattr(request, "cookies", None) or {}
    wanted = cookies.get(COOKIE) or (getattr(request, "headers", None) or {}).get("accept-language", "")
    code = wanted.split(",")[0].split(";")[0].strip().split("-")[0].lower()
    return code if code in CATALOGS else SOURCE


def request_text(text: str, request) -> str:
    """`text` in the language of the visitor who sent `request` (a gr.Request or a Starlette connection)."""
    return translate(text, request_language(request))


def confusion_image(classes: list[str], confusion: list[list[int]]) -> Image.Image:
    """transfer.render.confusion_image with the words and class names drawn into it in the visitor's language."""
    language = request_language()
    names = [class_name(name, language, short=True) or name for name in classes]
    return render.confusion_image(names, confusion, words=lambda text: translate(text, language))


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
        return f"{type(self.block).__name__} #{self.block.elem_id or server.block_id(self.block)} .{self.prop}"


def _setter(block: Block, prop: str) -> Callable[[object], None]:
    return functools.partial(server.set_block_prop, block, prop)


def static_texts(demo: gr.Blocks) -> Iterator[StaticText]:
    """Every text of the built app that a visitor can read, except data (model, class and layer names, paths)."""
    for block in demo.blocks.values():
        params = inspect.signature(type(block).__init__).parameters
        props = [prop for prop in TEXT_PROPS if prop in params
                 and not (isinstance(block, gr.components.NativePlot) and prop in PLOT_TITLES)]
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
    """Choice labels: all of (label, value) pairs; of plain choices those with words that are not an ImageNet class,
    and the classes with a name in another language (a plain choice such as 'blocks.1' or 'thunder snake' is data,
    shown as it is)."""
    choices = block.choices
    for index, (label, value) in enumerate(choices):
        if not isinstance(label, str) or _is_key(label) or not LETTERS.search(label):
            continue
        if label == value and (" " not in label or label in _imagenet_labels()) and not _has_class_name(label):
            continue
        def replace(new, index=index, value=value):
            choices[index] = (new, value)
        yield StaticText(block, f"choices[{index}]", label, replace)


@functools.cache
def _imagenet_labels() -> frozenset[str]:
    return frozenset(transfer.imagenet_labels())


def _has_class_name(label: str) -> bool:
    return any(class_name(label, language) for language in CATALOGS)


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
    server.transform_api_info(demo, _english)  # the API page and gradio_client show labels: English, not keys
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
    """The browser's catalog for the app's static texts (in English only the Gradio texts its own English lacks: the
    app's keys are the English texts)."""
    keys = {text.text for text in static_keys(demo)}
    return gr.I18n(**{language: {**FRONTEND_KEYS[language], **{key: translate(key, language) for key in keys}}
                      for language in CATALOGS}, **{SOURCE: FRONTEND_KEYS[SOURCE]})


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
        raise TypeError(f"{fn!r}: async handlers are not translated yet; add them to ui/i18n/blocks.py")

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
    except TranslatedError:
        raise
    except gr.Error as error:
        error.message = translate(error.message, language)
        raise


def translate_result(result, outputs: list, language: str):
    """A handler's result with its visitor texts in `language`: Markdown, component updates, tables, plot series;
    a library message (transfer.Message) returned for a text is rendered by its template in every language."""
    if language == SOURCE and not _holds_message(result):
        return result
    if isinstance(result, dict) and result and all(isinstance(key, Block) for key in result):
        return {block: _translate_value(value, block, language) for block, value in result.items()}
    if len(outputs) == 1:
        return _translate_value(result, outputs[0], language)
    if isinstance(result, (tuple, list)):
        return type(result)(_translate_value(value, block, language) for value, block in zip(result, outputs))
    return result


def _holds_message(result) -> bool:
    values = result.values() if isinstance(result, dict) else result if isinstance(result, (tuple, list)) else [result]
    return any(isinstance(value, (transfer.Message, transfer.Listing)) for value in values)


def _translate_value(value, block: Block, language: str):
    if isinstance(value, (transfer.Message, transfer.Listing)):  # names in it shown as text in a Markdown box
        return message_text(value, language, markdown_text if isinstance(block, gr.Markdown) else html_text)
    if language == SOURCE:
        return value
    if isinstance(value, Block):  # a component returned as an update: only the props it was given
        update = {**server.update_props(value), "__type__": "update"}
        translated = _translate_update(update, block, language)
        return translated if any(translated[key] is not update[key] for key in update) else value
    if isinstance(value, dict) and value.get("__type__") == "update":
        return _translate_update(value, block, language)
    if isinstance(value, str) and isinstance(block, TEXT_VALUES):
        return translate(value, language)
    if isinstance(value, pd.DataFrame):
        return _translate_table(value, block, language)
    if isinstance(value, dict) and isinstance(block, gr.Label):  # {class: probability}: the classes' names
        return {translate(key, language) if isinstance(key, str) else key: score for key, score in value.items()}
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
        value = _translate_value(update["value"], block, language)
        if isinstance(value, dict) and value.get("__type__") == "update":  # a plot's data brings its titles along
            update |= value
        else:
            update["value"] = value
    return update


def _translate_table(table: pd.DataFrame, block: Block, language: str):
    """A table's column names and texts (names and numbers stay); for a plot, which reads its columns by name, the
    series names, and the axis and legend titles as an update."""
    rename = lambda name: translate(name, language) if isinstance(name, str) else name  # noqa: E731
    if not isinstance(block, gr.components.NativePlot):
        return table.rename(columns=rename).map(rename)
    series = getattr(block, "color", None)
    if isinstance(series, str) and series in table.columns:
        table = table.assign(**{series: table[series].map(rename)})
    titles = {f"{axis}_title": rename(getattr(block, f"{axis}_title", None) or column)
              for axis in ("x", "y", "color") if isinstance(column := getattr(block, axis, None), str)}
    return {"__type__": "update", "value": table, **titles}


def translate_messages(demo: gr.Blocks) -> None:
    """gr.Info / gr.Warning / gr.Success messages of `demo`'s handlers in the visitor's language.

    Gradio sends them through the app's queue, from the handler's thread, so the request is still known there.
    Call after `demo.queue(...)`, which makes a new queue.
    """
    server.transform_log_messages(demo, lambda log: translate(log, request_language()))


