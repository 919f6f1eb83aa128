"""IMPACT cv configs (to be written)."""
