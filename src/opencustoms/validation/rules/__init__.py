"""Rule modules, one per family. Importing this package registers every rule."""
