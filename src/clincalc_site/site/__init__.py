"""The site: settings (``site.yaml``, ``BuildConfig``) and the assembly of loaded monographs into
classes, an A–Z and related links. Pure apart from reading ``site.yaml``.
"""
