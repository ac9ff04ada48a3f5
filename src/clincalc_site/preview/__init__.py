"""The live preview server (``clincalc-site serve``) and its browser script."""
