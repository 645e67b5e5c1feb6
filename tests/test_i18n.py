"""English and German: every text a visitor can read is translated, and the UI edge answers in the visitor's language.

When a test here fails it lists the English texts to add to ui/locales/<language>.json (a text, or a template with
{holes}; a library message by its template, as raised).
"""

from __future__ import annotations

import ast
import contextlib
import itertools
import pickle
from pathlib import Path

import gradio as gr
import pandas as pd
import pytest
from gradio.context import LocalContext

import transfer
from transfer.checks import check_float
from transfer.data import PETS_DOWNLOAD_MB, PETS_PHOTOS
from transfer.render import CONFUSION_WORDS, confusion_image
from transfer.synthesis.targets import resolve_target
from ui import i18n
from ui.common import model_choices
from ui.i18n import blocks, engine

ROOT = Path(__file__).resolve().parent.parent
CLI_TEXT = {"help", "description"}  # argparse's words for the command line, not the page
NOT_FOR_VISITORS = {"RuntimeError", "TypeError", "print"}  # for whoever changes or runs the code: errors, the console
#: Calls whose first argument is a library message's template: found in the catalog as it is, then filled.
TEMPLATE_CALLS = {"InputError", "TransferError", "ModelUnavailableError", "DatasetTooLarge", "Message"}
MESSAGE_CALLS = {"Info", "Warning", "Success", "Error", *TEMPLATE_CALLS}


@pytest.fixture(scope="module")
def app() -> gr.Blocks:
    from app import build_app

    return build_app()


@pytest.mark.parametrize("language", sorted(i18n.CATALOGS))
def test_every_visible_text_of_the_app_is_translated(app, language):
    texts = list(i18n.static_keys(app))
    assert len(texts) > 80, f"only {len(texts)} visitor-visible texts found: is localize() still applied?"
    missing = i18n.untranslated(app, language)
    assert not missing, f"Add these texts to ui/locales/{language}.json:\n" + "\n".join(missing)


def test_german_of_the_page_is_plain_text_for_the_browser(app):
    """The browser formats translations as ICU messages: braces would be read as arguments, and a '}' in a key
    ends the key early."""
    german = i18n.translations(app).translations_dict["de"]
    app_texts = [text for key, text in german.items() if key not in i18n.FRONTEND_KEYS["de"]]  # Gradio's: its holes
    assert not [text for text in app_texts if "{" in text or "}" in text]
    assert not [key for key in german if "}" in key]
    assert german["Classify"] == "Klassifizieren"


def test_each_english_text_is_in_a_catalog_once(tmp_path):
    """JSON keeps the last of two equal keys without a word: with several people adding texts, the loader says so."""
    assert sorted(i18n.CATALOGS) == sorted(path.stem for path in engine.LOCALES.glob("*.json"))
    twice = tmp_path / "xx.json"
    twice.write_text('{"texts": {"Classify": "A", "Classify": "B"}, "parts": {}}')
    with pytest.raises(ValueError, match="Classify"):
        engine.load_catalog(twice)


def _variants(node: ast.AST, holes: itertools.count) -> list[str]:
    """The texts a string expression can make, with ⟨n⟩ for each value put into an f-string."""
    if isinstance(node, ast.Constant):
        return [node.value] if isinstance(node.value, str) else [""]
    if isinstance(node, ast.JoinedStr):
        parts = [[value.value] if isinstance(value, ast.Constant) else _choices(value.value) or [f"⟨{next(holes)}⟩"]
                 for value in node.values]
        return ["".join(combination) for combination in itertools.product(*parts)]
    if isinstance(node, ast.IfExp):
        return _variants(node.body, holes) + _variants(node.orelse, holes)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [left + right for left in _variants(node.left, holes) for right in _variants(node.right, holes)]
    return [""]  # a call or name: its own strings are checked where they are written


def _choices(node: ast.AST) -> list[str]:
    """The words an f-string chooses between ({'is' if one else 'are'}), each a variant of the text."""
    if isinstance(node, ast.IfExp):
        body, orelse = _choices(node.body), _choices(node.orelse)
        return body + orelse if body and orelse else []
    return [node.value] if isinstance(node, ast.Constant) and isinstance(node.value, str) else []


def _messages(path: Path, everything: bool):
    """(line, text, is_template) of the texts in a module the visitor may read: messages passed to errors and
    gr.Info & co.; with `everything`, every string of two or more words except docstrings."""
    tree = ast.parse(path.read_text())
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and node.body
                  and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    inner = {id(child) for node in ast.walk(tree) if isinstance(node, (ast.JoinedStr, ast.BinOp, ast.IfExp))
             for child in ast.iter_child_nodes(node)}
    inner |= {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.keyword) and node.arg in CLI_TEXT}
    inner |= {id(arg) for node in ast.walk(tree) if isinstance(node, ast.Call)
              and getattr(node.func, "id", None) in NOT_FOR_VISITORS for arg in node.args}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and not everything:
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name in MESSAGE_CALLS and node.args:
                for text in _variants(node.args[0], itertools.count()):
                    yield node.lineno, text, name in TEMPLATE_CALLS
        elif everything and isinstance(node, (ast.Constant, ast.JoinedStr, ast.BinOp, ast.IfExp)) \
                and id(node) not in inner and id(node) not in docstrings:
            for text in _variants(node, itertools.count()):
                if len(i18n.LETTERS.findall(text)) >= 2 and " " in text and "=>" not in text:  # not JavaScript
                    yield node.lineno, text, False


@pytest.mark.parametrize("language", sorted(i18n.CATALOGS))
def test_every_message_in_the_source_is_translated(language):
    """Library errors the app shows (by their templates: the catalog must have each as it is raised), and every
    phrase app.py and the tab modules write, found by reading the source."""
    names = set(transfer.imagenet_labels())
    sources = [(path, False) for path in sorted((ROOT / "transfer").rglob("*.py")) if path.name != "cli.py"]
    sources += [(path, True) for path in [ROOT / "app.py", *sorted((ROOT / "ui").rglob("*.py"))]
                if "i18n" not in path.parts]  # the translating code itself holds no visitor texts
    found, missing = 0, []
    for path, everything in sources:
        for line, text, is_template in _messages(path, everything):
            if text.strip() in names or not text.strip():  # ImageNet class names are data
                continue
            found += 1
            if is_template:
                if i18n.template(text, language) is None:
                    missing.append(f"{path.relative_to(ROOT)}:{line}: template {text!r}")
            elif i18n.lookup(text, language) is None and i18n.lookup_part(text, language) is None:
                missing.append(f"{path.relative_to(ROOT)}:{line}: {text!r}")
    assert found > 100, f"only {found} messages found in the source"
    assert not missing, f"Add these (a text, or a template with {{holes}}) to ui/locales/{language}.json:\n" + \
        "\n".join(missing)


def test_thousands_are_grouped_with_a_point_in_german():
    """The wizard writes Oxford-IIIT Pet's photo count from PETS_PHOTOS into a template: 7,349 in English, 7.349 in
    German, as the catalog wrote it before the count became a hole."""
    assert (i18n.translate("7,349", "de"), i18n.translate("7,349", "en"), i18n.translate("12,5", "de")) == \
        ("7.349", "7,349", "12,5")
    english = (f"The full Oxford-IIIT Pet: {PETS_PHOTOS:,} photos of 37 breeds, about {PETS_DOWNLOAD_MB} MB, "
               "downloaded once into the app's cache (several minutes).")
    assert english.startswith("The full Oxford-IIIT Pet: 7,349 photos")
    assert i18n.translate(english, "de").startswith("Das vollständige Oxford-IIIT Pet: 7.349 Fotos von 37 Rassen")


def test_templates_fill_numbers_names_and_nested_messages_in_german():
    assert i18n.translate("Epoch 3/10: validation accuracy 80.5%", "de") == \
        "Epoche 3/10: Validierungsgenauigkeit 80,5\u00a0%"
    assert i18n.translate("Unknown target class 'tabbi'. Did you mean: 'tabby'?", "de") == \
        "Unbekannte Zielklasse 'tabbi'. Meinten Sie: 'tabby'?"
    report = ("**2 classes**: 6 images to train on, 2 to pick the best epoch (validation) and 2 kept apart for the "
              "final test.\n- ⚠️ cats (4) and dogs (2) are much smaller than the other classes (typically 20 images): "
              "the model will rarely answer them; add photos to balance the classes.")
    assert i18n.translate(report, "de") == (
        "**2 Klassen**: 6 Bilder zum Trainieren, 2 zur Wahl der besten Epoche (Validierung) und 2 zurückgehalten für "
        "den abschließenden Test.\n- ⚠️ cats (4) und dogs (2) sind deutlich kleiner als die anderen Klassen (typisch "
        "20 Bilder): Das Modell wird sie selten als Antwort geben; fügen Sie Fotos hinzu, um die Klassen "
        "auszugleichen.")
    score = ("## Run 1: test accuracy 84.7%\n17 mistakes on 111 test images the model never saw during training "
             "(feature extraction of tf_efficientnet_lite0, best epoch 15 of 15, 8 s).\n\nA sentence nobody wrote.")
    assert i18n.translate(score, "de") == (
        "## Lauf 1: Testgenauigkeit 84,7\u00a0%\n17 Fehler bei 111 Testbildern, die das Modell beim Training nie "
        "gesehen hat (Merkmalsextraktion von tf_efficientnet_lite0, beste Epoche 15 von 15, 8 s).\n\n"
        "A sentence nobody wrote.")
    assert i18n.translate("Unknown target class 'x'.", "en") == "Unknown target class 'x'."
    assert i18n.lookup("a sentence nobody translated", "de") is None
    assert i18n.translate("a sentence nobody translated", "de") == "a sentence nobody translated"


@pytest.mark.parametrize(("request_", "language"), [
    (gr.Request(headers={"accept-language": "de-DE,de;q=0.9,en;q=0.8"}), "de"),
    (gr.Request(headers={"accept-language": "de-AT"}, cookies={i18n.COOKIE: "en"}), "en"),  # chosen in Settings
    (gr.Request(headers={"accept-language": "en-US"}, cookies={i18n.COOKIE: "de"}), "de"),
    (gr.Request(headers={"accept-language": "fr-FR,de"}), "en"),  # the page shows French Gradio, English app
    (gr.Request(), "en"),  # an API client without headers
])
def test_the_request_says_which_language_the_page_shows(request_, language):
    assert i18n.request_language(request_) == language


@contextlib.contextmanager
def _requested_by(request: gr.Request):
    """Run as Gradio runs an event of `request`."""
    token = LocalContext.request.set(request)
    try:
        yield
    finally:
        LocalContext.request.reset(token)


def _handler(app: gr.Blocks, api_name: str):
    return next(block_fn for block_fn in app.fns.values() if block_fn.api_name == api_name).fn


@pytest.mark.parametrize(("accept", "message"), [
    ("de-DE", "Kein Bild angegeben: Laden Sie zuerst ein Foto hoch"),
    ("en-US", "No image given: upload a photo"),
])
def test_a_library_error_reaches_the_visitor_in_their_language(app, accept, message):
    with _requested_by(gr.Request(headers={"accept-language": accept})):
        with pytest.raises(gr.Error) as error:
            _handler(app, "classify")(None, transfer.DEFAULT_MODEL, None)
    assert error.value.message.startswith(message)


def _block(app: gr.Blocks, kind: type, elem_id: str | None = None):
    return next(block for block in app.blocks.values()
                if isinstance(block, kind) and (elem_id is None or block.elem_id == elem_id))


def test_handler_results_are_translated_by_the_component_they_go_to(app):
    plot, table, markdown = _block(app, gr.LinePlot), _block(app, gr.Dataframe), _block(app, gr.Markdown)
    state, dropdown = _block(app, gr.State), _block(app, gr.Dropdown)
    curves = pd.DataFrame({"epoch": [1, 1], "value": [0.9, 0.5], "curve": ["train loss", "val loss"]})
    scores = pd.DataFrame({"class": ["Bengal", "tulips"], "method": ["feature extraction"] * 2,
                           "accuracy": ["33%", "50%"]})
    session = {"any": "state"}
    outputs = [plot, table, markdown, state, dropdown]
    result = (curves, scores, "Train a model first.", session, gr.Dropdown(choices=model_choices()))
    plotted, scored, text, kept, choices = i18n.translate_result(result, outputs, "de")

    assert list(plotted["value"].columns) == ["epoch", "value", "curve"]  # the plot reads its columns by name
    assert list(plotted["value"].curve) == ["Training", "Validierung"]
    assert plotted["color_title"] == "Kurve"
    assert scored.to_dict("records") == [  # a class with a German name shows it (transfer/assets), others stay
        {"Klasse": "Bengalkatze (Bengal)", "Methode": "Merkmalsextraktion", "Genauigkeit": "33\u00a0%"},
        {"Klasse": "tulips", "Methode": "Merkmalsextraktion", "Genauigkeit": "50\u00a0%"}]
    assert text == "Trainieren Sie zuerst ein Modell."
    assert kept is session
    assert ("EfficientNet-Lite0 (4,7 Mio. Parameter, 224 px)", "tf_efficientnet_lite0") in choices["choices"]
    assert i18n.translate_result(result, outputs, "en") is result


HOSTILE = "<img src=x>"  # a class, file or target name a visitor chose: Gradio renders a gr.Error's message as HTML


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_library_message_is_translated_by_its_template_then_filled_with_escaped_values(language):
    error = transfer.InputError("Class '{name}' has {count} photos; the limit is {limit} per class: for more, upload a "
                                ".zip of class folders.", name=HOSTILE, count=12, limit="2.5")
    shown = i18n.message_text(error, language)
    assert "&lt;img src=x&gt;" in shown and "<" not in shown
    assert shown.startswith("Die Klasse" if language == "de" else "Class")
    assert ("2,5 pro Klasse" if language == "de" else "2.5 per class") in shown  # numbers in the visitor's form
    assert str(error) == "Class '<img src=x>' has 12 photos; the limit is 2.5 per class: for more, upload a .zip of " \
        "class folders."  # the CLI and API still read the plain English text


def test_nested_messages_and_listings_are_translated_in_their_places():
    with pytest.raises(transfer.InputError) as error:
        resolve_target(transfer.imagenet_labels(), "tabbi")
    assert str(error.value) == "Unknown target class 'tabbi'. Did you mean: 'tabby', 'taxi'?"
    assert i18n.message_text(error.value, "de") == "Unbekannte Zielklasse 'tabbi'. Meinten Sie: 'tabby', 'taxi'?"
    with pytest.raises(transfer.InputError) as error:
        check_float("learning rate", 2, 1e-5, 0.5)
    assert i18n.message_text(error.value, "de") == \
        "Der Wert „Lernrate“ muss eine Zahl von 1e-05 bis höchstens 0,5 sein, nicht 2."
    listing = transfer.Message(" after leaving out {what}", what=transfer.Listing(
        [transfer.Message("{count} exact duplicate(s)", count=2), "x.jpg"], "and"))
    assert i18n.message_text(listing, "de") == " nach dem Weglassen von 2 exakte(s) Duplikat(e) und x.jpg"


def test_a_visitor_value_in_a_library_error_reaches_the_page_as_text(app):
    with _requested_by(gr.Request(headers={"accept-language": "de-DE"})), pytest.raises(gr.Error) as error:
        list(_handler(app, "ideal")(HOSTILE, "natural", 1, 0.0, 0.05, 0, transfer.DEFAULT_MODEL, None))
    assert error.value.message.startswith("Unbekannte Zielklasse '&lt;img src=x&gt;'.")


def test_the_words_drawn_into_the_confusion_matrix_follow_the_visitor(app):
    assert all(i18n.template(text, "de") for text in CONFUSION_WORDS)
    pictures = {}
    for accept in ("en-US", "de-DE"):
        with _requested_by(gr.Request(headers={"accept-language": accept})):
            pictures[accept] = i18n.confusion_image(["cats", "dogs"], [[3, 1], [0, 4]]).tobytes()
    assert pictures["en-US"] == confusion_image(["cats", "dogs"], [[3, 1], [0, 4]]).tobytes()
    assert pictures["de-DE"] != pictures["en-US"]


def test_a_library_error_keeps_its_template_and_values_when_pickled():
    """A ZeroGPU worker or a training process sends errors back pickled: they must still translate."""
    error = transfer.ModelUnavailableError("{path}: {reason}", operator="advice", path=Path("/x"), reason=OSError(
        "disk <full>"))
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is transfer.ModelUnavailableError and back.operator == "advice"
    assert (back.template, str(back)) == ("{path}: {reason}", "/x: disk <full>")
    assert i18n.message_text(back, "de") == "/x: disk &lt;full&gt;"


# --- Library texts the page shows are messages, rendered by their templates (no un-formatting of English) -------

def _rendered(app: gr.Blocks, elem_id: str, message, accept: str) -> str:
    """`message` as the handler wrapper renders it for the Markdown box `elem_id` during a request of `accept`."""
    box = _block(app, gr.Markdown, elem_id)
    with _requested_by(gr.Request(headers={"accept-language": accept})):
        return i18n.translate_result({box: message}, [box], i18n.request_language())[box]


def _hostile_data():
    """A dataset whose class, empty-folder and file names a visitor chose: one is HTML, one a word the catalog has."""
    from transfer.data import DatasetSplits

    classes = [HOSTILE, "cats", "dogs"]
    counts = {0: (2, 0, 1), 1: (8, 2, 2), 2: (8, 2, 2)}
    splits = [[(f"{y}-{split}-{i}.jpg", y) for y, sizes in counts.items() for i in range(sizes[split])]
              for split in range(3)]
    return DatasetSplits(classes, *splits, kind="zip", task="classes", root="/x",
                         notes=[transfer.Message("Ignored empty folder(s): {folders}",
                                                 folders=transfer.Listing(["validation", HOSTILE]))],
                         skipped=[f"cats/{HOSTILE}.jpg"], per_class=10,
                         duplicates=[transfer.Message("{name} (same as {other})", name="dogs/epoch",
                                                      other=f"cats/{HOSTILE}")])


def test_the_data_check_shows_the_librarys_notes_and_warnings_by_their_templates(app):
    from ui.finetune import views

    data = _hostile_data()
    assert all(isinstance(note, transfer.Message) for note in data.notes + data.warnings())
    assert all(i18n.template(message.template, "de") for message in data.notes + data.warnings())
    german = _rendered(app, "finetune-report", views.data_report(data), "de-DE")
    assert german.splitlines()[:3] == [
        "**3 Klassen**: 18 Bilder zum Trainieren, 4 zur Wahl der besten Epoche (Validierung) und 5 zurückgehalten "
        "für den abschließenden Test.",
        "- Leere Ordner ignoriert: validation, &lt;img src=x&gt;",  # a folder name stays as the visitor wrote it
        "- 1 Datei(en) weggelassen, die kein lesbares Bild sind: cats/&lt;img src=x&gt;.jpg"]
    assert "- 1 exakte(s) Duplikat(e) weggelassen, damit kein Foto zugleich trainiert und getestet wird: dogs/epoch " \
        "(wie cats/&lt;img src=x&gt;)" in german
    assert "- ⚠️ Sie haben 10 Bilder pro Klasse gewählt, aber &lt;img src=x&gt; (3) hat weniger: Alle werden " \
        "verwendet." in german
    assert "- ⚠️ &lt;img src=x&gt; (3) ist deutlich kleiner als die anderen Klassen (typisch 12 Bilder)" in german
    assert "<img" not in german and "&amp;" not in german  # escaped once
    english = _rendered(app, "finetune-report", views.data_report(data), "en-US")
    assert english.splitlines()[1] == "- Ignored empty folder(s): validation, &lt;img src=x&gt;"
    assert "- ⚠️ &lt;img src=x&gt; (3) is much smaller than the other classes (typically 12 images)" in english
    assert data.summary()["notes"] == [f"Ignored empty folder(s): validation, {HOSTILE}"]  # CLI and JSON: English
    assert data.summary()["warnings"][0] == (f"You asked for 10 images per class, but {HOSTILE} (3) has fewer: all of "
                                             "them are used.")


def test_the_reading_of_the_curves_is_rendered_by_its_template(app):
    from transfer.progress import EpochMetrics
    from transfer.train import CurvePoint, read_curves
    from ui.finetune import views

    history = [EpochMetrics(epoch, 3, 1.0, 0.5, loss, accuracy, 0.1, epoch == 2)
               for epoch, loss, accuracy in ((1, 0.6, 0.5), (2, 0.4, 0.8), (3, 0.5, 0.7))]
    assert isinstance(read_curves(history), transfer.Message)
    german = _rendered(app, "finetune-reading", views.reading(history), "de-DE")
    assert german == ("**So lesen sich die Kurven:** Der Validierungsverlust stieg nach Epoche 2, und die "
                      "Validierungsgenauigkeit fiel von 80\u00a0% auf 70\u00a0%: Mehr Epochen würden überanpassen; "
                      "das Modell der Epoche 2 (80\u00a0% auf den Validierungsbildern) wurde behalten.")
    assert _rendered(app, "finetune-reading", views.reading(history), "en-US") == \
        f"**Reading the curves:** {read_curves(history)}"
    curve = views.read_data_curve([CurvePoint(1, 3, 0.5, 0.4, 0.6), CurvePoint(5, 15, 0.9, 0.9, 0.9)])
    assert _rendered(app, "finetune-data-curve-note", curve, "de-DE").startswith(
        "**Wie viele Fotos brauche ich?** Die neue letzte Schicht")


def test_the_own_classes_line_shows_typed_names_as_text_in_the_visitors_language(app):
    from transfer.data.folders import MAX_PHOTOS_PER_CLASS

    status = next(block_fn for block_fn in app.fns.values() if getattr(block_fn.fn, "__name__", None) == "status")
    line = next(block for block in status.outputs if block.elem_id == "own-status")
    empty = [[]] * 8
    with _requested_by(gr.Request(headers={"accept-language": "de-DE"})):
        too_many = [{"path": "never-read.jpg"}] * (MAX_PHOTOS_PER_CLASS + 1)  # refused before a path is looked at
        refused = status.fn([True, True] + [False] * 6, HOSTILE, "dogs", *[""] * 6, too_many, *empty[1:])
        missing = status.fn([True, True] + [False] * 6, "classes", "dogs", *[""] * 6, *empty)
    assert refused[line].startswith(f"Die Klasse '&lt;img src=x&gt;' hat {MAX_PHOTOS_PER_CLASS + 1} Fotos;")
    assert "<img" not in refused[line] and "&amp;" not in refused[line]
    assert missing[line] == \
        "Es fehlen noch: 3 weitere für classes, 3 weitere für dogs (mindestens 3 Fotos pro Klasse)."  # a name stays


def test_a_template_without_words_of_its_own_does_not_swallow_a_ui_text():
    """'{path}: {reason}' (a library error's template) once matched this warning first and left it English."""
    warning = "- ⚠️ You asked for 20 images per class, but cats (4) has fewer: all of them are used."
    assert engine.translate(warning, "de") == ("- ⚠️ Sie haben 20 Bilder pro Klasse gewählt, aber cats (4) hat weniger: "
                                               "Alle werden verwendet.")


def test_a_plot_sent_as_an_update_in_german_keeps_its_data_and_translates_its_titles():
    """A handler returning gr.LinePlot(table, visible=True): the German page got the translated table nested inside
    the value (an empty plot) and the axis titles as raw gr.I18n keys."""
    with gr.Blocks():
        plot = gr.LinePlot(x="photos per class", y="test accuracy", color="curve")
    table = pd.DataFrame({"photos per class": [2, 7], "test accuracy": [0.4, 0.8], "curve": ["test accuracy"] * 2})
    update = blocks.translate_result(gr.LinePlot(table, visible=True), [plot], "de")
    assert update["visible"] is True and update["__type__"] == "update"
    assert list(update["value"].columns) == list(table.columns)  # the plot reads its columns by name
    assert list(update["value"]["curve"]) == ["Testgenauigkeit"] * 2
    assert (update["x_title"], update["y_title"], update["color_title"]) == \
        ("Fotos pro Klasse", "Testgenauigkeit", "Kurve")
