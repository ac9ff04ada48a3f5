"""Publishing: the output folder's safety checks, atomic staging and exchange, the spare
folder, folder scans and the search index (Pagefind)."""
