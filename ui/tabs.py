"""The one convention every tab module follows (ui/classify.py is the shortest example).

- `Components`: a dataclass of the tab's components by name (grouped by step where a tab has steps).
- `layout(...) -> Components` builds the components only; `wire(components, session, ...)` attaches the events.
- Handlers take the components first and return (or yield) `{component: value_or_update}` for what they change;
  an event lists its outputs in a fixed order, the one its API callers read.
- Work on a network runs in an `on_gpu` function of plain values: on ZeroGPU it runs in a worker process its
  arguments and results are pickled to, and rendered components cannot be pickled. It answers by field name
  ({"status": ...}); the handler, in the app's process, turns names into components with `named`.
- `build(session, ...)` = `wire(layout(...))`, called alike for every tab by app.py.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable


def bind(handler: Callable, components) -> Callable:
    """`handler` with its components bound as its first argument. Unlike functools.partial it keeps what Gradio reads
    from a function: its name (an event's default api_name), whether it streams, and the type hints by which Gradio
    passes a gr.Request or gr.SelectData."""
    if inspect.isgeneratorfunction(handler):
        def bound(*args, **kwargs):
            yield from handler(components, *args, **kwargs)
    else:
        def bound(*args, **kwargs):
            return handler(components, *args, **kwargs)
    functools.update_wrapper(bound, handler)
    signature = inspect.signature(handler)
    bound.__signature__ = signature.replace(parameters=list(signature.parameters.values())[1:])
    return bound


def fields_of(components) -> dict[str, object]:
    """Every component of a Components dataclass by field name, those of nested step groups included."""
    found = {}
    for field in dataclasses.fields(components):
        value = getattr(components, field.name)
        found.update(fields_of(value) if dataclasses.is_dataclass(value) and field.metadata.get("group")
                     else {field.name: value})
    return found


def named(components, values: dict[str, object]) -> dict:
    """{component: value} from the {field name: value} an on_gpu function answers with."""
    found = fields_of(components)
    return {found[name]: value for name, value in values.items()}


def group() -> dataclasses.Field:
    """A field holding one step's Components dataclass, whose fields `named` finds by their own names."""
    return dataclasses.field(metadata={"group": True})
