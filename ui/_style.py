"""The look of the app: theme, style sheet, header and the page script for source links."""

from __future__ import annotations

from typing import Any

TITLE = "ctassist · Prevent inspection assistant"

HEADER_HTML = """
<div class="ct-header">
  <div class="ct-header-main">
    <div class="ct-brand">HMICFRS · Counter-terrorism inspections</div>
    <h1>Prevent inspection assistant</h1>
    <p>For staff preparing the inspection of police forces' role in Prevent. Answers come only
    from the indexed corpus (source documents and reference-group meeting notes): every sentence
    cites its source, and when the corpus does not cover a question the assistant says so.</p>
  </div>
</div>
"""

CHAT_PLACEHOLDER = (
    "**Ask a question about Prevent, Channel, the police role or the reference groups.**\n\n"
    "Each answer lists its numbered sources; select one to read the passage in context."
)

#: Runs when the hidden bridge component mounts: a click on a source link (``#ct-src-…``)
#: anywhere on the page puts the link's target in the bridge's value and fires its click
#: event, which opens the passage. The newest mount replaces older listeners.
SOURCE_BRIDGE_JS = """
const previous = window.__ctassistSourceClick;
if (previous) { document.removeEventListener('click', previous, true); }
const onClick = (event) => {
  const target = event.target;
  const link = target && target.closest ? target.closest('a[href^="#ct-src-"]') : null;
  if (!link) { return; }
  event.preventDefault();
  event.stopPropagation();
  document.querySelectorAll('a.ct-src-active').forEach((a) => a.classList.remove('ct-src-active'));
  link.classList.add('ct-src-active');
  props.value = link.getAttribute('href').slice(1);
  trigger('click');
};
window.__ctassistSourceClick = onClick;
document.addEventListener('click', onClick, true);
"""

CSS = """
.gradio-container { max-width: 1320px !important; margin: 0 auto !important; }
footer { display: none !important; }

/* header */
.ct-header { background: #1d2b4f; color: #fff; border-radius: 10px; padding: 18px 24px 16px;
  border-left: 8px solid #2f8c8c; }
.ct-header h1 { color: #fff; font-size: 1.55rem; margin: 2px 0 6px; font-weight: 600; }
.ct-header p { color: #dfe6f3; margin: 0; max-width: 980px; font-size: 0.95rem; line-height: 1.45; }
.ct-brand { text-transform: uppercase; letter-spacing: 0.08em; font-size: 0.75rem; color: #a9c6e8;
  font-weight: 600; }

/* chat */
#ct-chatbot .message-wrap { font-size: 0.98rem; }
.ct-pending { color: #5b6b85; font-style: italic; }
a.ct-cite { text-decoration: none !important; font-size: 0.8em; font-weight: 600; color: #1f5fa8 !important;
  vertical-align: super; margin-left: 1px; }
.ct-sources { margin-top: 10px; padding-top: 8px; border-top: 1px solid #d5dbe5; }
.ct-sources-head { font-size: 0.78rem; text-transform: uppercase; letter-spacing: 0.05em; color: #5b6b85;
  font-weight: 600; margin-bottom: 4px; }
ol.ct-src-list { list-style: none !important; padding-left: 0 !important; margin: 0 !important; }
ol.ct-src-list li { margin: 3px 0 !important; line-height: 1.35; }
a.ct-src { text-decoration: none !important; color: #1f5fa8 !important; font-weight: 600; cursor: pointer; }
a.ct-src:hover .ct-src-title, a.ct-src-active .ct-src-title { text-decoration: underline; }
.ct-src-n { display: inline-block; min-width: 1.45em; padding: 0 5px; border-radius: 4px; background: #1f5fa8;
  color: #fff; font-size: 0.8em; text-align: center; margin-right: 4px; }
.ct-src-where { display: block; margin-left: 2.1em; font-size: 0.85em; color: #5b6b85; }
.ct-abstain-label, .ct-error-label { display: inline-block; padding: 2px 10px; border-radius: 999px;
  font-weight: 700; font-size: 0.85rem; }
.ct-abstain-label { background: #fff4d6; color: #7a5300; border: 1px solid #e6c05c; }
.ct-error-label { background: #fde8e8; color: #9b1c1c; border: 1px solid #f0a8a8; }
.ct-scope { font-size: 0.85em; color: #5b6b85; }

/* passage panel */
.ct-panel-title h3 { margin: 4px 0 6px !important; }
.ct-passage { border: 1px solid #d5dbe5; border-radius: 10px; background: #fbfcfe; padding: 14px 16px;
  min-height: 200px; }
.ct-passage-empty { display: flex; align-items: center; justify-content: center; color: #5b6b85;
  text-align: center; }
.ct-passage-hint { max-width: 300px; line-height: 1.45; }
.ct-passage-head { display: flex; gap: 8px; align-items: flex-start; margin-bottom: 10px; }
.ct-passage-title { font-weight: 700; color: #1d2b4f; line-height: 1.3; }
.ct-passage-where { font-size: 0.85rem; color: #5b6b85; margin-top: 2px; }
.ct-passage-note { font-size: 0.85rem; color: #7a5300; margin-bottom: 6px; }
.ct-passage-body { position: relative; border-top: 1px solid #e3e8f0; padding-top: 8px; max-height: 560px; overflow-y: auto; white-space: pre-wrap; line-height: 1.55; font-size: 0.93rem; color: #2b3445; }
.ct-passage-body mark { background: #ffe58a; color: #111; padding: 1px 2px; border-radius: 3px;
  box-shadow: 0 0 0 1px #e6c05c; }

/* forms, tables, messages */
#ct-documents table, #ct-documents td, #ct-documents th, #ct-documents span { font-family: var(--font) !important; }
.ct-badge { display: inline-block; padding: 0 8px; border-radius: 999px; font-size: 0.8rem; font-weight: 700;
  margin-right: 2px; }
.ct-ok { background: #e3f4e8; color: #1b6b35; border: 1px solid #9fd3ae; }
.ct-fail { background: #fde8e8; color: #9b1c1c; border: 1px solid #f0a8a8; }
.ct-passage-heading { font-weight: 700; color: #1d2b4f; }
#ct-ask-row { align-items: center; }
.ct-help { color: #5b6b85; font-size: 0.9rem; }
.ct-error-box { background: #fde8e8; color: #9b1c1c; border: 1px solid #f0a8a8; border-radius: 8px;
  padding: 10px 14px; font-weight: 600; }
.ct-examples button { font-weight: 400 !important; }
#ct-agenda-preview { border: 1px solid #d5dbe5; border-radius: 10px; padding: 6px 18px; background: #fff;
  min-height: 360px; }
"""


def theme() -> Any:
    """The Gradio theme: calm blues, the locally served Source Sans Pro (no web fonts)."""
    import gradio as gr

    return gr.themes.Default(
        primary_hue=gr.themes.colors.blue,
        secondary_hue=gr.themes.colors.slate,
        neutral_hue=gr.themes.colors.slate,
        radius_size=gr.themes.sizes.radius_md,
        font=[gr.themes.LocalFont("Source Sans Pro"), "Arial", "sans-serif"],
        font_mono=[gr.themes.LocalFont("IBM Plex Mono"), "monospace"],
    ).set(
        button_primary_background_fill="#1d2b4f",
        button_primary_background_fill_hover="#2c3e6b",
        button_primary_text_color="#ffffff",
    )


#: Runs when the passage panel mounts: whenever it shows a new passage, scroll the passage's
#: text (not the page) so the highlighted quote is in view below its title.
PASSAGE_JS = """
watch('value', () => {
  const body = element.querySelector('.ct-passage-body');
  const mark = element.querySelector('mark');
  if (body && mark) { body.scrollTop = Math.max(0, mark.offsetTop - 80); }
});
"""
