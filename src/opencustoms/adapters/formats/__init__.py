"""File and message formats: declaration JSON, jurisdiction packs, public dataset importers."""
