"""The Breakeven command line: one CLI over the collectors, the importers, the store and the pricing engine.

``breakeven.cli`` builds the parser and is the one error boundary; ``breakeven.exits`` holds the exit
codes; ``breakeven.commands`` has one module per command (or family of commands). It is the top of the
import graph: it may import every package, and nothing imports it.
"""
