"""A command-line client of the competition platform: submit a predictions file and wait for its score, or read a
leaderboard (``python -m competition_client --help``). Standard library only."""

__version__ = "0.1.0"
