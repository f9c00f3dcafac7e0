"""The Streamlit pages of the app: each module renders one page and leaves the work to the library."""
