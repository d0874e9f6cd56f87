"""The `goban-edge` command: one module per subcommand."""
