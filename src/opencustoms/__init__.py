"""OpenCustoms: a digital customs administration system."""

__version__ = "0.1.0"
