"""IMPACT af_s configs (to be written)."""
