"""The support world's nouns and rules, with no framework and no I/O."""
