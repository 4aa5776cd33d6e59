"""Figures and the table shaping behind them, built without Streamlit so they can be tested alone."""
