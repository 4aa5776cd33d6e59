"""Streamlit pages: UI only (filters, fetch from the store, headline numbers, charts, explanations)."""
