"""IMPACT asr configs (to be written)."""
