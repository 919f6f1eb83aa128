"""IMPACT psr configs (to be written)."""
