"""Joins measured usage from the store to the pure pricing models: today's cost, alternatives, verdicts."""
