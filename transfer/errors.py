"""Errors whose message is meant for the person using the app, CLI or API."""


class TransferError(Exception):
    """Base class: the message says what went wrong and what to do about it.

    `operator` is advice only the person running the program can follow (set an environment variable, connect the
    server): the CLI prints it after the message; a shared app logs it instead of showing it to its visitors.
    """

    def __init__(self, message: str, operator: str | None = None):
        super().__init__(message)
        self.operator = operator


class InputError(TransferError, ValueError):
    """An image, parameter, path or dataset given by the user is not usable."""


class ModelUnavailableError(TransferError, RuntimeError):
    """A model cannot be loaded here (unknown name, offline, broken folder)."""
