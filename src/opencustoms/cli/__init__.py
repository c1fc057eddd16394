"""The ``opencustoms`` command line."""
