"""Use cases of the customs administration, written against ports (Protocols)."""
