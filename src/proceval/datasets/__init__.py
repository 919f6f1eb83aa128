"""Dataset configs: release files → examples (one registry of configs per benchmark)."""
