"""One module per ``proceval`` subcommand: ``add_parser(subparsers)`` and ``run(args) -> int``."""
