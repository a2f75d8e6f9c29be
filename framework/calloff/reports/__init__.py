"""The quarterly spend-against-contract report: its figures, chart and files."""
