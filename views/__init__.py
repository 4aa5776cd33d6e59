"""The dashboard's pages, one file each: UI only (filters, fetch from the store, numbers, charts, explanations).

The folder is ``views/``, not ``pages/``: Streamlit treats a ``pages/`` folder beside the entry point as its
legacy multipage directory until ``st.navigation`` has run once, so a deep link such as ``/costs`` on a
fresh server would run the page without ``app.py`` (no database preparation, no sidebar filters).
"""
