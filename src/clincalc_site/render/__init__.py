"""Rendering: Markdown to safe HTML, the page views and the Jinja renderer. No file writes."""
