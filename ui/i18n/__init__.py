"""English and German for every text a visitor sees; the tab modules and the library keep plain English.

- `engine`: catalogs (ui/locales/<language>.json: "texts", and "parts" that only fill other texts' holes) and the
  lookups: a library message by its template, then its values; a text the UI composed as it is or by a template.
- `blocks`: the engine in the Gradio app: static texts as gr.I18n keys, handler results, errors, gr.Info messages
  and progress in the visitor's language (Gradio's private API only through ui/server.py).

Adding a language: ui/locales/<code>.json with the English texts as keys (code as Gradio's Settings -> Language
offers it); tests/test_i18n.py lists what the new language lacks.
"""

from ui.i18n.engine import (CATALOGS, LETTERS, SOURCE, catalog, class_name, html_text, lookup, lookup_part,
                            markdown_text, message_text, template, translate)
from ui.i18n.blocks import (COOKIE, FRONTEND_KEYS, HEAD, LINKED_LANGUAGE, PAGE_TEXTS, TranslatedError,
                            confusion_image, error_for, localize, request_language, request_text, static_keys,
                            static_texts, translate_messages, translate_result, translations, untranslated, warn)

__all__ = ["CATALOGS", "COOKIE", "FRONTEND_KEYS", "HEAD", "LETTERS", "LINKED_LANGUAGE", "PAGE_TEXTS", "SOURCE",
           "TranslatedError", "catalog", "class_name", "confusion_image", "error_for", "html_text", "localize",
           "lookup", "lookup_part", "markdown_text", "message_text", "request_language", "request_text",
           "static_keys", "static_texts", "template", "translate", "translate_messages", "translate_result",
           "translations", "untranslated", "warn"]
