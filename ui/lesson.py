"""A lesson shared by link: the page's tab, the ideal image's target, mode and sliders, and teacher mode live in the
page's URL (`?tab=ideal&target=zebra&steps=100&teacher=1`). Opening such a link sets them; changing them writes
them back, so the address bar is always the link to what the page shows. Teacher mode hides the advanced settings.
The page's language (`lang=de`) is set in the page before Gradio starts (ui/i18n LINKED_LANGUAGE).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import gradio as gr

import transfer
from transfer import InputError, Message
from transfer.synthesis import ideal as ideal_settings, resolve_target
from ui import i18n

TRUE = ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Lesson:
    """What a link asks the page to show; None: as the page starts."""

    tab: str | None = None
    target: str | None = None  # the ideal image's target class (its ImageNet label)
    mode: str | None = None
    steps: int | None = None
    tv_weight: float | None = None
    teacher: bool = False
    problems: list[Message] = field(default_factory=list)  # what of the link could not be used, in words


def read_link(query: Mapping[str, str], tabs: Sequence[str]) -> Lesson:
    """The lesson a page's URL query asks for, `tabs` the ids of the app's tabs; a value that cannot be used is left
    out and said in `problems`."""
    problems: list[Message] = []

    def checked(name: str, check):
        if name not in query:
            return None
        try:
            return check(query[name])
        except (InputError, ValueError) as error:
            reason = error.message if isinstance(error, InputError) else Message("not a number")
            problems.append(Message("The link's {setting} was left out: {reason}", setting=f"{name}={query[name]}",
                                    reason=reason))
            return None

    def tab(value: str) -> str:
        if value not in tabs:
            raise InputError("use one of {choices}.", choices=transfer.Listing(tabs))
        return value

    def mode(value: str) -> str:
        if value not in ideal_settings.MODES:
            raise InputError("use one of {choices}.", choices=transfer.Listing(ideal_settings.MODES))
        return value

    return Lesson(
        tab=checked("tab", tab),
        target=checked("target", lambda value: resolve_target(transfer.imagenet_labels(), value).label),
        mode=checked("mode", mode),
        steps=checked("steps", lambda value: ideal_settings.STEPS.check(int(value))),
        tv_weight=checked("tv", lambda value: ideal_settings.TV_WEIGHT.check(float(value))),
        teacher=query.get("teacher", "").lower() in TRUE, problems=problems)


@dataclass(frozen=True)
class Linked:
    """The components a link sets: the tabs, the ideal image's settings, the advanced settings."""

    tabs: gr.Tabs
    tab: dict[str, gr.Tab]  # by the id a link names it by
    target: gr.Dropdown
    mode: gr.Radio
    steps: gr.Slider
    tv_weight: gr.Slider
    advanced: list[gr.Accordion]


def show_lesson(linked: Linked, request: gr.Request) -> dict:
    """The page as its link asks (on load); what could not be used is said in a warning each."""
    lesson = read_link(dict(request.query_params) if request is not None else {}, list(linked.tab))
    for problem in lesson.problems:
        i18n.warn(problem)
    settings = {linked.target: lesson.target, linked.mode: lesson.mode, linked.steps: lesson.steps,
                linked.tv_weight: lesson.tv_weight}
    updates = {component: value for component, value in settings.items() if value is not None}
    if lesson.tab is not None:
        updates[linked.tabs] = gr.Tabs(selected=lesson.tab)
    return updates | {accordion: gr.Accordion(visible=not lesson.teacher) for accordion in linked.advanced}


#: Once the link's own settings are shown (the first tab's select event on page load would overwrite the link's tab):
#: window.transferLabLink(name, value) writes one setting into the page's URL (history.replaceState: no reload, no
#: new history entry); ui/i18n's HEAD writes the page's language with it.
LINKED = """() => {
  window.transferLabLink = (name, value) => {
    const url = new URL(window.location.href);
    url.searchParams.set(name, value);
    window.history.replaceState(null, "", url);
  };
}"""
WRITE = '(value) => window.transferLabLink?.("{name}", {value})'


def wire(linked: Linked, demo: gr.Blocks) -> None:
    """Set the page from its link when it opens; keep the link up to date as the visitor changes what it holds."""
    def show(request: gr.Request) -> dict:  # Gradio passes the request to a parameter so typed
        return show_lesson(linked, request)

    outputs = [linked.tabs, linked.target, linked.mode, linked.steps, linked.tv_weight, *linked.advanced]
    demo.load(show, None, outputs, api_visibility="private").then(  # queued: its warnings go through the queue
        None, js=LINKED, queue=False, api_visibility="private")
    for tab_id, tab in linked.tab.items():
        tab.select(None, None, None, js=WRITE.format(name="tab", value=f'"{tab_id}"'), queue=False,
                   api_visibility="private")
    for component, name in ((linked.target, "target"), (linked.mode, "mode"), (linked.steps, "steps"),
                             (linked.tv_weight, "tv")):
        component.change(None, component, None, js=WRITE.format(name=name, value="value"), queue=False,
                         api_visibility="private")
