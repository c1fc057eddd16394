"""Format-logical control: a catalogue of named rules with stable codes, run all at once."""
