"""Parsers of the official on-disk release formats (one subpackage per benchmark)."""
