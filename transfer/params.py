"""One spec per tunable setting (range, default, title, help), from which the library's checks, the command line's
options and the app's sliders are all built, so they cannot disagree (tests/test_params.py)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, replace

from .checks import check_float, check_int

__all__ = ["Param"]


@dataclass(frozen=True)
class Param:
    """A setting users and API callers choose: a whole number or a number in [low, high].

    `title` is the app's label, `help` its info line (both English: ui/i18n translates them); the command line's
    help is made of both. A default of None depends on a mode or method, or is computed: its owner documents it.
    """

    name: str  # the keyword argument, and --name with dashes on the command line
    low: float
    high: float
    default: float | None
    title: str
    help: str = ""
    integer: bool = False
    step: float | None = None  # the slider's step (whole numbers: 1)
    noun: str = ""  # how error messages call it, when not by its keyword

    def check(self, value) -> int | float:
        """The value as int or float when it is in range, else InputError saying which range to use."""
        check = check_int if self.integer else check_float
        return check(self.noun or self.name, value, self.low, self.high)

    def scaled(self, factor: float, **changes) -> Param:
        """The same setting in other units (e.g. a probability as a percentage), with other words (`changes`)."""
        return replace(self, low=self.low * factor, high=self.high * factor,
                       default=None if self.default is None else self.default * factor, **changes)

    def add_to(self, parser: argparse.ArgumentParser, default_text: str = "") -> argparse.Action:
        """Add --name to `parser`: its type, the spec's default, and a help with the range (the library checks it).
        `default_text` describes a default of None."""
        about = (f"{self.title}: {self.help}" if self.help else self.title).replace("%", "%%")  # argparse formats %
        return parser.add_argument(f"--{self.name.replace('_', '-')}", type=int if self.integer else float,
                                   default=self.default, help=f"{about} ({self.shown(self.low)} to "
                                                              f"{self.shown(self.high)}; default "
                                                              f"{default_text or self.shown(self.default)})")

    def shown(self, value: float) -> str:
        """A value as the command line's help writes it: whole numbers in full, others briefly (1e-06)."""
        return str(int(value)) if self.integer else format(value, "g")
