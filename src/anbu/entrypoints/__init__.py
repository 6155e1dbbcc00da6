"""Entry points: the command line, the demo (and later the web app and workers)."""
