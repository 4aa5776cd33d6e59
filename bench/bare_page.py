"""The floor of bench/render.py: a bare Streamlit page (pandas, one plotly chart, one table), nothing of ours."""

import pandas as pd
import plotly.express as px
import streamlit as st

st.title("A bare page")
frame = pd.DataFrame({"day": range(30), "requests": [1000 + 10 * d for d in range(30)]})
st.plotly_chart(px.line(frame, x="day", y="requests", title="bare page"))
st.dataframe(frame)
