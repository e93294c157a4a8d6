"""motcua: software for a province's one-stop public administrative service centers."""

__version__ = "0.1.0"
