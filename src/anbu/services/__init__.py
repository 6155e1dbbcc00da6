"""Use cases. Each owns its transaction; the domain decides, the store remembers."""
