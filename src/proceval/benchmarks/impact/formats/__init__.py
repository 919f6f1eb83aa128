"""Parsers of the official IMPACT annotation release (``impact-release/dataset``).

Every parser raises :class:`proceval.errors.ReleaseFormatError` naming the file and line.
"""
