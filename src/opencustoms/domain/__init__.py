"""The customs domain: declarations, parties, money and reference data. Standard library only."""
