"""Errors whose message is meant for the person using the app, CLI or API.

A message is an English template with {named} holes and the values that fill them: `str()` gives the English text
(CLI, API), and the app translates the template before filling it (ui/i18n). A value may itself be a Message.
"""

from __future__ import annotations


class Message:
    """A text for people: an English `template` with {named} holes and the `values` that fill them."""

    def __init__(self, template: str, **values: object):
        self.template, self.values = template, values

    def __str__(self) -> str:
        return self.template.format(**self.values) if self.values else self.template

    def __repr__(self) -> str:
        return f"Message({self.template!r}, **{self.values!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Message) and (self.template, self.values) == (other.template, other.values)

    __hash__ = None


class TransferError(Exception):
    """Base class: the message says what went wrong and what to do about it.

    Raise with a template and its values: `InputError("Found {count} classes; the limit is {limit}.", count=n,
    limit=MAX_CLASSES)`. `operator` is advice only the person running the program can follow (set an environment
    variable, connect the server): the CLI prints it after the message; a shared app logs it instead of showing it
    to its visitors.
    """

    def __init__(self, template: str, operator: str | None = None, **values: object):
        self.message = Message(template, **values)
        super().__init__(str(self.message))
        self.operator = operator

    def __reduce__(self):
        """Pickled with its template and values (a ZeroGPU worker or a training process sends it back), every value
        that is data as its text."""
        return _rebuilt, (type(self), self.template, self.operator, _as_text(self.values))

    @property
    def template(self) -> str:
        return self.message.template

    @property
    def values(self) -> dict[str, object]:
        return self.message.values


class InputError(TransferError, ValueError):
    """An image, parameter, path or dataset given by the user is not usable."""


class ModelUnavailableError(TransferError, RuntimeError):
    """A model cannot be loaded here (unknown name, offline, broken folder)."""


class Listing:
    """Items (messages or data) listed in a message: 'a, b and c' with `conjunction` 'and', else 'a, b, c'."""

    def __init__(self, items: list, conjunction: str | None = None):
        self.items, self.conjunction = list(items), conjunction

    def __str__(self) -> str:
        texts = [str(item) for item in self.items]
        if self.conjunction and len(texts) > 1:
            return f"{', '.join(texts[:-1])} {self.conjunction} {texts[-1]}"
        return ", ".join(texts)

    def __repr__(self) -> str:
        return f"Listing({self.items!r}, {self.conjunction!r})"


def _as_text(value: object) -> object:
    """`value` with its data (numbers, paths, exceptions) as text and its messages and listings kept: picklable."""
    if isinstance(value, dict):
        return {name: _as_text(item) for name, item in value.items()}
    if isinstance(value, Message):
        return Message(value.template, **_as_text(value.values))
    if isinstance(value, Listing):
        return Listing([_as_text(item) for item in value.items], value.conjunction)
    return str(value)


def _rebuilt(kind: type[TransferError], template: str, operator: str | None, values: dict) -> TransferError:
    return kind(template, operator, **values)
