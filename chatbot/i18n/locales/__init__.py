"""Text catalogues, one module per language, each with a dict `TEXTS` (see texts.py)."""
