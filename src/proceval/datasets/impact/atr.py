"""IMPACT atr configs (to be written)."""
