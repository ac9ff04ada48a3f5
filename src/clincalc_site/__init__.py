"""clincalc-site: a static site generator for clinical drug monographs.

A dose is published only when it is verified (a source, a verifier, a date); everywhere else
the page shows the re-sourcing banner.
"""

__version__ = "0.1.0"
