"""Gradio tab builders for app.py: each module builds one tab and wires it to the `transfer` library."""
