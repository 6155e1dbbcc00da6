"""anbu (안부): a safety-check service for people who live alone."""

__version__ = "0.1.0"
