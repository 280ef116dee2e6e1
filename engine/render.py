"""Kept for imports written before the views moved: every renderer now lives in duidan.views."""

from .views.text import render_explain, render_list, render_text, to_json_line  # noqa: F401
