"""The vocabulary every package shares: services and patterns, canonical metrics and units, platform limits,
the month, time helpers, the progress-callback type and the settings read from the environment.

It is the bottom of the import graph: it imports nothing of ours, so ``pricing`` (which may import nothing
else) and every other package can agree on one set of names. Adding a service starts here.
"""
