"""The domain core: subjects, activity, watermarks, detection and alerts.

Nothing in this package does I/O, reads a clock or imports a framework: time is
always passed in, so every rule can be tested with fixed instants.
"""
