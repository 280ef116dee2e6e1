"""`python -m duidan.cli ...` runs the `duidan` command (used by tests that need a real process)."""

from duidan.cli.main import main

main()
