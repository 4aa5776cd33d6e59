"""File importers: exported metrics and billing files parsed, checked and handed to ``store`` as batches."""
