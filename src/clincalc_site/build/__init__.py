"""The build: the stage script (``pipeline.build`` and ``pipeline.check``), the pure plan of
what to reuse and render, the manifest (build cache), the worker processes, the preview
session and the reports."""
