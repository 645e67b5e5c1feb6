"""Who sent a request, for limits per client."""

from __future__ import annotations

import gradio as gr


def client_address(request: gr.Request | None) -> str:
    """The address of the client that sent `request` ("" when unknown)."""
    client = getattr(request, "client", None)
    return str(getattr(client, "host", "") or "")
