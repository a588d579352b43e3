"""The Gradio app of ``ctassist serve``: chat with cited sources, agenda drafts, the corpus."""

import os

# No telemetry and no version check (this machine has no internet, and the data is private).
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

from ui._conversations import FILE_NAME as CONVERSATIONS_FILE
from ui._conversations import export_feedback
from ui._serving import auth_from_argument
from ui.app import build_app, serve, start

__all__ = ["CONVERSATIONS_FILE", "auth_from_argument", "build_app", "export_feedback", "serve", "start"]
