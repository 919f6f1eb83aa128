"""IMPACT frame_tasks configs (to be written)."""
