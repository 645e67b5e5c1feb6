"""Transfer Lab: see what pretrained ImageNet networks see, and reuse them for your own images.

Run `python app.py [--host H] [--port P] [--share]`; on Hugging Face Spaces the GRADIO_SERVER_* variables apply.
"""

from __future__ import annotations

import argparse
import os

import gradio as gr

from ui import classify
from ui import finetune
from ui import synthesis

TITLE = "Transfer Lab"
THEME = gr.themes.Soft()
INTRO = """# Transfer Lab
Explore what a network pretrained on ImageNet has learned, then reuse it. Everything runs on this computer's CPU."""


def build_app() -> gr.Blocks:
    """The whole app: one tab per lesson step."""
    with gr.Blocks(title=TITLE) as demo:
        gr.Markdown(INTRO)
        with gr.Tabs():
            with gr.Tab("Classify", id="classify"):
                classify_models = classify.build()
            with gr.Tab("Fine-tune", id="finetune"):
                finetune.build(classify_models)
            with gr.Tab("Ideal image", id="ideal"):
                synthesis.build_ideal()
            with gr.Tab("Adversarial", id="adversarial"):
                synthesis.build_adversarial()
    return demo


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
                        help="interface to listen on (0.0.0.0 for all; default 127.0.0.1)")
    parser.add_argument("--port", type=int,
                        default=int(os.environ.get("GRADIO_SERVER_PORT") or os.environ.get("PORT") or 7860))
    parser.add_argument("--share", action="store_true", help="also create a temporary public gradio.live link")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    build_app().queue(max_size=64).launch(server_name=args.host, server_port=args.port, share=args.share,
                                          theme=THEME)


if __name__ == "__main__":
    main()
