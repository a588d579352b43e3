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
/* Colours as variables: Gradio puts the class "dark" on <body> when the OS asks for a dark
   theme, and every colour below switches with it (contrast checked in the browser tests). */
:root {
  --ct-text: #2b3445; --ct-muted: #4f5e77; --ct-heading: #1d2b4f; --ct-link: #1f5fa8;
  --ct-border: #d5dbe5; --ct-rule: #e3e8f0; --ct-surface: #fbfcfe; --ct-page: #ffffff;
  --ct-mark-bg: #ffe58a; --ct-mark-text: #111111; --ct-mark-ring: #e6c05c;
  --ct-warn-bg: #fff4d6; --ct-warn-text: #6b4900; --ct-warn-ring: #e6c05c;
  --ct-bad-bg: #fde8e8; --ct-bad-text: #9b1c1c; --ct-bad-ring: #f0a8a8;
  --ct-good-bg: #e3f4e8; --ct-good-text: #1b6b35; --ct-good-ring: #9fd3ae;
}
.dark {
  --ct-text: #e3e8f1; --ct-muted: #aab6c9; --ct-heading: #dbe6f7; --ct-link: #8fbff5;
  --ct-border: #3a4559; --ct-rule: #2f3a4c; --ct-surface: #161d2a; --ct-page: #0f141e;
  --ct-mark-bg: #ffe58a; --ct-mark-text: #111111; --ct-mark-ring: #b8962f;
  --ct-warn-bg: #3d3014; --ct-warn-text: #ffd98a; --ct-warn-ring: #8a6d1f;
  --ct-bad-bg: #45191c; --ct-bad-text: #ffb3b3; --ct-bad-ring: #8c3a3a;
  --ct-good-bg: #143222; --ct-good-text: #9be3b4; --ct-good-ring: #2f7a4a;
}
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
.ct-pending { color: var(--ct-muted); font-style: italic; }
a.ct-cite { text-decoration: none !important; font-size: 0.8em; font-weight: 600; color: var(--ct-link) !important;
  vertical-align: super; margin-left: 1px; }
.ct-sources { margin-top: 10px; padding-top: 8px; border-top: 1px solid var(--ct-border); }
.ct-sources-head { font-size: 0.78rem; text-transform: uppercase; letter-spacing: 0.05em; color: var(--ct-muted);
  font-weight: 600; margin-bottom: 4px; }
ol.ct-src-list { list-style: none !important; padding-left: 0 !important; margin: 0 !important; }
ol.ct-src-list li { margin: 3px 0 !important; line-height: 1.35; }
a.ct-src { text-decoration: none !important; color: var(--ct-link) !important; font-weight: 600; cursor: pointer; }
a.ct-src:hover .ct-src-title, a.ct-src-active .ct-src-title { text-decoration: underline; }
.ct-src-n { display: inline-block; min-width: 1.45em; padding: 0 5px; border-radius: 4px; background: #1f5fa8;
  color: #fff; font-size: 0.8em; text-align: center; margin-right: 4px; }
.ct-src-where { display: block; margin-left: 2.1em; font-size: 0.85em; color: var(--ct-muted); }
.ct-abstain-label, .ct-error-label { display: inline-block; padding: 2px 10px; border-radius: 999px;
  font-weight: 700; font-size: 0.85rem; }
.ct-abstain-label { background: var(--ct-warn-bg); color: var(--ct-warn-text); border: 1px solid var(--ct-warn-ring); }
.ct-error-label { background: var(--ct-bad-bg); color: var(--ct-bad-text); border: 1px solid var(--ct-bad-ring); }
.ct-scope { font-size: 0.85em; color: var(--ct-muted); }

/* passage panel */
.ct-panel-title h3 { margin: 4px 0 6px !important; }
.ct-passage { border: 1px solid var(--ct-border); border-radius: 10px; background: var(--ct-surface);
  padding: 14px 16px; min-height: 200px; color: var(--ct-text); }
.ct-passage-empty { display: flex; align-items: center; justify-content: center; color: var(--ct-muted);
  text-align: center; }
.ct-passage-hint { max-width: 300px; line-height: 1.45; color: var(--ct-muted); }
.ct-passage-head { display: flex; gap: 8px; align-items: flex-start; margin-bottom: 10px; }
.ct-passage-title { font-weight: 700; color: var(--ct-heading); line-height: 1.3; }
.ct-passage-where { font-size: 0.85rem; color: var(--ct-muted); margin-top: 2px; }
.ct-passage-note { font-size: 0.85rem; color: var(--ct-warn-text); margin-bottom: 6px; }
.ct-passage-body { position: relative; border-top: 1px solid var(--ct-rule); padding-top: 8px; max-height: 560px;
  overflow-y: auto; white-space: pre-wrap; line-height: 1.55; font-size: 0.93rem; color: var(--ct-text); }
/* A long address or path in a document wraps inside the panel instead of widening the page. */
.ct-passage-title, .ct-passage-where, .ct-passage-body, #ct-agenda-preview { overflow-wrap: anywhere; }
.ct-passage-body mark { background: var(--ct-mark-bg); color: var(--ct-mark-text); padding: 1px 2px; border-radius: 3px;
  box-shadow: 0 0 0 1px var(--ct-mark-ring); }

/* forms, tables, messages */
#ct-documents table, #ct-documents td, #ct-documents th, #ct-documents span { font-family: var(--font) !important; }
#ct-documents th, #ct-documents th span { word-break: normal !important; overflow-wrap: normal !important;
  hyphens: none; }
.ct-badge { display: inline-block; padding: 0 8px; border-radius: 999px; font-size: 0.8rem; font-weight: 700;
  margin-right: 2px; }
.ct-ok { background: var(--ct-good-bg); color: var(--ct-good-text); border: 1px solid var(--ct-good-ring); }
.ct-fail { background: var(--ct-bad-bg); color: var(--ct-bad-text); border: 1px solid var(--ct-bad-ring); }
.ct-passage-heading { font-weight: 700; color: var(--ct-heading); }
#ct-ask-row, #ct-undo-row { align-items: center; }
.ct-help { color: var(--ct-muted); font-size: 0.9rem; }
.ct-error-box { background: var(--ct-bad-bg); color: var(--ct-bad-text); border: 1px solid var(--ct-bad-ring);
  border-radius: 8px; padding: 10px 14px; font-weight: 600; }
.ct-examples button { font-weight: 400 !important; }
#ct-agenda-preview { border: 1px solid var(--ct-border); border-radius: 10px; padding: 6px 18px;
  background: var(--ct-page); color: var(--ct-text); min-height: 360px; }

/* Phones and narrow windows: columns stack, nothing is wider than the screen, the header
   shrinks so that it and the question box fit on the first screen. */
@media (max-width: 700px) {
  .gradio-container { padding: 0 6px !important; }
  .gradio-container .column, .gradio-container .row > * { min-width: 0 !important; }
  .gradio-container .row { flex-wrap: wrap !important; }
  .ct-header { padding: 10px 14px; border-left-width: 5px; }
  .ct-header h1 { font-size: 1.15rem; margin: 0; }
  .ct-header p, .ct-brand { display: none; }
  #ct-chatbot { height: 38vh !important; min-height: 220px !important; }
  #ct-ask-row > * { min-width: 0 !important; }
  .ct-examples { display: none !important; }
  /* The documents table keeps readable columns and scrolls sideways inside its own frame;
     contain keeps its width from widening the page. */
  #ct-documents { contain: inline-size; overflow-x: auto !important; }
  #ct-documents .table-container { min-width: 960px; }
  .ct-passage-body { max-height: 60vh; }
}
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
#: text so the highlighted quote is in view below its title. Where the columns are stacked
#: (a phone), the panel is below the chat, so the page also scrolls to the panel.
PASSAGE_JS = """
watch('value', () => {
  const body = element.querySelector('.ct-passage-body');
  const mark = element.querySelector('mark');
  if (body && mark) { body.scrollTop = Math.max(0, mark.offsetTop - 80); }
  if (mark && window.matchMedia('(max-width: 700px)').matches) {
    (element.closest('#ct-passage') || element).scrollIntoView({ block: 'start', behavior: 'smooth' });
  }
});
"""


#: The page script for assistive technology, run once in the page's head. Gradio renders the
#: chat and the passage panel without a live region and labels each chat message with its
#: raw HTML, and each radio button of a group is its own Tab stop; this observes the page and
#: (1) makes the chat and the passage panel polite live regions, so a screen reader announces
#: a new answer or passage; (2) replaces a label that holds markup by the element's own text;
#: (3) gives the radio buttons of each group one shared name, so the browser's own radio
#: keyboard model applies: one Tab stop per group, arrow keys to choose; (4) makes the tab bar
#: one Tab stop (the selected tab) whose arrow keys, Home and End select another tab, as the
#: ARIA tabs pattern that screen readers announce expects.
A11Y_HEAD = """
<script>
(() => {
  const LIVE = ['ct-chatbot', 'ct-passage'];
  const tidy = () => {
    for (const id of LIVE) {
      const region = document.getElementById(id);
      if (region && region.getAttribute('aria-live') !== 'polite') {
        region.setAttribute('aria-live', 'polite');
        region.setAttribute('aria-relevant', 'additions text');
      }
    }
    for (const element of document.querySelectorAll('[aria-label*="<"]')) {
      const text = (element.textContent || '').replace(/\\s+/g, ' ').trim();
      element.setAttribute('aria-label', text.slice(0, 300) || 'message');
    }
    document.querySelectorAll('fieldset, .gradio-radio').forEach((group, index) => {
      const radios = group.querySelectorAll('input[type=radio]');
      if (radios.length < 2) { return; }
      const name = group.id ? `ct-radio-${group.id}` : `ct-radio-${index}`;
      radios.forEach((radio) => { if (radio.name !== name) { radio.name = name; } });
    });
    document.querySelectorAll('[role=tab]').forEach((tab) => {
      const stop = tab.getAttribute('aria-selected') === 'true' ? '0' : '-1';
      if (tab.getAttribute('tabindex') !== stop) { tab.setAttribute('tabindex', stop); }
    });
  };
  const KEYS = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
  document.addEventListener('keydown', (event) => {
    const tab = event.target && event.target.closest ? event.target.closest('[role=tab]') : null;
    if (!tab || event.altKey || event.ctrlKey || event.metaKey) { return; }
    const tabs = [...tab.parentElement.querySelectorAll('[role=tab]')]
      .filter((t) => t.getAttribute('aria-disabled') !== 'true');
    const here = tabs.indexOf(tab);
    let next = null;
    if (event.key in KEYS) { next = (here + KEYS[event.key] + tabs.length) % tabs.length; }
    if (event.key === 'Home') { next = 0; }
    if (event.key === 'End') { next = tabs.length - 1; }
    if (next === null) { return; }
    event.preventDefault();
    tabs[next].click();
    tabs[next].focus();
  });
  let queued = false;
  const schedule = () => {
    if (!queued) { queued = true; requestAnimationFrame(() => { queued = false; tidy(); }); }
  };
  const start = () => {
    tidy();
    new MutationObserver(schedule).observe(document.body, {
      subtree: true, childList: true, attributes: true, attributeFilter: ['aria-label', 'aria-selected'],
    });
  };
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
</script>
"""
