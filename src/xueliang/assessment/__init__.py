"""Assessment: indicators as data, plans with weights, generated results, PDF and Excel reports."""
