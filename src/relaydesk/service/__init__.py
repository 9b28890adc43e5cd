"""Use cases: each ties the parts together inside one unit of work."""
