"""IMPACT af_l configs (to be written)."""
