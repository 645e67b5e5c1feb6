"""Errors whose message is meant for the person using the app, CLI or API."""


class TransferError(Exception):
    """Base class: the message says what went wrong and what to do about it."""


class InputError(TransferError, ValueError):
    """An image, parameter, path or dataset given by the user is not usable."""


class ModelUnavailableError(TransferError, RuntimeError):
    """A model cannot be loaded here (unknown name, offline, broken folder)."""
