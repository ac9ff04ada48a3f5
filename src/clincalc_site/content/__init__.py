"""Content: one monograph file from bytes to a validated ``Entry`` and its ``IndexEntry``.

The YAML reader with a source map, the models, the schema-error translation, the rules
(placeholders, review, cross-file), the dose contract, the registries and the loader.
Knows nothing of sites, pages or files written.
"""
