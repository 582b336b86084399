"""What operators use: the command-line modes, logging and metrics."""
